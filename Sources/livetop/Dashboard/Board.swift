import LiveModel

/// Everything a viewer shows, as one value: one store per source, the layout (nil: the auto
/// layout of one source), and the alerts. Folded by the one task or thread that owns it;
/// rendering only reads it.
struct Board {
    struct Source {
        var name: String
        var store: LiveStore
    }

    private(set) var sources: [Source]
    private(set) var layout: Layout?
    private(set) var monitor = AlertMonitor()
    /// Moves when an alert is raised or cleared (the screen redraws then too).
    private var alertRevision: UInt64 = 0
    /// What the dashboard itself said (a reload error, a failed alert command), for the event
    /// panel beside the sources' own changes; the last `ConnectionStatus.historyLimit`.
    private(set) var notes: [ConnectionStatus.Entry] = []

    init(layout: Layout?, sources: [(name: String, configuration: LiveStore.Configuration)]) {
        self.layout = layout
        self.sources = sources.map { Source(name: $0.name, store: LiveStore($0.configuration)) }
    }

    /// A board over stores that already hold data (snapshots, tests).
    init(layout: Layout?, stores: [(name: String, store: LiveStore)]) {
        self.layout = layout
        sources = stores.map { Source(name: $0.name, store: $0.store) }
    }

    /// Grows whenever anything visible may have changed.
    var revision: UInt64 { sources.reduce(alertRevision) { $0 &+ $1.store.revision } }

    mutating func note(_ text: String, at time: Timestamp) {
        notes.append(ConnectionStatus.Entry(at: time, text: text))
        if notes.count > ConnectionStatus.historyLimit { notes.removeFirst(notes.count - ConnectionStatus.historyLimit) }
        alertRevision &+= 1
    }

    /// Every source's changes and the dashboard's notes, oldest first, the last 200: what the
    /// event panel (`e`) lists, each whole.
    var events: [(at: Timestamp, source: String?, text: String)] {
        var all: [(at: Timestamp, source: String?, text: String)] = notes.map { ($0.at, nil, $0.text) }
        for source in sources {
            all += source.store.status.history.map { ($0.at, sources.count > 1 ? source.name : nil, $0.text) }
        }
        // Stable: entries of one time keep their order.
        let sorted = all.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
        return Array(sorted.suffix(ConnectionStatus.historyLimit))
    }

    mutating func apply(_ event: LiveEvent, source: Int) {
        guard sources.indices.contains(source) else { return }
        sources[source].store.apply(event)
    }

    /// A layout read again (`L`): panels, thresholds and alerts change; the sources stay as they
    /// are, since their links are running. Alerts of panels that kept their place, title and
    /// alert stay raised (no second bell); the others are cleared.
    mutating func replaceLayout(_ layout: Layout) -> [AlertChange] {
        let old = self.layout?.panels ?? []
        let new = layout.panels
        var changes: [AlertChange] = []
        for index in old.indices {
            let kept = new.indices.contains(index) && new[index].title == old[index].title && new[index].source == old[index].source
                && new[index].alert != nil
            if !kept { changes += monitor.forget(panel: index) }
        }
        self.layout = layout
        alertRevision &+= 1
        return changes
    }

    /// Panels with an alert, observed now (only those of `source` when given: the one whose store
    /// moved); then the hold timers. Returns what was raised or cleared.
    mutating func checkAlerts(at now: Timestamp, source only: Int? = nil) -> [AlertChange] {
        guard let layout else { return [] }
        var changes: [AlertChange] = []
        for (index, panel) in layout.panels.enumerated() {
            guard let rule = panel.alert, sources.indices.contains(panel.source), only == nil || only == panel.source else { continue }
            let source = sources[panel.source]
            let content = PanelContent(panel, store: source.store, histories: false)
            var observations = content.observations(source: source.name, panel: panel.title)
            if let silent = Self.silence(of: source.store, longerThan: rule.stale, at: now) {
                observations.append(AlertObservation(source: source.name, panel: panel.title, pointer: Self.silencePointer,
                                                     level: rule.level, value: .string("silent for \(Format.duration(silent))")))
            }
            changes += monitor.observe(panel: index, rule: rule, observations, at: now)
        }
        changes += monitor.tick(at: now)
        if !changes.isEmpty { alertRevision &+= 1 }
        return changes
    }

    /// What a `stale:` alert names in place of a pointer.
    static let silencePointer = "(silent)"

    /// How long `store`'s source has sent nothing (since its last message, or since its last
    /// change of state when none came), when that is at least `limit` seconds.
    static func silence(of store: LiveStore, longerThan limit: Double?, at now: Timestamp) -> Double? {
        guard let limit, let since = store.stats.lastMessageAt ?? store.status.since else { return nil }
        let silent = now - since
        return silent >= limit ? silent : nil
    }

    /// The alert rule of the panel that raised `alert`.
    func rule(for alert: Alert) -> AlertSpec? {
        guard let panels = layout?.panels, panels.indices.contains(alert.panelIndex) else { return nil }
        return panels[alert.panelIndex].alert
    }

    /// When the next hold timer ends, if one runs.
    var nextAlertDeadline: Timestamp? { monitor.nextDeadline }
}
