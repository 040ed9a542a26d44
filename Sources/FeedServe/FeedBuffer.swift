import LinkWire
import LiveModel
import NIOConcurrencyHelpers
import NIOCore

/// The reference server's published messages: numbered from 1, the last `capacity` kept, with
/// waiters woken when new ones arrive. Long-poll and SSE clients resume from a number; a number
/// older than the oldest kept message is "gone" (the client must reset and accept a gap).
public final class FeedBuffer: Sendable {
    public struct Message: Hashable, Sendable {
        public var seq: UInt64
        public var bytes: [UInt8]
        public var isBinary: Bool
        /// When it was published (the buffer's clock), nanoseconds since the Unix epoch: a late
        /// subscriber is told it (SSE `id: SEQ@MS`, long-poll `X-Message-Times`), so backlog is history.
        public var time: Int64
    }

    public enum Answer: Sendable {
        case messages([Message])
        /// The cursor is older than the oldest kept message, or newer than the newest.
        case gone(oldest: UInt64)
        case timedOut
    }

    private struct State {
        var messages: [Message] = []
        var head = 0  // index of the oldest in `messages` once it is full
        var last: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter: UInt64 = 0
    }

    public let capacity: Int
    private let state = NIOLockedValueBox(State())
    /// Stamps each published message (time-dependent behaviour takes a clock: a test gives a
    /// backlog that spans minutes without waiting them).
    private let clock: @Sendable () -> Int64

    public init(capacity: Int = 10_000, clock: @escaping @Sendable () -> Int64 = WallClock.now) {
        self.capacity = max(1, capacity)
        self.clock = clock
    }

    /// What a late subscriber would be sent: how many messages are kept, and the times of the
    /// oldest and the newest (nil before the first).
    public var kept: (count: Int, oldest: Int64?, newest: Int64?) {
        state.withLockedValue { s in
            guard !s.messages.isEmpty else { return (0, nil, nil) }
            let oldest = s.messages.count < capacity ? s.messages[0] : s.messages[s.head]
            let newest = s.messages[(s.head + s.messages.count - 1) % s.messages.count]
            return (s.messages.count, oldest.time, newest.time)
        }
    }

    /// The cursor after which only the newest `n` kept messages come (`?last=N`); nil: from the
    /// oldest kept, when fewer than `n` are kept.
    public func cursor(keepingLast n: Int) -> UInt64? {
        state.withLockedValue { s in
            let n = UInt64(max(0, n))
            return UInt64(s.messages.count) <= n ? nil : s.last - n
        }
    }

    /// Number of the newest message (0 before the first).
    public var lastSeq: UInt64 { state.withLockedValue { $0.last } }

    /// Adds messages and wakes everyone waiting.
    public func publish(_ items: [(bytes: [UInt8], isBinary: Bool)]) {
        let now = clock()
        let waiters = state.withLockedValue { s -> [CheckedContinuation<Void, Never>] in
            for item in items {
                s.last += 1
                let m = Message(seq: s.last, bytes: item.bytes, isBinary: item.isBinary, time: now)
                if s.messages.count < capacity {
                    s.messages.append(m)
                } else {
                    s.messages[s.head] = m
                    s.head = (s.head + 1) % capacity
                }
            }
            defer { s.waiters = [:] }
            return Array(s.waiters.values)
        }
        waiters.forEach { $0.resume() }
    }

    public func publish(text: String) { publish([(Array(text.utf8), false)]) }

    /// Messages after `cursor` (nil: from the oldest kept), at most `limit`; waits up to `timeout`
    /// for one. A cancelled task stops waiting (answer: `.timedOut`).
    public func after(_ cursor: UInt64?, limit: Int, timeout: Duration, on loop: EventLoop) async -> Answer {
        let deadline = NIODeadline.now() + .nanoseconds(Int64(timeout.seconds * 1e9))
        while true {
            let (answer, id): (Answer?, UInt64?) = state.withLockedValue { s in
                // Numbers are consecutive, so a number's place in the ring is arithmetic: no scan,
                // and the cost of a call is the `limit` messages it returns.
                let count = UInt64(s.messages.count)
                let oldest = s.last + 1 - count
                // Older than the oldest kept (oldest is at least 1, so no overflow), or newer than the
                // newest: a server restarted under the client. Either way the client must start over.
                if let cursor, cursor < oldest - 1 || cursor > s.last { return (.gone(oldest: oldest), nil) }
                let from = max(cursor.map { $0 + 1 } ?? oldest, oldest)
                if from <= s.last {
                    let n = Int(min(UInt64(max(0, limit)), s.last - from + 1))
                    let start = (s.head + Int(from - oldest)) % s.messages.count
                    var items: [Message] = []
                    items.reserveCapacity(n)
                    for i in 0..<n { items.append(s.messages[(start + i) % s.messages.count]) }
                    if !items.isEmpty { return (.messages(items), nil) }
                }
                s.nextWaiter += 1
                return (nil, s.nextWaiter)
            }
            if let answer { return answer }
            guard let id, NIODeadline.now() < deadline, !Task.isCancelled else { return .timedOut }
            // Sleep until a publish, the deadline or cancellation (the client went away), whichever
            // comes first.
            let timer = loop.scheduleTask(deadline: deadline) { [state] in
                state.withLockedValue { $0.waiters.removeValue(forKey: id) }?.resume()
            }
            await withTaskCancellationHandler {
                await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                    let resumeNow = state.withLockedValue { s -> Bool in
                        // Something may have been published, the deadline passed or the task been
                        // cancelled since the look (cancellation takes the same lock).
                        if s.last > (cursor ?? 0) || NIODeadline.now() >= deadline || Task.isCancelled { return true }
                        s.waiters[id] = c
                        return false
                    }
                    if resumeNow { c.resume() }
                }
            } onCancel: { [state] in
                state.withLockedValue { $0.waiters.removeValue(forKey: id) }?.resume()
            }
            timer.cancel()
        }
    }
}
