import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOWebSocket

/// An open WebSocket connection: its channel, and a future that tells why it ended.
struct WebSocketConnection: Sendable {
    let channel: Channel
    /// Completes (never fails) when the connection is gone, with the reason.
    let ended: EventLoopFuture<LinkError>

    func send(text: String) {
        channel.eventLoop.execute {
            guard let handler = try? channel.pipeline.syncOperations.handler(type: WebSocketFeedHandler.self),
                  let context = try? channel.pipeline.syncOperations.context(handlerType: WebSocketFeedHandler.self)
            else { return }
            handler.sendText(text, context: context)
        }
    }

    /// Starts the close handshake; `ended` completes once the connection is closed.
    func close(code: WebSocketErrorCode = .normalClosure, reason: LinkError? = nil) {
        channel.eventLoop.execute {
            guard let handler = try? channel.pipeline.syncOperations.handler(type: WebSocketFeedHandler.self),
                  let context = try? channel.pipeline.syncOperations.context(handlerType: WebSocketFeedHandler.self)
            else { return channel.close(promise: nil) }
            handler.close(code: code, reason: reason, context: context)
        }
    }
}

/// Opens WebSocket connections: TCP, TLS for wss (system trust store, `--cacert`, `--insecure`),
/// the HTTP upgrade (checked by NIO, including `Sec-WebSocket-Accept`), all within the connect timeout.
enum WebSocketConnector {
    private enum Upgrade: Sendable {
        case upgraded(ended: EventLoopFuture<LinkError>)
        case refused(EventLoopFuture<HTTPResponseHead>)
    }

    static func connect(_ configuration: LinkConfiguration, group: EventLoopGroup, sink: EventSink,
                        monotonic: @escaping @Sendable () -> Duration,
                        wallClock: @escaping @Sendable () -> Int64) async throws(LinkError) -> WebSocketConnection {
        let url = configuration.url
        let timedOut = NIOLockedValueBox(false)
        let sslContext: NIOSSLContext?
        do {
            sslContext = url.isSecure ? try makeSSLContext(configuration) : nil
        } catch {
            throw .tls("cannot set up TLS: \(error)")
        }
        let timeout = configuration.connectTimeout
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(.nanoseconds(Int64(timeout.seconds * 1e9)))
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
        do {
            let (channel, upgrade, deadline) = try await bootstrap.connect(host: url.host, port: url.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    // One deadline for TCP, TLS and the upgrade together.
                    let deadline = channel.eventLoop.scheduleTask(in: .nanoseconds(Int64(timeout.seconds * 1e9))) {
                        timedOut.withLockedValue { $0 = true }
                        channel.close(promise: nil)
                    }
                    if let sslContext {
                        let handler = try NIOSSLClientHandler(context: sslContext, serverHostname: isIPAddress(url.host) ? nil : url.host)
                        try channel.pipeline.syncOperations.addHandler(handler)
                    }
                    let upgrade = try configureUpgrade(channel, configuration, sink: sink, monotonic: monotonic, wallClock: wallClock)
                    return (channel, upgrade, deadline)
                }
            }
            let outcome: Upgrade
            do {
                outcome = try await upgrade.get()
            } catch {
                deadline.cancel()
                channel.close(promise: nil)
                throw error
            }
            switch outcome {
            case .upgraded(let ended):
                deadline.cancel()
                return WebSocketConnection(channel: channel, ended: ended)
            case .refused(let answer):
                let head = try await answer.get()
                deadline.cancel()
                channel.close(promise: nil)
                throw LinkError.upgradeRefused(status: Int(head.status.code), reason: head.status.reasonPhrase)
            }
        } catch {
            if timedOut.withLockedValue({ $0 }) { throw .connectTimeout(seconds: timeout.seconds) }
            throw LinkErrors.map(error, host: url.host)
        }
    }

    private static func configureUpgrade(_ channel: Channel, _ configuration: LinkConfiguration, sink: EventSink,
                                         monotonic: @escaping @Sendable () -> Duration,
                                         wallClock: @escaping @Sendable () -> Int64) throws -> EventLoopFuture<Upgrade> {
        let url = configuration.url
        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: url.target)
        head.headers.add(name: "Host", value: url.hostHeader)
        head.headers.add(name: "User-Agent", value: "livetop")
        if let origin = configuration.origin { head.headers.add(name: "Origin", value: origin) }
        if !configuration.protocols.isEmpty {
            head.headers.add(name: "Sec-WebSocket-Protocol", value: configuration.protocols.joined(separator: ", "))
        }
        for (name, value) in configuration.headers { head.headers.replaceOrAdd(name: name, value: value) }

        let maxMessage = configuration.maxMessageBytes
        let heartbeat = (configuration.pingInterval, configuration.pingTimeout)
        let upgrader = NIOTypedWebSocketClientUpgrader<Upgrade>(
            maxFrameSize: min(maxMessage, Int(UInt32.max)),
            enableAutomaticErrorHandling: false  // WebSocketFeedHandler answers decoding errors itself
        ) { channel, _ in
            channel.eventLoop.makeCompletedFuture {
                let ended = channel.eventLoop.makePromise(of: LinkError.self)
                let handler = WebSocketFeedHandler(
                    sink: sink, maxMessageBytes: maxMessage, ended: ended,
                    heartbeat: Heartbeat(interval: heartbeat.0, timeout: heartbeat.1, openedAt: monotonic()),
                    monotonic: monotonic, wallClock: wallClock)
                try channel.pipeline.syncOperations.addHandler(ReadGateHandler(sink: sink))
                try channel.pipeline.syncOperations.addHandler(handler)
                return Upgrade.upgraded(ended: ended.futureResult)
            }
        }
        let upgradeConfiguration = NIOTypedHTTPClientUpgradeConfiguration<Upgrade>(
            upgradeRequestHead: head, upgraders: [upgrader]
        ) { channel in
            // Not upgraded: keep the HTTP answer's status for the fallback decision.
            channel.eventLoop.makeCompletedFuture {
                let recorder = RefusedUpgradeRecorder(promise: channel.eventLoop.makePromise())
                try channel.pipeline.syncOperations.addHandler(recorder)
                return Upgrade.refused(recorder.answer)
            }
        }
        var pipeline = NIOUpgradableHTTPClientPipelineConfiguration(upgradeConfiguration: upgradeConfiguration)
        // Frames that arrive in the same read as the 101 answer must reach the frame decoder.
        pipeline.leftOverBytesStrategy = .forwardBytes
        return try channel.pipeline.syncOperations.configureUpgradableHTTPClientPipeline(configuration: pipeline)
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

/// Catches the HTTP answer to an upgrade that did not happen, then closes the connection.
private final class RefusedUpgradeRecorder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    private let promise: EventLoopPromise<HTTPResponseHead>
    var answer: EventLoopFuture<HTTPResponseHead> { promise.futureResult }

    init(promise: EventLoopPromise<HTTPResponseHead>) { self.promise = promise }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = unwrapInboundIn(data) {
            promise.succeed(head)
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(LinkError.droppedWithoutClose)
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        promise.fail(LinkError.droppedWithoutClose)
    }
}
