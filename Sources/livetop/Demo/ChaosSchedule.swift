/// What `livetop demo --chaos` does to its own server, and when: now and then it drops every
/// connection (a restart), refuses WebSocket upgrades for a while (so the client falls back to
/// SSE or long-poll and later moves back up), or stalls the feed (the age of the last message
/// grows). Pure: the demo sleeps for `wait` and then performs `action`.
struct ChaosSchedule {
    enum Action: Equatable {
        case dropConnections
        case refuseUpgrades(for: Duration)
        case stall(for: Duration)
    }

    /// The mean time between actions.
    let interval: Duration
    private var rng: SplitMix64

    init(seed: UInt64, interval: Duration) {
        self.interval = interval
        rng = SplitMix64(seed: seed)
    }

    /// The time to wait (half to one and a half intervals) and the action after it.
    mutating func next() -> (wait: Duration, action: Action) {
        let wait = interval * Double.random(in: 0.5...1.5, using: &rng)
        let roll = Double.random(in: 0..<1, using: &rng)
        let action: Action
        if roll < 0.4 {
            action = .dropConnections
        } else if roll < 0.7 {
            action = .refuseUpgrades(for: interval * Double.random(in: 1...2, using: &rng))
        } else {
            action = .stall(for: interval * Double.random(in: 0.3...0.7, using: &rng))
        }
        return (wait, action)
    }
}
