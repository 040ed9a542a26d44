/// `--rate-limit`: at most `rate` lines a second on average, and no burst above `burst` lines, so a
/// pipe that delivers a backlog at once is spread out rather than sent in one rush. Time comes in
/// as seconds on a monotonic clock, so tests move it by hand.
struct TokenBucket {
    let rate: Double
    let burst: Double
    private var tokens: Double
    private var last: Double?

    /// `burst` defaults to a tenth of a second's worth of lines (at least one), so lines go out
    /// evenly rather than a second's worth at the start of each second.
    init(rate: Double, burst: Double? = nil) {
        self.rate = rate
        self.burst = max(1, burst ?? rate / 10)
        tokens = self.burst
    }

    /// How many of `wanted` lines may go at `now`; when none may, how long until one may.
    mutating func take(_ wanted: Int, now: Double) -> (granted: Int, wait: Double) {
        if let last { tokens = min(burst, tokens + max(0, now - last) * rate) }
        last = now
        // A token that refilled to 0.999999… (rounding) counts as whole: a wait of 1e-15 s would
        // not move a clock.
        let granted = min(wanted, Int((tokens + 1e-9).rounded(.down)))
        if granted > 0 {
            tokens -= Double(granted)
            return (granted, 0)
        }
        return (0, wanted > 0 ? max(1 - tokens, 0) / rate : 0)
    }
}
