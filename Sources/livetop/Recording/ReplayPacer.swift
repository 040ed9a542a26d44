/// When each recorded event is due in a replay at `speed` times the recorded pace: the first
/// event at once, the others after their recorded distance from it divided by the speed. Speed 0
/// means as fast as possible (everything is due at once). Time going backwards in a recording
/// (two recordings joined) is due at once rather than an error.
struct ReplayPacer {
    let speed: Double
    private var origin: Int64?

    init(speed: Double) { self.speed = speed }

    /// How long after the replay's start the event recorded at `recorded` (ns since the epoch) is due.
    mutating func due(_ recorded: Int64) -> Duration {
        guard speed > 0 else { return .zero }
        let origin = self.origin ?? recorded
        self.origin = origin
        let (distance, overflow) = recorded.subtractingReportingOverflow(origin)
        let scaled = overflow ? 9e18 : Double(max(0, distance)) / speed
        return .nanoseconds(Int64(min(scaled, 9e18)))
    }
}
