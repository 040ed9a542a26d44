import LinkWire
import LiveModel
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
    /// Held directly (not looked up in the pipeline): `start` must reach it even after the
    /// channel has closed, to hand on what came before the close.
    let handler: NIOLoopBound<WebSocketFeedHandler>

    func send(text: String) {
        channel.eventLoop.execute {
            guard let handler = try? channel.pipeline.syncOperations.handler(type: WebSocketFeedHandler.self),
                  let context = try? channel.pipeline.syncOperations.context(handlerType: WebSocketFeedHandler.self)
            else { return }
            handler.sendText(text, context: context)
        }
    }

    /// Sends the messages of `batch` as they are (text as text, binary as binary), all in one
    /// hop to the event loop and one flush: an echo answers a read burst with one write burst.
    func send(_ batch: MessageBatch) {
        guard !batch.isEmpty else { return }
        channel.eventLoop.execute {
            guard let handler = try? channel.pipeline.syncOperations.handler(type: WebSocketFeedHandler.self),
                  let context = try? channel.pipeline.syncOperations.context(handlerType: WebSocketFeedHandler.self)
            else { return }
            handler.sendMessages(batch, context: context)
        }
    }

    /// Lets the connection's messages through; call it after saying "open", and wait for it
    /// before anything that follows (so they come before the state that says how it ended).
    func start() -> EventLoopFuture<Void> {
        let handler = self.handler
        return channel.eventLoop.submit { handler.value.start() }
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

/// Opens WebSocket connections: the HTTP upgrade (checked by NIO, including `Sec-WebSocket-Accept`)
/// over a channel from `ClientConnector`, all within the connect timeout.
enum WebSocketConnector {
    private enum Upgrade: Sendable {
        case upgraded(ended: EventLoopFuture<LinkError>, handler: NIOLoopBound<WebSocketFeedHandler>)
        case refused(EventLoopFuture<HTTPResponseHead>)
    }

    static func connect(_ configuration: LinkConfiguration, group: EventLoopGroup, sink: EventSink,
                        monotonic: @escaping @Sendable () -> Duration, wallClock: @escaping @Sendable () -> Int64,
                        filter: (@Sendable () -> MessageFilter)? = nil,
                        ids: NIOLockedValueBox<MessageIDTracker>? = nil) async throws(LinkError) -> WebSocketConnection {
        try await ClientConnector.open(configuration.url, configuration: configuration, group: group) { channel in
            try configureUpgrade(channel, configuration, sink: sink, monotonic: monotonic, wallClock: wallClock, filter: filter, ids: ids)
        } ready: { channel, upgrade in
            switch try await upgrade.get() {
            case .upgraded(let ended, let handler):
                return WebSocketConnection(channel: channel, ended: ended, handler: handler)
            case .refused(let answer):
                let head = try await answer.get()
                throw LinkError.upgradeRefused(status: Int(head.status.code), reason: head.status.reasonPhrase)
            }
        }
    }

    private static func configureUpgrade(_ channel: Channel, _ configuration: LinkConfiguration, sink: EventSink,
                                         monotonic: @escaping @Sendable () -> Duration, wallClock: @escaping @Sendable () -> Int64,
                                         filter: (@Sendable () -> MessageFilter)?,
                                         ids: NIOLockedValueBox<MessageIDTracker>?) throws -> EventLoopFuture<Upgrade> {
        var extra: [(String, String)] = []
        if let origin = configuration.origin { extra.append(("Origin", origin)) }
        // With a tracker (a feed link), Nchan's ws+meta.nchan is offered unless the user named
        // subprotocols; a server that does not select it is spoken to exactly as without the offer.
        var protocols = configuration.protocols
        if ids != nil && protocols.isEmpty { protocols = [NchanMetaHeader.subprotocol] }
        if !protocols.isEmpty { extra.append(("Sec-WebSocket-Protocol", protocols.joined(separator: ", "))) }
        // No resume id (Last-Event-ID) on a reconnect: Nchan's ids are the publish second and a
        // count that starts again with the server, so after an nginx restart within that second
        // "after T:k" skips the new server's first k messages, silently. Nchan replays its
        // buffer to a new subscriber instead, and the tracker drops what was already delivered
        // (same id, same bytes) and reports what the buffer no longer held (docs/transports.md).
        if configuration.deflate { extra.append(("Sec-WebSocket-Extensions", PerMessageDeflate.offer)) }
        let offered = configuration.deflate
        let head = ClientConnector.requestHead(configuration.url, configuration: configuration, extra: extra)

        let maxMessage = configuration.maxMessageBytes
        let heartbeat = (configuration.pingInterval, configuration.pingTimeout)
        let upgrader = WebSocketUpgrader<Upgrade> { channel, answer in
            channel.eventLoop.makeCompletedFuture {
                let deflate = try PerMessageDeflate.negotiated(answer.headers.first(name: "Sec-WebSocket-Extensions"), offered: offered)
                let ended = channel.eventLoop.makePromise(of: LinkError.self)
                do {
                    let handler = try WebSocketFeedHandler(
                        sink: sink, maxMessageBytes: maxMessage, deflate: deflate, ended: ended,
                        heartbeat: Heartbeat(interval: heartbeat.0, timeout: heartbeat.1, openedAt: monotonic()),
                        monotonic: monotonic, wallClock: wallClock)
                    if let filter {
                        handler.filter = filter()
                        handler.transport = .socketio
                    }
                    let selected = answer.headers.first(name: "Sec-WebSocket-Protocol").map { String($0.filter { !$0.isWhitespace }) }
                    if let ids, selected == NchanMetaHeader.subprotocol { handler.nchanIDs = ids }
                    try channel.pipeline.syncOperations.addHandler(ReadGateHandler(sink: sink))
                    try channel.pipeline.syncOperations.addHandler(handler)
                    return Upgrade.upgraded(ended: ended.futureResult, handler: NIOLoopBound(handler, eventLoop: channel.eventLoop))
                } catch {
                    // The handler never joined the pipeline (the channel closed during the upgrade,
                    // say, as a connect deadline fired), so nothing else will complete `ended`: a
                    // promise left open is a crash in debug builds ("leaking promise").
                    ended.succeed(.droppedWithoutClose)
                    throw error
                }
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
}

/// NIO's WebSocket client upgrade (the `Sec-WebSocket-Key` it sends and the `Sec-WebSocket-Accept`
/// it checks), with NIO's frame encoder for what livetop sends but without NIO's frame decoder:
/// `WebSocketFeedHandler` reads the frames straight from the bytes (docs/architecture.md).
private struct WebSocketUpgrader<UpgradeResult: Sendable>: NIOTypedHTTPClientProtocolUpgrader {
    private let nio: NIOTypedWebSocketClientUpgrader<UpgradeResult>
    private let upgradePipelineHandler: @Sendable (Channel, HTTPResponseHead) -> EventLoopFuture<UpgradeResult>

    init(upgradePipelineHandler: @escaping @Sendable (Channel, HTTPResponseHead) -> EventLoopFuture<UpgradeResult>) {
        // NIO's upgrader is kept for the handshake only; its pipeline handler is never called.
        nio = NIOTypedWebSocketClientUpgrader(upgradePipelineHandler: upgradePipelineHandler)
        self.upgradePipelineHandler = upgradePipelineHandler
    }

    var supportedProtocol: String { nio.supportedProtocol }
    var requiredUpgradeHeaders: [String] { nio.requiredUpgradeHeaders }
    func addCustom(upgradeRequestHeaders: inout HTTPHeaders) { nio.addCustom(upgradeRequestHeaders: &upgradeRequestHeaders) }
    func shouldAllowUpgrade(upgradeResponse: HTTPResponseHead) -> Bool { nio.shouldAllowUpgrade(upgradeResponse: upgradeResponse) }

    func upgrade(channel: Channel, upgradeResponse: HTTPResponseHead) -> EventLoopFuture<UpgradeResult> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(WebSocketFrameEncoder())
        }.flatMap {
            upgradePipelineHandler(channel, upgradeResponse)
        }
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
