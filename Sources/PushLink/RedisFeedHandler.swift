import LinkWire
import LiveModel
import NIOCore

/// The message path of a Redis subscription: sends the handshake and SUBSCRIBE (or PSUBSCRIBE)
/// when the connection opens, decodes RESP as it arrives, and hands the payloads of the
/// `message` pushes of one read burst on as one batch (one hop per burst, as WebSocket does).
/// Pings in subscribed mode when the connection is idle. Runs on the channel's event loop only.
final class RedisFeedHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let address: RedisAddress
    private let sink: EventSink
    private let decoder: RESPDecoder
    /// Succeeds when the server confirmed the subscription; fails with why it did not.
    let subscribed: EventLoopPromise<Void>
    private let ended: EventLoopPromise<LinkError>
    private let heartbeat: HeartbeatTimer
    private let wallClock: @Sendable () -> Int64

    private var pendingSteps: ArraySlice<RedisHandshake.Step>
    private var subscribeSent = false
    private var isSubscribed = false
    private var received: ByteBuffer?
    private var batch = MessageBatch(transport: .redis)
    private var endReason: LinkError?
    private var failed = false
    /// Messages are held until the link has said "open" (and reported the gap before it).
    private var started = false

    init(address: RedisAddress, sink: EventSink, maxMessageBytes: Int, subscribed: EventLoopPromise<Void>,
         ended: EventLoopPromise<LinkError>, heartbeat: Heartbeat, monotonic: @escaping @Sendable () -> Duration,
         wallClock: @escaping @Sendable () -> Int64) {
        self.address = address
        self.sink = sink
        decoder = RESPDecoder(limits: .init(maxBulkBytes: maxMessageBytes))
        self.subscribed = subscribed
        self.ended = ended
        self.heartbeat = HeartbeatTimer(heartbeat, sink: sink, monotonic: monotonic)
        self.wallClock = wallClock
        pendingSteps = RedisHandshake.steps(address)[...]
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { sendSubscribe(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        sendSubscribe(context: context)
        context.fireChannelActive()
    }

    /// The handshake and the subscription in one write: their answers come back in order.
    private func sendSubscribe(context: ChannelHandlerContext) {
        guard !subscribeSent else { return }
        subscribeSent = true
        var out = context.channel.allocator.buffer(capacity: 128)
        for step in pendingSteps { RESPValue.writeCommand(step.command, to: &out) }
        RESPValue.writeCommand([Array((address.isPattern ? "PSUBSCRIBE" : "SUBSCRIBE").utf8), address.channel], to: &out)
        context.writeAndFlush(wrapOutboundOut(out), promise: nil)
        startHeartbeat(context: context)
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !failed else { return }
        heartbeat.received()
        var buffer = unwrapInboundIn(data)
        if var kept = received {
            received = nil
            kept.writeImmutableBuffer(buffer)
            buffer = kept
        }
        do {
            while let value = try decodeNext(&buffer) {
                try handle(value)
                if batch.bytes.count >= WebSocketFeedHandler.burstBytes { flush() }
            }
        } catch {
            return fail(context, error)
        }
        guard buffer.readableBytes > 0 else { return }
        // A message arriving in many reads must not keep every byte already taken off.
        if buffer.readerIndex >= 1 << 16 { buffer.discardReadBytes() }
        received = buffer
    }

    /// Takes one value off the bytes received so far (nil until one is complete).
    private func decodeNext(_ buffer: inout ByteBuffer) throws(LinkError) -> RESPValue? {
        do {
            return try decoder.decode(&buffer)
        } catch {
            if error.isBulkTooLarge { throw .tooLarge("Redis message", limit: decoder.limits.maxBulkBytes) }
            throw .badReply(error.description)
        }
    }

    private func handle(_ value: RESPValue) throws(LinkError) {
        if let step = pendingSteps.first {
            try RedisHandshake.check(value, of: step)
            pendingSteps = pendingSteps.dropFirst()
            return
        }
        switch value {
        case .simple("PONG") where !isSubscribed:
            return  // a heartbeat that went out before the subscription was confirmed
        case .array(let items?) where !items.isEmpty:
            guard let kind = items[0].text else { break }
            switch (kind, items.count) {
            case ("message", 3):
                guard let payload = items[2].bytes else { break }
                return append(payload)
            case ("pmessage", 4):
                guard let payload = items[3].bytes else { break }
                return append(payload)
            case ("subscribe", 3), ("psubscribe", 3):
                if !isSubscribed {
                    isSubscribed = true
                    subscribed.succeed()
                }
                return
            case ("pong", _):
                return  // the heartbeat's answer: anything received counts
            default:
                break
            }
            throw .badReply("unexpected Redis push: \(RedisHandshake.summary(value)) starting '\(RedisHandshake.printable(kind))'")
        case .error(let text):
            let what = isSubscribed ? "Redis error" : "Redis refused \(address.isPattern ? "PSUBSCRIBE" : "SUBSCRIBE")"
            if RedisHandshake.isTransient(text) { throw .io("\(what): \(RedisHandshake.printable(text))") }
            throw .refusedByServer("\(what): \(RedisHandshake.printable(text))")
        default:
            break
        }
        throw .badReply("unexpected Redis reply in subscribed mode: \(RedisHandshake.summary(value))")
    }

    /// A message's payload: text when it is UTF-8 (JSON or not, as other transports hand it on),
    /// binary otherwise (printed as base64, never raw).
    private func append(_ payload: [UInt8]) {
        batch.append(payload, isBinary: !UTF8Validator.isValid(payload))
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if !heartbeat.handle(event) { context.fireUserInboundEventTriggered(event) }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        heartbeat.burstEnded()
        flush()
        context.fireChannelReadComplete()
    }

    /// From now on, messages are handed on (the held ones at once).
    func start() {
        started = true
        flush()
    }

    private func flush() {
        guard started, !batch.messages.isEmpty else { return }
        var out = batch
        batch = MessageBatch(transport: .redis)
        out.receivedAt = wallClock()
        sink.yield(.messages(out))
    }

    func channelInactive(context: ChannelHandlerContext) {
        flush()
        heartbeat.cancel()
        let reason = endReason ?? (isSubscribed ? .closedByPeer(code: nil, reason: "the Redis server closed the connection") : .droppedWithoutClose)
        if !isSubscribed { subscribed.fail(reason) }
        ended.succeed(reason)
        context.fireChannelInactive()
    }

    /// A connection that never opened (refused, timed out) is never inactive: the promises are
    /// completed here (completing one twice does nothing).
    func handlerRemoved(context: ChannelHandlerContext) {
        heartbeat.cancel()
        let reason = endReason ?? .droppedWithoutClose
        subscribed.fail(reason)
        ended.succeed(reason)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        fail(context, LinkError.map(error))
    }

    /// Ends the connection with `error`; nothing read after it is handed on.
    private func fail(_ context: ChannelHandlerContext, _ error: LinkError) {
        if endReason == nil { endReason = error }
        failed = true
        received = nil
        context.close(promise: nil)
    }

    /// Closes the connection (the user quit or asked to reconnect).
    func close(context: ChannelHandlerContext, reason: LinkError) {
        if endReason == nil { endReason = reason }
        context.close(promise: nil)
    }

    // MARK: Heartbeat

    private func startHeartbeat(context: ChannelHandlerContext) {
        heartbeat.start(context: context) { [weak self] context in
            guard let self else { return }
            // In subscribed mode Redis answers PING with a `pong` push (RESP2).
            var out = context.channel.allocator.buffer(capacity: 16)
            RESPValue.writeCommand([Array("PING".utf8)], to: &out)
            context.writeAndFlush(wrapOutboundOut(out), promise: nil)
        } dead: { [weak self] context in
            guard let self else { return }
            if endReason == nil { endReason = .dead(seconds: heartbeat.timeout.seconds) }
            context.close(promise: nil)
        }
    }
}

@available(*, unavailable)
extension RedisFeedHandler: Sendable {}
