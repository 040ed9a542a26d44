/// Exponential backoff with full jitter: the n-th retry waits a random time up to
/// `min(cap, base × 2^(n-1))`. With `jitter` 0 the wait is exactly that bound (for tests).
public struct Backoff: Hashable, Sendable {
    public var base: Duration = .milliseconds(500)
    public var cap: Duration = .seconds(30)
    /// 1 is full jitter (anywhere from 0 to the bound), 0 is none.
    public var jitter: Double = 1
    /// A connection that stayed open this long resets the attempt count.
    public var resetAfter: Duration = .seconds(10)

    public init(base: Duration = .milliseconds(500), cap: Duration = .seconds(30), jitter: Double = 1,
                resetAfter: Duration = .seconds(10)) {
        self.base = base
        self.cap = cap
        self.jitter = jitter
        self.resetAfter = resetAfter
    }

    /// The bound for retry number `retry` (1 for the first retry).
    public func bound(forRetry retry: Int) -> Duration {
        let exponent = min(max(retry - 1, 0), 30)
        let seconds = min(base.seconds * Double(1 << exponent), cap.seconds)
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    /// The wait before retry number `retry`, given a random fraction in [0, 1).
    public func delay(forRetry retry: Int, random: Double) -> Duration {
        let bound = bound(forRetry: retry).seconds
        return .milliseconds(Int64((bound * (1 - jitter * random) * 1000).rounded()))
    }
}

extension Duration {
    /// The duration in seconds, as a Double.
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
