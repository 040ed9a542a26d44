import LiveModel
import NIOConcurrencyHelpers
import NIOCore

/// Where a link's events go: the producer side of the link's `events` sequence, with backpressure.
///
/// When the consumer falls behind, `yield` answers "stop" and the connection stops reading from
/// its socket (TCP then slows the server down); nothing is dropped and memory stays bounded by the
/// watermarks. When the consumer catches up, reading resumes.
public final class EventSink: NIOAsyncSequenceProducerDelegate, Sendable {
    typealias Source = NIOAsyncSequenceProducer<LinkEvent, NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark, EventSink>.Source

    private struct State {
        var source: Source?
        var paused = false
        var resume: [@Sendable () -> Void] = []
        var terminated = false
        /// Counts `produceMore` calls: a yield told to stop pauses only if no demand came since
        /// it started, or the demand is lost and reads stay held for good.
        var demand: UInt64 = 0
        /// When a message batch last went through (for `expect:`), monotonic.
        var lastMessageAt: ContinuousClock.Instant?
    }

    private let state = NIOLockedValueBox(State())

    /// A sink and the sequence it feeds, with up to 16 batches (read bursts) in flight before the
    /// socket stops being read.
    static func makeEvents() -> (sink: EventSink, events: Link.Events) {
        let sink = EventSink()
        let sequence = NIOAsyncSequenceProducer.makeSequence(
            elementType: LinkEvent.self,
            backPressureStrategy: NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark(lowWatermark: 4, highWatermark: 16),
            finishOnDeinit: false,
            delegate: sink)
        sink.attach(sequence.source)
        return (sink, sequence.sequence)
    }

    func attach(_ source: Source) { state.withLockedValue { $0.source = source } }

    /// Hands events to the consumer; returns false when the producer should pause reading.
    @discardableResult
    func yield(_ events: [LinkEvent]) -> Bool {
        let carriesMessages = events.contains { if case .messages = $0 { return true } else { return false } }
        let now: ContinuousClock.Instant? = carriesMessages ? .now : nil
        let (source, demand) = state.withLockedValue { s -> (Source?, UInt64) in
            if let now { s.lastMessageAt = now }
            return (s.terminated ? nil : s.source, s.demand)
        }
        guard let source else { return true }
        switch source.yield(contentsOf: events) {
        case .produceMore: return true
        case .stopProducing:
            // The consumer can drain the queue and ask for more (produceMore, on its thread)
            // between the answer and this line; pausing after that would wait for a demand that
            // already came, and the connection would stop reading for good (seen under TSan as a
            // live run that never ended).
            return !state.withLockedValue { s -> Bool in
                guard s.demand == demand else { return false }
                s.paused = true
                return true
            }
        case .dropped: return true
        }
    }

    func yield(_ event: LinkEvent) { yield([event]) }

    var isPaused: Bool { state.withLockedValue { $0.paused } }

    /// When a message batch last went through, if one has.
    var lastMessageAt: ContinuousClock.Instant? { state.withLockedValue { $0.lastMessageAt } }

    /// Runs `resume` once the consumer wants more (now, if it already does).
    func whenResumed(_ resume: @escaping @Sendable () -> Void) {
        let now = state.withLockedValue { s -> Bool in
            if !s.paused { return true }
            s.resume.append(resume)
            return false
        }
        if now { resume() }
    }

    func finish() {
        let source = state.withLockedValue { s -> Source? in
            defer { s.source = nil }
            return s.source
        }
        source?.finish()
    }

    // NIOAsyncSequenceProducerDelegate
    public func produceMore() {
        let waiting = state.withLockedValue { s -> [@Sendable () -> Void] in
            s.demand &+= 1
            s.paused = false
            defer { s.resume = [] }
            return s.resume
        }
        for resume in waiting { resume() }
    }

    public func didTerminate() {
        let waiting = state.withLockedValue { s -> [@Sendable () -> Void] in
            s.terminated = true
            s.paused = false
            defer { s.resume = [] }
            return s.resume
        }
        for resume in waiting { resume() }
    }
}
