import NIOCore

/// Backpressure for a connection: lets reads through while the consumer keeps up and holds
/// them while the link's event sequence is above its high watermark (see `EventSink`), so a
/// slow consumer slows the socket instead of growing a queue.
final class ReadGateHandler: ChannelOutboundHandler {
    typealias OutboundIn = Any

    private let sink: EventSink
    private var pendingRead = false

    init(sink: EventSink) { self.sink = sink }

    func read(context: ChannelHandlerContext) {
        guard sink.isPaused else { return context.read() }
        guard !pendingRead else { return }
        pendingRead = true
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        sink.whenResumed {
            loopBound.eventLoop.execute {
                handler.value.pendingRead = false
                // The handlers after this one learn of it: a heartbeat owed an answer restarts its wait.
                loopBound.value.fireUserInboundEventTriggered(ReadsResumed())
                handler.value.read(context: loopBound.value)
            }
        }
    }
}

@available(*, unavailable)
extension ReadGateHandler: Sendable {}

/// Sent down the pipeline when `ReadGateHandler` lets reads go on after holding them.
struct ReadsResumed: Sendable {}
