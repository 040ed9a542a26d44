import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// Opens client channels for every transport: TCP, TLS for secure URLs (system trust store,
/// `--cacert`, `--insecure`; SNI only for host names), and one deadline that covers connecting,
/// the TLS handshake and whatever `ready` waits for (an upgrade, a response head).
enum ClientConnector {
    /// Connects to `url`, lets `pipeline` set the channel up (inside the channel initializer), then
    /// waits for `ready`. On any failure the channel is closed and the error is a `LinkError`
    /// (`connectTimeout` when the deadline fired).
    static func open<Setup: Sendable, Result>(
        _ url: FeedURL, configuration: LinkConfiguration, group: EventLoopGroup,
        pipeline: @escaping @Sendable (Channel) throws -> Setup,
        ready: (Channel, Setup) async throws -> Result
    ) async throws(LinkError) -> Result {
        let timedOut = NIOLockedValueBox(false)
        let sslContext: NIOSSLContext?
        do {
            sslContext = url.isSecure ? try makeSSLContext(configuration) : nil
        } catch {
            throw .tls("cannot set up TLS: \(error)")
        }
        let timeout = TimeAmount.nanoseconds(Int64(configuration.connectTimeout.seconds * 1e9))
        do {
            let (channel, setup, deadline) = try await ClientBootstrap(group: group)
                .connectTimeout(timeout)
                .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
                .connect(host: url.host, port: url.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let deadline = channel.eventLoop.scheduleTask(in: timeout) {
                            timedOut.withLockedValue { $0 = true }
                            channel.close(promise: nil)
                        }
                        if let sslContext {
                            let tls = try NIOSSLClientHandler(context: sslContext, serverHostname: isIPAddress(url.host) ? nil : url.host)
                            try channel.pipeline.syncOperations.addHandler(tls)
                        }
                        return (channel, try pipeline(channel), deadline)
                    }
                }
            defer { deadline.cancel() }
            do {
                return try await ready(channel, setup)
            } catch {
                channel.close(promise: nil)
                throw error
            }
        } catch {
            if timedOut.withLockedValue({ $0 }) { throw .connectTimeout(seconds: configuration.connectTimeout.seconds) }
            throw LinkErrors.map(error, host: url.host)
        }
    }

    /// A GET for `url` with Host, User-Agent, then `extra`, then the user's `-H` headers (which win).
    static func requestHead(_ url: FeedURL, configuration: LinkConfiguration, extra: [(String, String)] = []) -> HTTPRequestHead {
        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: url.target)
        head.headers.add(name: "Host", value: url.hostHeader)
        head.headers.add(name: "User-Agent", value: "livetop")
        for (name, value) in extra { head.headers.add(name: name, value: value) }
        for (name, value) in configuration.headers { head.headers.replaceOrAdd(name: name, value: value) }
        return head
    }

    static func makeSSLContext(_ configuration: LinkConfiguration) throws -> NIOSSLContext {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let file = configuration.caCertificateFile {
            tls.additionalTrustRoots = [.file(file)]
        }
        if configuration.insecure { tls.certificateVerification = .none }
        return try NIOSSLContext(configuration: tls)
    }

    /// SNI carries host names only (RFC 6066 §3); an IP address must not be sent.
    static func isIPAddress(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }
}
