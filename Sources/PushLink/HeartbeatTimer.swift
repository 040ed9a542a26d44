import LinkWire
import NIOCore

/// One connection's `Heartbeat` on its event loop, for the WebSocket and the Redis handler
/// alike: the timer, and what the read path tells it. A frame seen in a read burst is told to the
/// heartbeat once, at the burst's end (one clock read per burst, not per message); reads going
/// on after backpressure held them restart the wait for an answer; while they are held the
/// silence is ours and never ends in `dead`. The handler says how to ping and what a dead peer
/// means for it.
final class HeartbeatTimer {
    private var heartbeat: Heartbeat
    private var task: Scheduled<Void>?
    private var receivedInBurst = false
    private let sink: EventSink
    private let monotonic: @Sendable () -> Duration

    init(_ heartbeat: Heartbeat, sink: EventSink, monotonic: @escaping @Sendable () -> Duration) {
        self.heartbeat = heartbeat
        self.sink = sink
        self.monotonic = monotonic
    }

    var timeout: Duration { heartbeat.timeout }

    /// Something arrived in the read burst under way.
    func received() { receivedInBurst = true }

    /// The read burst ended (`channelReadComplete`).
    func burstEnded() {
        guard receivedInBurst else { return }
        receivedInBurst = false
        heartbeat.received(at: monotonic())
    }

    /// Handles `ReadsResumed`; true when `event` was it (anything else goes on down the pipeline).
    func handle(_ event: Any) -> Bool {
        guard event is ReadsResumed else { return false }
        heartbeat.readsResumed(at: monotonic())
        return true
    }

    /// Runs the heartbeat on `context`'s event loop until `cancel()` or a dead peer: `ping` when
    /// one is due, `dead` once (and no tick after it) when the peer left a ping unanswered.
    func start(context: ChannelHandlerContext, ping: @escaping (ChannelHandlerContext) -> Void,
               dead: @escaping (ChannelHandlerContext) -> Void) {
        guard let deadline = heartbeat.nextDeadline else { return }
        let delay = max(.zero, deadline - monotonic())
        let bound = NIOLoopBound((self, context, ping, dead), eventLoop: context.eventLoop)
        task = context.eventLoop.scheduleTask(in: .nanoseconds(Int64(delay.seconds * 1e9))) {
            let (timer, context, ping, dead) = bound.value
            timer.fired(context: context, ping: ping, dead: dead)
        }
    }

    func cancel() {
        task?.cancel()
        task = nil
    }

    private func fired(context: ChannelHandlerContext, ping: @escaping (ChannelHandlerContext) -> Void,
                       dead: @escaping (ChannelHandlerContext) -> Void) {
        switch heartbeat.tick(at: monotonic(), readsHeld: sink.isPaused) {
        case .sendPing: ping(context)
        case .dead: return dead(context)
        case .none: break
        }
        start(context: context, ping: ping, dead: dead)
    }
}

@available(*, unavailable)
extension HeartbeatTimer: Sendable {}
