import LinkWire
import LiveModel
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSOCKS
import NIOSSL

/// Opens client channels for every transport: TCP (directly, or through an HTTP CONNECT or SOCKS5
/// proxy), TLS for secure URLs (system trust store, `--cacert`, `--insecure`; SNI only for host
/// names), and one deadline that covers connecting, the proxy, the TLS handshake and whatever
/// `ready` waits for (an upgrade, a response head).
package enum ClientConnector {
    /// Connects to `url`, lets `pipeline` set the channel up (inside the channel initializer), then
    /// waits for `ready`. On any failure the channel is closed and the error is a `LinkError`
    /// (`connectTimeout` when the deadline fired).
    package static func open<Setup: Sendable, Result>(
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
        let proxy = try configuration.proxies.proxy(for: url)
        let socksTarget = try proxy.map { proxy throws(LinkError) in try socksAddress(url, through: proxy) } ?? nil
        do {
            let (channel, setup, deadline) = try await ClientBootstrap(group: group)
                .connectTimeout(timeout)
                .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
                .connect(host: proxy?.host ?? url.host, port: proxy?.port ?? url.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let deadline = channel.eventLoop.scheduleTask(in: timeout) {
                            timedOut.withLockedValue { $0 = true }
                            channel.close(promise: nil)
                        }
                        // The proxy's handler comes first: it holds what the others write until the tunnel is up.
                        if let socksTarget {
                            try channel.pipeline.syncOperations.addHandler(SOCKSClientHandler(targetAddress: socksTarget))
                        } else if let proxy {
                            try channel.pipeline.syncOperations.addHandler(ProxyConnectHandler(proxy: proxy, targetHost: url.host,
                                                                                               targetPort: url.port))
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
                let result = try await ready(channel, setup)
                deadline.cancel()
                // The deadline may have fired (and closed the channel) while `ready` was finishing.
                if timedOut.withLockedValue({ $0 }) { throw ChannelError.connectTimeout(timeout) }
                return result
            } catch {
                channel.close(promise: nil)
                throw error
            }
        } catch {
            if let proxy {
                // A proxy that refused, failed or never answered is named: it is not the feed's fault.
                if let e = error as? ProxyError { throw .proxy(e.proxy, e.problem, fatal: e.fatal) }
                if let e = error as? SOCKSError.ConnectionFailed { throw .proxy(proxy, "SOCKS connect to \(url.host):\(url.port) failed (reply \(e.reply))") }
                if error is SOCKSError.InvalidProtocolVersion || error is SOCKSError.InvalidAuthenticationSelection
                    || error is SOCKSError.NoValidAuthenticationMethod || error is SOCKSError.InvalidServerState {
                    throw .proxy(proxy, "SOCKS handshake failed: \(error)")
                }
                // Through a proxy, only the proxy itself can refuse the TCP connection or fail to resolve:
                // the target's refusals come back as the proxy's answers.
                let mapped = LinkError.map(error, host: proxy.host)
                if mapped == .refused || mapped == .resolve(proxy.host) { throw .proxy(proxy, mapped.description) }
                if timedOut.withLockedValue({ $0 }) {
                    throw .proxy(proxy, "no tunnel to \(url.host):\(url.port) within \(LinkError.seconds(configuration.connectTimeout.seconds))")
                }
            }
            if timedOut.withLockedValue({ $0 }) { throw .connectTimeout(seconds: configuration.connectTimeout.seconds) }
            throw LinkError.map(error, host: url.host)
        }
    }

    /// Where a SOCKS proxy connects: the name for socks5h (the proxy resolves it), an address
    /// resolved here for socks5; nil for an HTTP proxy.
    private static func socksAddress(_ url: FeedURL, through proxy: Proxy) throws(LinkError) -> SOCKSAddress? {
        switch proxy.kind {
        case .http: return nil
        case .socks5h: return .domain(url.host, port: url.port)
        case .socks5:
            do {
                return .address(try SocketAddress.makeAddressResolvingHost(url.host, port: url.port))
            } catch {
                throw .resolve(url.host)
            }
        }
    }

    /// A GET for `url` with Host, User-Agent, then `extra`, then the user's `-H` headers (which win).
    package static func requestHead(_ url: FeedURL, configuration: LinkConfiguration, extra: [(String, String)] = []) -> HTTPRequestHead {
        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: url.target)
        head.headers.add(name: "Host", value: url.hostHeader)
        head.headers.add(name: "User-Agent", value: "livetop")
        for (name, value) in extra { head.headers.add(name: name, value: value) }
        for (name, value) in configuration.headers { head.headers.replaceOrAdd(name: name, value: value) }
        return head
    }

    package static func makeSSLContext(_ configuration: LinkConfiguration) throws -> NIOSSLContext {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let file = configuration.caCertificateFile {
            tls.additionalTrustRoots = [.file(file)]
        }
        if configuration.insecure { tls.certificateVerification = .none }
        return try NIOSSLContext(configuration: tls)
    }

    /// SNI carries host names only (RFC 6066 §3); an IP address must not be sent.
    package static func isIPAddress(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }
}
