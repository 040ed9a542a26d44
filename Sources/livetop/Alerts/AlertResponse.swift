/// What livetop does when an alert is raised or cleared (docs/layouts.md, `alert:`), the same on the
/// dashboard and in JSON lines: the bell and the rule's `command` on a raise, `on_clear` on a
/// clear, and with `--exit-on-alert` the run ends at the first raise. Pure: a change and its rule
/// in, actions out; the viewer rings (the dashboard only: JSON lines have no terminal), runs the
/// commands (`AlertCommand`) and ends the run. Printing the `alert` line is the printer's own.
struct AlertResponse {
    enum Action: Hashable {
        /// `bell: true`: ring the terminal bell.
        case ringBell
        /// Run the rule's `command` (raised) or `on_clear` (cleared) for `change`.
        case run([String], change: AlertChange, timeout: Double)
        /// `--exit-on-alert`: end the run (exit status 3). Once per run.
        case endRun
    }

    let exitOnAlert: Bool
    private(set) var endedRun = false

    init(exitOnAlert: Bool) { self.exitOnAlert = exitOnAlert }

    /// `rule`: the rule of the panel that raised the alert (`Board.rule(for:)`); nil when the
    /// panel is gone, and then only `--exit-on-alert` applies.
    mutating func respond(to change: AlertChange, rule: AlertSpec?) -> [Action] {
        switch change {
        case .cleared:
            guard let rule, !rule.onClear.isEmpty else { return [] }
            return [.run(rule.onClear, change: change, timeout: rule.timeout)]
        case .raised:
            var actions: [Action] = []
            if rule?.bell == true { actions.append(.ringBell) }
            if let rule, !rule.command.isEmpty { actions.append(.run(rule.command, change: change, timeout: rule.timeout)) }
            if exitOnAlert && !endedRun {
                endedRun = true
                actions.append(.endRun)
            }
            return actions
        }
    }
}
