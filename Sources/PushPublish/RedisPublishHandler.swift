import LinkWire
import LiveModel
import NIOCore
import PushLink

/// One Redis connection of `RedisPublisher`: sends the handshake when it opens, then PUBLISHes
/// the lines of a job pipelined, at most `window` unanswered at a time, and counts the integer
/// replies (each is the server's acknowledgement of one line, in order). Runs on the channel's
/// event loop only.
final class RedisPublishHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Why a job stopped before every line was acknowledged: the first `acknowledged` lines were.
    struct Interrupted: Error {
        var acknowledged: Int
        var error: LinkError
        /// Worth another try on a new connection (connection loss, LOADING/TRYAGAIN/BUSY).
        var retry: Bool
    }

    private struct Job {
        var lines: ArraySlice<[UInt8]>
        var sent = 0
        var acknowledged = 0
        var promise: EventLoopPromise<Int>
    }

    private static let publish = Array("PUBLISH".utf8)

    let ready: EventLoopPromise<Void>
    private let channelName: [UInt8]
    private let window: Int
    private let decoder = RESPDecoder()
    private var pendingSteps: ArraySlice<RedisHandshake.Step>
    private var handshakeSent = false
    private var received: ByteBuffer?
    private var job: Job?
    private var endReason: LinkError?

    init(address: RedisAddress, window: Int, ready: EventLoopPromise<Void>) {
        channelName = address.channel
        self.window = max(1, window)
        self.ready = ready
        pendingSteps = RedisHandshake.steps(address)[...]
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { sendHandshake(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        sendHandshake(context: context)
        context.fireChannelActive()
    }

    /// AUTH and SELECT as the URL asks, then a PING, whose answer says the connection is ready
    /// (so `ready` means "a Redis server answered", even with no AUTH to answer).
    private func sendHandshake(context: ChannelHandlerContext) {
        guard !handshakeSent else { return }
        handshakeSent = true
        pendingSteps.append(RedisHandshake.Step(name: "PING", command: [Array("PING".utf8)]))
        var out = context.channel.allocator.buffer(capacity: 64)
        for step in pendingSteps { RESPValue.writeCommand(step.command, to: &out) }
        context.writeAndFlush(wrapOutboundOut(out), promise: nil)
    }

    /// Publishes `lines` in order; `promise` gets how many were acknowledged (all of them), or
    /// fails with `Interrupted`.
    func start(_ lines: ArraySlice<[UInt8]>, promise: EventLoopPromise<Int>, context: ChannelHandlerContext) {
        guard job == nil else {
            return promise.fail(Interrupted(acknowledged: 0, error: .io("a publish is already under way"), retry: false))
        }
        guard lines.count > 0 else { return promise.succeed(0) }
        guard context.channel.isActive, endReason == nil else {
            return promise.fail(Interrupted(acknowledged: 0, error: endReason ?? .droppedWithoutClose, retry: true))
        }
        job = Job(lines: lines, promise: promise)
        sendMore(context: context)
    }

    /// Fills the window with the next lines, in one write.
    private func sendMore(context: ChannelHandlerContext) {
        guard var job else { return }
        guard job.sent < job.lines.count, job.sent - job.acknowledged < window else { return }
        var bytes: [UInt8] = []
        while job.sent < job.lines.count && job.sent - job.acknowledged < window {
            let line = job.lines[job.lines.startIndex + job.sent]
            RESPValue.encodeCommand([Self.publish[...], channelName[...], line[...]], into: &bytes)
            job.sent += 1
        }
        self.job = job
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard endReason == nil else { return }
        var buffer = unwrapInboundIn(data)
        if var kept = received {
            received = nil
            kept.writeImmutableBuffer(buffer)
            buffer = kept
        }
        do {
            while let value = try decodeNext(&buffer) { try handle(value) }
        } catch {
            return fail(context, error)
        }
        if buffer.readableBytes > 0 { received = buffer }
        sendMore(context: context)
    }

    private func decodeNext(_ buffer: inout ByteBuffer) throws(Interrupted) -> RESPValue? {
        do {
            return try decoder.decode(&buffer)
        } catch {
            throw Interrupted(acknowledged: job?.acknowledged ?? 0, error: .badReply(error.description), retry: false)
        }
    }

    private func handle(_ value: RESPValue) throws(Interrupted) {
        if let step = pendingSteps.first {
            do {
                try RedisHandshake.check(value, of: step)
            } catch {
                throw Interrupted(acknowledged: 0, error: error, retry: error.severity != .fatal)
            }
            pendingSteps = pendingSteps.dropFirst()
            if pendingSteps.isEmpty { ready.succeed() }
            return
        }
        guard var job else {
            throw Interrupted(acknowledged: 0, error: .badReply("Redis sent \(RedisHandshake.summary(value)) nobody asked for"), retry: false)
        }
        switch value {
        case .integer:
            job.acknowledged += 1
            if job.acknowledged == job.lines.count {
                self.job = nil
                job.promise.succeed(job.acknowledged)
            } else {
                self.job = job
            }
        case .error(let text):
            // Redis answers the commands after this one in order too; the first refusal decides.
            let transient = RedisHandshake.isTransient(text)
            let error: LinkError = transient ? .io("Redis answered PUBLISH with: \(RedisHandshake.printable(text))")
                                             : .refusedByServer("Redis refused PUBLISH: \(RedisHandshake.printable(text))")
            throw Interrupted(acknowledged: job.acknowledged, error: error, retry: transient)
        default:
            throw Interrupted(acknowledged: job.acknowledged, error: .badReply("bad Redis reply to PUBLISH: \(RedisHandshake.summary(value))"),
                              retry: false)
        }
    }

    private func fail(_ context: ChannelHandlerContext, _ interruption: Interrupted) {
        if endReason == nil { endReason = interruption.error }
        received = nil
        ready.fail(interruption.error)
        if let job {
            self.job = nil
            job.promise.fail(Interrupted(acknowledged: job.acknowledged, error: interruption.error, retry: interruption.retry))
        }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        let reason = endReason ?? .droppedWithoutClose
        endReason = reason
        ready.fail(reason)
        if let job {
            self.job = nil
            job.promise.fail(Interrupted(acknowledged: job.acknowledged, error: reason, retry: reason.severity != .fatal))
        }
        context.fireChannelInactive()
    }

    /// A connection that never opened (refused, timed out) is never inactive: `ready` is
    /// completed here (completing it twice does nothing).
    func handlerRemoved(context: ChannelHandlerContext) {
        ready.fail(endReason ?? .droppedWithoutClose)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        let mapped = LinkError.map(error)
        fail(context, Interrupted(acknowledged: job?.acknowledged ?? 0, error: mapped, retry: mapped.severity != .fatal))
    }
}

@available(*, unavailable)
extension RedisPublishHandler: Sendable {}
