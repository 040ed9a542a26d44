import LiveModel
import NIOConcurrencyHelpers

/// When a source that said how often it speaks (`expect:`) has been silent too long. Pure: the
/// time of the last message and now come in; a report goes out once per silence.
public struct StaleRule: Sendable {
    public let expected: Duration
    /// The silence already reported, by when it began: one report per silence.
    private var reportedSilenceFrom: Duration?

    public init(expected: Duration) { self.expected = expected }

    /// How long the source has been silent, when that has just passed `expected`; else nil.
    public mutating func check(lastHeard: Duration, now: Duration) -> Duration? {
        let silent = now - lastHeard
        guard silent > expected, reportedSilenceFrom != lastHeard else { return nil }
        reportedSilenceFrom = lastHeard
        return silent
    }
}

/// Looks at a sink's last message often enough that a stale source is reported within a second
/// of passing its `expect`, and reports it as a `stale` state.
final class StaleTimer: Sendable {
    private let task: Task<Void, Never>

    init(expected: Duration, transport: @escaping @Sendable () -> Transport, sink: EventSink) {
        let started = ContinuousClock.now
        task = Task.detached {
            var rule = StaleRule(expected: expected)
            let step = min(.seconds(1), expected / 4)
            while !Task.isCancelled {
                try? await Task.sleep(for: step)
                let now = ContinuousClock.now
                let last = sink.lastMessageAt ?? started
                if let silent = rule.check(lastHeard: last - started, now: now - started) {
                    sink.yield(.state(.stale(transport: transport(), silentFor: silent, expected: expected), at: Link.wallClock()))
                }
            }
        }
    }

    func cancel() { task.cancel() }
}
