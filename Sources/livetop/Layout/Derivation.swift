import LiveModel

/// How a number is shown: as it is, as its per-second rate of change, or as its change since the
/// sample before. Counters such as `node_cpu_seconds_total` or `rx_bytes` only say something as
/// rates. Both are computed from the store's history of the value (its samples and their times),
/// so they need two samples; a value that is not a number has no history and is shown as it is.
enum Derivation: String, Hashable, Sendable, CustomStringConvertible {
    case value
    /// Δvalue / Δt between consecutive samples. Samples that arrived at the same time (one read
    /// burst) count as one, the last. A pair in which the value went down gives no sample: a
    /// counter that was reset (a restarted process), read as Prometheus' `rate` reads it, never
    /// as a negative rate.
    case rate
    /// The difference between consecutive samples, signed: made for gauges (a queue that shrinks
    /// has a negative delta); a counter reset shows as a drop, use `rate` for counters.
    case delta

    var description: String { rawValue }

    /// The derived samples of `history`, one per consecutive pair, at the later sample's time.
    func apply(to history: History) -> History {
        switch self {
        case .value:
            return history
        case .rate:
            var values: [Double] = [], times: [Timestamp] = []
            var previous: (value: Double, time: Timestamp)?
            for (value, time) in Self.lastAtEachTime(history) {
                defer { previous = (value, time) }
                guard let (before, then) = previous, value >= before else { continue }
                // Times from a recording may be anything: no Timestamp arithmetic that can trap.
                let seconds = (Double(time.nanoseconds) - Double(then.nanoseconds)) / 1e9
                let rate = (value - before) / seconds
                guard seconds > 0, rate.isFinite else { continue }
                values.append(rate)
                times.append(time)
            }
            return History(values: values, times: times)
        case .delta:
            var values: [Double] = [], times: [Timestamp] = []
            for i in history.values.indices.dropFirst() {
                let change = history.values[i] - history.values[i - 1]
                guard change.isFinite else { continue }
                values.append(change)
                times.append(history.times[i])
            }
            return History(values: values, times: times)
        }
    }

    /// The value to show now from `derived` (what `apply(to: history)` gave): its sample for
    /// the newest sample of `history`, nil when the newest pair gave none (a counter reset, a
    /// first sample), so a stale rate is never shown as the current one.
    func current(_ derived: History, of history: History) -> Double? {
        guard let time = derived.times.last, time == history.times.last else { return nil }
        return derived.values.last
    }

    /// The samples of `history` with those that share a time folded into the last of them.
    static func lastAtEachTime(_ history: History) -> [(value: Double, time: Timestamp)] {
        var out: [(value: Double, time: Timestamp)] = []
        out.reserveCapacity(history.values.count)
        for (value, time) in zip(history.values, history.times) {
            if let last = out.last, last.time == time {
                out[out.count - 1].value = value
            } else {
                out.append((value, time))
            }
        }
        return out
    }
}
