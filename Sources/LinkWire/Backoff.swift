import LiveModel
/// How long to wait before the next connection attempt, with full jitter: a random wait up to a
/// bound that grows with the time spent disconnected, `min(cap, base + growth × disconnected)`.
///
/// The bound follows time, not the number of attempts: a server that refuses at once can be
/// asked many times in a few seconds, and counting those attempts would push the wait to the cap
/// while the server is only restarting. With the defaults a restart of d seconds is followed
/// after about (0.5 + 0.3 d)/3 s on average (the mean remaining wait of full jitter is a third of
/// the bound), well under a second for restarts up to 5 s, plus the connection's own setup; full
/// jitter keeps a herd of clients spread, and the cap is reached after 15 s disconnected.
public struct Backoff: Hashable, Sendable {
    /// The bound when the connection has just been lost (`--retry-min`).
    public var base: Duration = .milliseconds(500)
    /// The largest bound, reached after (cap - base) / growth of disconnection (`--retry-max`).
    public var cap: Duration = .seconds(5)
    /// Seconds of bound added per second disconnected.
    public var growth: Double = 0.3
    /// 1 is full jitter (anywhere from 0 to the bound), 0 is none.
    public var jitter: Double = 1
    /// A connection that stayed open this long ends the disconnection: the bound starts over.
    public var resetAfter: Duration = .seconds(10)

    public init(base: Duration = .milliseconds(500), cap: Duration = .seconds(5), growth: Double = 0.3, jitter: Double = 1,
                resetAfter: Duration = .seconds(10)) {
        self.base = base
        self.cap = max(cap, base)
        self.growth = growth
        self.jitter = jitter
        self.resetAfter = resetAfter
    }

    /// The bound after being disconnected for `disconnected`.
    public func bound(disconnectedFor disconnected: Duration) -> Duration {
        let seconds = min(base.seconds + growth * max(disconnected.seconds, 0), cap.seconds)
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    /// The wait after being disconnected for `disconnected`, given a random fraction in [0, 1).
    public func delay(disconnectedFor disconnected: Duration, random: Double) -> Duration {
        let bound = bound(disconnectedFor: disconnected).seconds
        return .milliseconds(Int64((bound * (1 - jitter * random) * 1000).rounded()))
    }
}
