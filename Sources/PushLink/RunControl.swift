import LiveModel
import NIOConcurrencyHelpers
import NIOCore

/// What a run loop (a `Link`'s, a `LocalLink`'s) shares with `stop()` and `reconnectNow()`, which
/// come from other threads: whether either was asked for, and the wait under way.
protocol RunControl: Sendable {
    var stopRequested: Bool { get set }
    var reconnectRequested: Bool { get set }
    /// A `pause` under way, resumed early by a stop (or a reconnect).
    var waiter: CheckedContinuation<Void, Never>? { get set }
}

extension NIOLockedValueBox where Value: RunControl {
    /// Waits `delay` on `loop`, or less if a stop (or, where `reconnectCuts`, a reconnect) is
    /// asked for; one asked for before the wait ends it at once.
    func pause(_ delay: Duration, on loop: EventLoop, reconnectCuts: Bool = true) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let immediate = withLockedValue { c -> Bool in
                if c.stopRequested || (reconnectCuts && c.reconnectRequested) {
                    c.reconnectRequested = false
                    return true
                }
                c.waiter = continuation
                return false
            }
            if immediate { return continuation.resume() }
            loop.scheduleTask(in: .nanoseconds(Int64(delay.seconds * 1e9))) {
                self.withLockedValue { c -> CheckedContinuation<Void, Never>? in
                    defer { c.waiter = nil }
                    return c.waiter
                }?.resume()
            }
        }
        if reconnectCuts { withLockedValue { $0.reconnectRequested = false } }
    }
}
