/// When to draw: at most `fps` frames a second, only when the model or the view changed, plus once
/// a second for clocks and countdowns; and how long the UI thread may sleep. Pure: the loop
/// passes the time in (monotonic seconds), so tests move it.
struct FrameScheduler {
    let interval: Double
    private var lastFrame = -Double.infinity
    private var drawnSecond = -1

    init(fps: Int) { interval = 1 / Double(max(1, fps)) }

    /// True when a frame should be drawn now. `modelChanged`: the model moved since the last
    /// frame; `mustDraw`: the view changed or the screen was resized (drawn at once).
    func isDue(at now: Double, modelChanged: Bool, mustDraw: Bool) -> Bool {
        if mustDraw { return true }
        guard now >= lastFrame + interval else { return false }
        return modelChanged || Int(now) != drawnSecond
    }

    mutating func drew(at now: Double) {
        lastFrame = now
        drawnSecond = Int(now)
    }

    /// Milliseconds to sleep: until the frame a changed model waits for, else until the next whole
    /// second, or sooner when `deadline` (an alert's hold timer) comes first.
    func sleep(at now: Double, modelChanged: Bool, deadline: Double? = nil) -> Int32 {
        let nextSecond = Double(Int(now) + 1)
        var until = modelChanged ? min(max(lastFrame + interval, now), nextSecond) : nextSecond
        if let deadline { until = min(until, max(now, deadline)) }
        return Int32(((until - now) * 1000).rounded(.up)) + 1
    }
}
