/// The connection as the status line shows it, folded from the link's `LinkState`s.
public struct ConnectionStatus: Hashable, Sendable {
    public enum Phase: Hashable, Sendable {
        case idle
        case connecting(attempt: Int)
        case open
        case waiting(attempt: Int, retryAt: Timestamp)
        case failed(retryAt: Timestamp?)
        case closed
    }

    /// A transition that is recorded but does not change the phase.
    public struct Transition: Hashable, Sendable {
        public enum Kind: String, Hashable, Sendable { case fallback, gap, note, `repeat` }
        public var kind: Kind
        public var reason: String
        public var at: Timestamp
    }

    public internal(set) var phase: Phase = .idle
    public internal(set) var transport: Transport?
    /// Seconds between polls while open on `poll`.
    public internal(set) var pollEvery: Double?
    public internal(set) var url: String?
    /// The exact last error, kept after the connection opens again (and after it closes: the
    /// reason of the close is `closedReason`).
    public internal(set) var lastError: LinkError?
    public internal(set) var since: Timestamp?
    public internal(set) var lastTransition: Transition?
    public internal(set) var opens = 0
    public internal(set) var fallbacks = 0
    public internal(set) var gaps = 0
    /// Messages skipped, summed over the gaps whose count the server's ids proved.
    public internal(set) var missed = 0
    /// Messages dropped as repeats (a known id with the same bytes came again).
    public internal(set) var repeats = 0
    /// Since when the source has been silent for longer than it said it would be (`expect`), and
    /// that expectation in seconds; nil while it speaks as expected. A message ends it.
    /// Why the run ended (a command's exit status, the end of stdin), when it ended by itself.
    public internal(set) var closedReason: String?
    public internal(set) var staleSince: Timestamp?

    /// A change of the source, as the event panel lists it: the whole text, never cut.
    public struct Entry: Hashable, Sendable {
        public var at: Timestamp
        public var text: String
        public init(at: Timestamp, text: String) {
            self.at = at
            self.text = text
        }
    }

    /// The last `historyLimit` changes (state changes, fallbacks, gaps, notes, staleness), oldest first.
    public internal(set) var history: [Entry] = []
    public static let historyLimit = 200
    public internal(set) var staleExpected = 0.0

    public init() {}

    mutating func apply(_ event: LinkState, at time: Timestamp) {
        record(event, at: time)
        switch event {
        case .connecting(let t, let url, let attempt):
            phase = .connecting(attempt: attempt)
            transport = t
            self.url = url
        case .open(let t, let every):
            phase = .open
            transport = t
            pollEvery = t == .poll ? every?.seconds : nil
            opens += 1
        case .waiting(let t, let attempt, let retryIn, let error):
            phase = .waiting(attempt: attempt, retryAt: time + retryIn.seconds)
            transport = t
            lastError = error
        case .failed(let t, let error, let retryIn):
            phase = .failed(retryAt: retryIn.map { time + $0.seconds })
            transport = t
            lastError = error
        case .fallback(let t, let reason):
            transport = t
            fallbacks += 1
            lastTransition = Transition(kind: .fallback, reason: reason, at: time)
            return
        case .gap(let t, let reason, let count):
            transport = t
            gaps += 1
            missed += max(0, count ?? 0)
            lastTransition = Transition(kind: .gap, reason: reason, at: time)
            return
        case .repeated(let t, let count, let reason):
            transport = t
            repeats += max(0, count)
            lastTransition = Transition(kind: .repeat, reason: reason, at: time)
            return
        case .note(let t, let text):
            transport = t
            lastTransition = Transition(kind: .note, reason: text, at: time)
            return
        case .stale(let t, let silentFor, let expected):
            transport = t
            staleSince = time + (-silentFor.seconds)
            staleExpected = expected.seconds
            return
        case .closed(let reason):
            phase = .closed
            staleSince = nil
            closedReason = reason
        }
        since = time
    }

    private mutating func record(_ event: LinkState, at time: Timestamp) {
        let text: String
        switch event {
        case .connecting(let t, let url, let attempt): text = "connecting over \(t.rawValue) to \(url)" + (attempt > 1 ? " (attempt \(attempt))" : "")
        case .open(let t, let every): text = "open (\(t.rawValue))" + (every.map { ", polling every \(Self.seconds($0.seconds))" } ?? "")
        // Waits through the saturating `Timestamp +`: a hostile recording's wait cannot trap `Int(_:)`.
        case .waiting(let t, let attempt, let retryIn, let error):
            text = "waiting (\(t.rawValue)): \(error); attempt \(attempt) in \(Self.seconds((time + retryIn.seconds) - time))"
        case .failed(let t, let error, let retryIn):
            text = "failed (\(t.rawValue)): \(error)" + (retryIn.map { "; retry in \(Self.seconds((time + $0.seconds) - time))" } ?? "")
        case .fallback(let t, let reason): text = "fallback to \(t.rawValue): \(reason)"
        case .gap(let t, let reason, _): text = "gap (\(t.rawValue)): \(reason)"
        case .repeated(let t, _, let reason): text = "repeat (\(t.rawValue)): \(reason)"
        case .note(_, let note): text = note
        case .stale(_, let silent, let expected): text = "stale: nothing for \(Self.seconds(silent.seconds)) (expect \(Self.seconds(expected.seconds)))"
        case .closed(let reason): text = "closed" + (reason.map { ": " + $0 } ?? "")
        }
        history.append(Entry(at: time, text: text))
        if history.count > Self.historyLimit { history.removeFirst(history.count - Self.historyLimit) }
    }

    private static func seconds(_ s: Double) -> String {
        let s = max(0, s)
        return s < 10 ? "\((s * 10).rounded() / 10) s" : "\(Int(s.rounded())) s"
    }

    /// The phase in one word: connecting, open, waiting, failed, closed (or idle).
    public var word: String {
        switch phase {
        case .idle: return "idle"
        case .connecting: return "connecting"
        case .open: return "open"
        case .waiting: return "waiting"
        case .failed: return "failed"
        case .closed: return closedReason.map { "closed: " + $0 } ?? "closed"
        }
    }

    /// A line for the status bar, e.g. `reconnecting in 3.2 s (attempt 4): connection refused`,
    /// or `polling every 1 s` while open on `poll`.
    public func summary(at now: Timestamp) -> String {
        func countdown(_ at: Timestamp) -> String {
            let s = max(0, at - now)
            return s < 10 ? String(Double(Int((s * 10).rounded(.up))) / 10) + " s" : "\(Int(s.rounded(.up))) s"
        }
        let error = lastError.map { ": " + $0.description } ?? ""
        switch phase {
        case .idle: return "not connected"
        case .connecting(let attempt): return attempt > 1 ? "connecting (attempt \(attempt))" : "connecting"
        case .open:
            guard transport == .poll, let every = pollEvery else { return "open" }
            let ms = (every * 1000).rounded()
            return "polling every " + (ms.truncatingRemainder(dividingBy: 1000) == 0 ? "\(Int64(ms / 1000)) s" : "\(ms / 1000) s")
        case .waiting(let attempt, let retryAt): return "reconnecting in \(countdown(retryAt)) (attempt \(attempt))\(error)"
        case .failed(let retryAt?): return "failed, retry in \(countdown(retryAt))\(error)"
        case .failed(nil): return "failed\(error)"
        case .closed: return closedReason.map { "closed: " + $0 } ?? "closed"
        }
    }
}
