import LiveModel

/// One value an alert rule watches, as evaluated now.
struct AlertObservation: Hashable, Sendable {
    /// The source's name.
    var source: String
    /// The panel's title.
    var panel: String
    /// The concrete JSON pointer text, e.g. `/services/api/status`.
    var pointer: String
    var level: Level
    var value: JSONValue
}

/// A rule's level held long enough: what the status line shows and the bell and command announce.
struct Alert: Hashable, Sendable {
    var source: String
    var panel: String
    var pointer: String
    /// The level now (it may have risen since the alert was raised).
    var level: Level
    /// The value now.
    var value: JSONValue
    /// When the level that counts was first reached (the start of the hold).
    var since: Timestamp
    /// When the alert was raised (`since` plus at least the hold).
    var raisedAt: Timestamp
    /// The panel's position in the layout (titles may repeat): what finds its rule.
    var panelIndex = 0
}

/// What `AlertMonitor` reports: the caller rings the bell, runs the command and logs.
enum AlertChange: Hashable, Sendable {
    case raised(Alert)
    /// The alert as it last was, and the value that ended it (`null` when the pointer went away).
    case cleared(Alert, value: JSONValue)
}

extension AlertChange {
    /// The alert raised, or as it last was before it cleared: what finds its rule.
    var alert: Alert {
        switch self {
        case .raised(let alert), .cleared(let alert, _): return alert
        }
    }
}

/// Turns the levels of the values panels show into raised and cleared alerts: a level at or above
/// a panel's `AlertSpec.level` held for `hold` seconds raises one alert per (panel, pointer);
/// dropping below clears it. Pure: time comes in with every input, and a caller sleeping until
/// `nextDeadline` and then calling `tick` gets the hold timer.
struct AlertMonitor {
    private struct Key: Hashable, Comparable {
        var panel: Int
        var pointer: String

        static func < (a: Key, b: Key) -> Bool { (a.panel, a.pointer) < (b.panel, b.pointer) }
    }

    private enum State {
        /// The level counts but has not held long enough; `observation` is the latest.
        case pending(since: Timestamp, observation: AlertObservation)
        case raised(Alert)
    }

    /// Only keys whose level counts now have a state: everything else is ok.
    private var states: [Key: State] = [:]
    /// The rule each panel was last observed with; `tick` holds pending values to it.
    private var rules: [Int: AlertSpec] = [:]

    init() {}

    /// Feeds the current observations of one panel: every value the panel shows that has
    /// thresholds. A pointer of this panel that is no longer observed counts as ok (it clears).
    /// `rule` replaces the panel's previous rule, so a reloaded layout applies from this call on.
    /// Returns the changes, raised before cleared, each group in pointer order.
    mutating func observe(panel: Int, rule: AlertSpec, _ observations: [AlertObservation], at now: Timestamp) -> [AlertChange] {
        rules[panel] = rule
        // A panel may show the same pointer twice (overlapping patterns): the worst level wins.
        var current: [String: AlertObservation] = [:]
        for observation in observations {
            if let seen = current[observation.pointer], seen.level >= observation.level { continue }
            current[observation.pointer] = observation
        }

        var raised: [(Key, Alert)] = []
        var cleared: [(Key, AlertChange)] = []
        let hold = Self.holdNanoseconds(rule.hold)

        for (pointer, observation) in current {
            let key = Key(panel: panel, pointer: pointer)
            let counts = observation.level >= rule.level
            switch (states[key], counts) {
            case (nil, false):
                break
            case (nil, true):
                states[key] = .pending(since: now, observation: observation)
                if let alert = raiseIfHeld(key, hold: hold, at: now) { raised.append((key, alert)) }
            case (.pending(let since, _), true):
                states[key] = .pending(since: since, observation: observation)
                if let alert = raiseIfHeld(key, hold: hold, at: now) { raised.append((key, alert)) }
            case (.pending, false):
                states[key] = nil
            case (.raised(var alert), true):
                alert.level = observation.level
                alert.value = observation.value
                alert.source = observation.source
                alert.panel = observation.panel
                states[key] = .raised(alert)
            case (.raised(let alert), false):
                states[key] = nil
                cleared.append((key, .cleared(alert, value: observation.value)))
            }
        }

        // Pointers this panel no longer shows (a row removed, a reload with other values).
        for (key, state) in states where key.panel == panel && current[key.pointer] == nil {
            states[key] = nil
            if case .raised(let alert) = state { cleared.append((key, .cleared(alert, value: .null))) }
        }

        return raised.sorted { $0.0 < $1.0 }.map { .raised($0.1) } + cleared.sorted { $0.0 < $1.0 }.map(\.1)
    }

    /// Raises every pending value that has now been held long enough with no new observation (the
    /// hold timer), in panel then pointer order.
    mutating func tick(at now: Timestamp) -> [AlertChange] {
        var raised: [(Key, Alert)] = []
        for (key, state) in states {
            guard case .pending = state, let rule = rules[key.panel] else { continue }
            if let alert = raiseIfHeld(key, hold: Self.holdNanoseconds(rule.hold), at: now) { raised.append((key, alert)) }
        }
        return raised.sorted { $0.0 < $1.0 }.map { .raised($0.1) }
    }

    /// Ends every alert of `panel` and forgets its rule: for a panel a reloaded layout removed or
    /// gave no `alert:`. Returns the cleared alerts in pointer order (their value `null`).
    mutating func forget(panel: Int) -> [AlertChange] {
        rules[panel] = nil
        var cleared: [(Key, AlertChange)] = []
        for (key, state) in states where key.panel == panel {
            states[key] = nil
            if case .raised(let alert) = state { cleared.append((key, .cleared(alert, value: .null))) }
        }
        return cleared.sorted { $0.0 < $1.0 }.map(\.1)
    }

    /// The earliest time `tick` could raise something; nil when nothing is pending (or nothing
    /// pending can ever be raised, under an infinite hold). The caller sleeps until then.
    var nextDeadline: Timestamp? {
        var earliest: Timestamp?
        for (key, state) in states {
            guard case .pending(let since, _) = state, let rule = rules[key.panel] else { continue }
            let hold = Self.holdNanoseconds(rule.hold)
            guard hold < .max else { continue }
            let deadline = Timestamp(nanoseconds: Self.adding(since.nanoseconds, hold))
            if earliest.map({ deadline < $0 }) ?? true { earliest = deadline }
        }
        return earliest
    }

    /// The alerts raised now, worst level first, then oldest (earliest `since`) first.
    var active: [Alert] {
        states.compactMap { key, state -> (Key, Alert)? in
            guard case .raised(let alert) = state else { return nil }
            return (key, alert)
        }
        .sorted { a, b in
            if a.1.level != b.1.level { return a.1.level > b.1.level }
            if a.1.since != b.1.since { return a.1.since < b.1.since }
            if a.1.raisedAt != b.1.raisedAt { return a.1.raisedAt < b.1.raisedAt }
            return a.0 < b.0
        }
        .map(\.1)
    }

    /// Turns a pending state into a raised one when it has held `hold` nanoseconds by `now`.
    private mutating func raiseIfHeld(_ key: Key, hold: Int64, at now: Timestamp) -> Alert? {
        guard case .pending(let since, let observation) = states[key] else { return nil }
        let (elapsed, overflow) = now.nanoseconds.subtractingReportingOverflow(since.nanoseconds)
        guard hold < .max, !overflow, elapsed >= hold else { return nil }
        let alert = Alert(source: observation.source, panel: observation.panel, pointer: observation.pointer,
                          level: observation.level, value: observation.value, since: since, raisedAt: now, panelIndex: key.panel)
        states[key] = .raised(alert)
        return alert
    }

    /// The hold in whole nanoseconds, rounded up so that `tick` at `nextDeadline` always raises
    /// (a truncated deadline would wake the caller a nanosecond early, forever). NaN and negative
    /// holds are 0; `Int64.max` stands for a hold that never ends.
    private static func holdNanoseconds(_ seconds: Double) -> Int64 {
        guard !seconds.isNaN, seconds > 0 else { return 0 }
        let ns = (seconds * 1e9).rounded(.up)
        return ns >= 9e18 ? .max : Int64(ns)
    }

    private static func adding(_ a: Int64, _ b: Int64) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? (b > 0 ? .max : .min) : sum
    }
}
