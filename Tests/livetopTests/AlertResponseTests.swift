import LiveModel
import Testing
@testable import livetop

/// What the dashboard and the JSON-lines printer do for a raised or cleared alert, as data.
@Suite struct AlertResponseTests {
    static let alert = Alert(source: "host", panel: "load", pointer: "/load", level: .crit, value: .double(9.5),
                             since: Timestamp(seconds: 10), raisedAt: Timestamp(seconds: 15))
    static let raised = AlertChange.raised(alert)
    static let cleared = AlertChange.cleared(alert, value: .double(0.5))

    static func rule(bell: Bool = false, command: [String] = [], onClear: [String] = []) -> AlertSpec {
        var rule = AlertSpec()
        rule.bell = bell
        rule.command = command
        rule.onClear = onClear
        rule.timeout = 4
        return rule
    }

    @Test func aRaiseRingsAndRunsTheCommandAndAClearRunsOnClear() {
        var response = AlertResponse(exitOnAlert: false)
        let rule = Self.rule(bell: true, command: ["notify", "raised"], onClear: ["notify", "cleared"])
        #expect(response.respond(to: Self.raised, rule: rule) == [.ringBell, .run(["notify", "raised"], change: Self.raised, timeout: 4)])
        #expect(response.respond(to: Self.cleared, rule: rule) == [.run(["notify", "cleared"], change: Self.cleared, timeout: 4)])
        #expect(!response.endedRun)
    }

    @Test func nothingIsDoneThatTheRuleDoesNotAsk() {
        var response = AlertResponse(exitOnAlert: false)
        #expect(response.respond(to: Self.raised, rule: Self.rule()) == [])
        #expect(response.respond(to: Self.cleared, rule: Self.rule(bell: true, command: ["notify"])) == [])
        #expect(response.respond(to: Self.raised, rule: nil) == [])
    }

    /// `--exit-on-alert`: the first raise ends the run, after its bell and command; only once, and
    /// a clear never does, even for a panel whose rule is gone.
    @Test func exitOnAlertEndsTheRunAtTheFirstRaiseOnly() {
        var response = AlertResponse(exitOnAlert: true)
        #expect(response.respond(to: Self.cleared, rule: Self.rule()) == [])
        #expect(!response.endedRun)
        #expect(response.respond(to: Self.raised, rule: Self.rule(bell: true)) == [.ringBell, .endRun])
        #expect(response.endedRun)
        #expect(response.respond(to: Self.raised, rule: Self.rule(bell: true)) == [.ringBell])
        var orphan = AlertResponse(exitOnAlert: true)
        #expect(orphan.respond(to: Self.raised, rule: nil) == [.endRun])
    }
}
