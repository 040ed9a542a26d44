import LiveModel
/// When to connect, wait or give up. Pure: time and randomness come in as inputs, actions go out,
/// and the caller does the I/O (swift-nio's state-machine style).
public struct ConnectionStateMachine: Sendable {
    public struct Configuration: Hashable, Sendable {
        public var backoff = Backoff()
        /// End the run when a connection ends (or cannot be made) instead of reconnecting.
        public var exitOnClose = false
        public init(backoff: Backoff = Backoff(), exitOnClose: Bool = false) {
            self.backoff = backoff
            self.exitOnClose = exitOnClose
        }
    }

    public enum Action: Hashable, Sendable {
        /// Start connection attempt number `attempt`.
        case connect(attempt: Int)
        /// Report `waiting` and start attempt `attempt` after `delay`.
        case wait(attempt: Int, delay: Duration, error: LinkError)
        /// Report `failed` and start attempt `attempt` after `delay` (the longest backoff).
        case fail(attempt: Int, delay: Duration, error: LinkError)
        /// Report `failed` without a retry and end the run (exit status 1): `error` is permanent.
        case giveUp(error: LinkError)
        /// End the run; `success` picks exit status 0 or 1.
        case finish(success: Bool, error: LinkError?)
        case none
    }

    private enum State: Hashable, Sendable {
        case idle
        case connecting(attempt: Int)
        case open(attempt: Int, since: Duration)
        case waiting(attempt: Int)
        case finished
    }

    public let configuration: Configuration
    private var state = State.idle
    /// When the link was last known good: the first failure after a connection that stayed open
    /// (or after the start). The backoff grows with the time since; nil while nothing has failed.
    private var disconnectedSince: Duration?

    public init(_ configuration: Configuration = Configuration()) { self.configuration = configuration }

    public var isFinished: Bool { state == .finished }

    public mutating func start() -> Action {
        guard state == .idle else { return .none }
        state = .connecting(attempt: 1)
        return .connect(attempt: 1)
    }

    /// The connection is open (upgrade done) at monotonic time `now`.
    public mutating func opened(at now: Duration) -> Action {
        guard case .connecting(let attempt) = state else { return .none }
        state = .open(attempt: attempt, since: now)
        return .none
    }

    /// An attempt or an open connection ended with `error` at `now`; `random` is in [0, 1). The
    /// wait is the backoff's, or the error's `retryAfter` when that is longer.
    public mutating func ended(_ error: LinkError, at now: Duration, random: Double) -> Action {
        let attempt: Int
        switch state {
        case .connecting(let a):
            attempt = a
        case .open(let a, let since):
            // A connection that stayed up long enough starts the backoff over; a shorter one (a
            // server that accepts, then drops) leaves the disconnection, and its growth, going on.
            if now - since >= configuration.backoff.resetAfter {
                attempt = 0
                disconnectedSince = nil
            } else {
                attempt = a
            }
        case .idle, .waiting, .finished:
            return .none
        }
        let since = disconnectedSince ?? now
        disconnectedSince = since
        if error.isPermanent {
            state = .finished
            return .giveUp(error: error)
        }
        if configuration.exitOnClose {
            state = .finished
            return .finish(success: error.severity == .normal, error: error.severity == .normal ? nil : error)
        }
        let next = attempt + 1
        state = .waiting(attempt: next)
        switch error.severity {
        case .fatal:
            return .fail(attempt: next, delay: configuration.backoff.cap, error: error)
        case .normal, .transient:
            // A server that said when to come back (`Retry-After`) is not asked sooner.
            let backoff = configuration.backoff.delay(disconnectedFor: now - since, random: random)
            return .wait(attempt: next, delay: max(backoff, error.retryAfter ?? .zero), error: error)
        }
    }

    /// The wait is over (or the user asked to reconnect now).
    public mutating func retry() -> Action {
        guard case .waiting(let attempt) = state else { return .none }
        state = .connecting(attempt: attempt)
        return .connect(attempt: attempt)
    }

    /// The link moved to another transport: connect with it at once, as a first attempt.
    public mutating func switchedTransport() -> Action {
        switch state {
        case .connecting, .open:
            state = .connecting(attempt: 1)
            return .connect(attempt: 1)
        case .idle, .waiting, .finished:
            return .none
        }
    }

    /// The user quit, or the run has what it wanted (`--max-messages`).
    public mutating func stop() -> Action {
        guard state != .finished else { return .none }
        state = .finished
        return .finish(success: true, error: nil)
    }
}
