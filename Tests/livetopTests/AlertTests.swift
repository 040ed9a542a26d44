import Foundation
import LiveModel
import TestSupport
import Testing

@testable import livetop

// MARK: - AlertMonitor: sequences of inputs compared with the exact changes

private func t(_ seconds: Double) -> Timestamp { Timestamp(seconds: seconds) }

private func obs(_ pointer: String, _ level: Level, _ value: JSONValue, panel: String = "Services", source: String = "feed") -> AlertObservation {
    AlertObservation(source: source, panel: panel, pointer: pointer, level: level, value: value)
}

private func alert(_ pointer: String, _ level: Level, _ value: JSONValue, since: Double, raised: Double,
                   panel: String = "Services", source: String = "feed", index: Int = 0) -> Alert {
    Alert(source: source, panel: panel, pointer: pointer, level: level, value: value, since: t(since), raisedAt: t(raised),
          panelIndex: index)
}

private func rule(_ level: Level = .warn, hold: Double) -> AlertSpec { AlertSpec(level: level, hold: hold) }

/// One input to the monitor at a time, the changes it must return, and what must hold after it.
private struct Step: Sendable {
    enum Input: Sendable {
        case observe(panel: Int, rule: AlertSpec, [AlertObservation])
        case tick
        case forget(panel: Int)
    }

    var at: Double
    var input: Input
    var changes: [AlertChange] = []
    /// When set, `active` must equal this after the step.
    var active: [Alert]?
    /// When set, `nextDeadline` must equal this after the step (`.some(nil)`: nothing pending).
    var deadline: Double??

    static func observe(_ at: Double, panel: Int = 0, _ rule: AlertSpec, _ observations: [AlertObservation],
                        _ changes: [AlertChange] = [], active: [Alert]? = nil, deadline: Double?? = nil) -> Step {
        Step(at: at, input: .observe(panel: panel, rule: rule, observations), changes: changes, active: active, deadline: deadline)
    }

    static func tick(_ at: Double, _ changes: [AlertChange] = [], active: [Alert]? = nil, deadline: Double?? = nil) -> Step {
        Step(at: at, input: .tick, changes: changes, active: active, deadline: deadline)
    }
}

private struct MonitorCase: Sendable, CustomTestStringConvertible {
    var name: String
    var steps: [Step]
    var testDescription: String { name }
}

private let api = "/services/api/latency_ms"
private let db = "/services/db/latency_ms"
private let web = "/services/web/latency_ms"

private let sequences: [MonitorCase] = [
    MonitorCase(name: "raised once the level has held for the hold time", steps: [
        .observe(0, rule(hold: 5), [obs(api, .ok, 90)], deadline: .some(nil)),
        .observe(1, rule(hold: 5), [obs(api, .warn, 250)], deadline: 6),
        .observe(3, rule(hold: 5), [obs(api, .warn, 260)], active: [], deadline: 6),
        .observe(6, rule(hold: 5), [obs(api, .warn, 270)], [.raised(alert(api, .warn, 270, since: 1, raised: 6))],
                 active: [alert(api, .warn, 270, since: 1, raised: 6)], deadline: .some(nil)),
        .observe(7, rule(hold: 5), [obs(api, .warn, 280)], [], active: [alert(api, .warn, 280, since: 1, raised: 6)]),
    ]),
    MonitorCase(name: "a value flapping under the hold time never raises", steps: [
        .observe(0, rule(hold: 5), [obs(api, .warn, 250)], deadline: 5),
        .observe(4, rule(hold: 5), [obs(api, .ok, 90)], deadline: .some(nil)),
        .observe(5, rule(hold: 5), [obs(api, .warn, 300)], deadline: 10),
        .tick(9.9),
        .observe(9.9, rule(hold: 5), [obs(api, .ok, 80)], deadline: .some(nil)),
        .tick(10),
        .observe(11, rule(hold: 5), [obs(api, .crit, 2000)], deadline: 16),
        .observe(15, rule(hold: 5), [], active: [], deadline: .some(nil)),
        .tick(20, active: []),
    ]),
    MonitorCase(name: "dropping below the level clears once", steps: [
        .observe(0, rule(hold: 0), [obs(api, .warn, 250)], [.raised(alert(api, .warn, 250, since: 0, raised: 0))]),
        .observe(1, rule(hold: 0), [obs(api, .ok, 90)], [.cleared(alert(api, .warn, 250, since: 0, raised: 0), value: 90)],
                 active: [], deadline: .some(nil)),
        .observe(2, rule(hold: 0), [obs(api, .ok, 80)], [], active: []),
    ]),
    MonitorCase(name: "hold 0 raises in the same observe call", steps: [
        .observe(0, rule(.crit, hold: 0), [obs(api, .warn, 250)], [], active: [], deadline: .some(nil)),
        .observe(1, rule(.crit, hold: 0), [obs(api, .crit, 1500)], [.raised(alert(api, .crit, 1500, since: 1, raised: 1))],
                 active: [alert(api, .crit, 1500, since: 1, raised: 1)], deadline: .some(nil)),
        .observe(2, rule(.crit, hold: 0), [obs(api, .warn, 300)], [.cleared(alert(api, .crit, 1500, since: 1, raised: 1), value: 300)],
                 active: []),
    ]),
    MonitorCase(name: "a pointer disappearing clears its alert and forgets its pending state", steps: [
        .observe(0, rule(hold: 2), [obs(api, .warn, 250), obs(db, .warn, 300)], deadline: 2),
        .tick(2, [.raised(alert(api, .warn, 250, since: 0, raised: 2)), .raised(alert(db, .warn, 300, since: 0, raised: 2))]),
        .observe(3, rule(hold: 2), [obs(db, .warn, 310), obs(web, .crit, 5000)], [.cleared(alert(api, .warn, 250, since: 0, raised: 2), value: nil)],
                 active: [alert(db, .warn, 310, since: 0, raised: 2)], deadline: 5),
        .observe(4, rule(hold: 2), [obs(db, .warn, 320)], [], active: [alert(db, .warn, 320, since: 0, raised: 2)], deadline: .some(nil)),
        // web comes back: its hold starts again.
        .observe(5, rule(hold: 2), [obs(db, .warn, 320), obs(web, .crit, 5000)], [], deadline: 7),
        .observe(6, rule(hold: 2), [], [.cleared(alert(db, .warn, 320, since: 0, raised: 2), value: nil)], active: [], deadline: .some(nil)),
    ]),
    MonitorCase(name: "escalation updates the active alert without raising again", steps: [
        .observe(0, rule(hold: 1), [obs(api, .warn, 250)]),
        .observe(1, rule(hold: 1), [obs(api, .warn, 260)], [.raised(alert(api, .warn, 260, since: 0, raised: 1))]),
        .observe(2, rule(hold: 1), [obs(api, .crit, 1200)], [], active: [alert(api, .crit, 1200, since: 0, raised: 1)]),
        .observe(3, rule(hold: 1), [obs(api, .warn, 400)], [], active: [alert(api, .warn, 400, since: 0, raised: 1)]),
        .observe(4, rule(hold: 1), [obs(api, .ok, 50)], [.cleared(alert(api, .warn, 400, since: 0, raised: 1), value: 50)], active: []),
    ]),
    MonitorCase(name: "escalating while pending keeps the start of the hold", steps: [
        .observe(0, rule(hold: 3), [obs(api, .warn, 250)], deadline: 3),
        .observe(2, rule(hold: 3), [obs(api, .crit, 1200)], deadline: 3),
        .tick(3, [.raised(alert(api, .crit, 1200, since: 0, raised: 3))], deadline: .some(nil)),
    ]),
    MonitorCase(name: "tick raises with no new observation, at nextDeadline and not before", steps: [
        .observe(10, rule(hold: 0.3), [obs(api, .warn, 250)], deadline: 10.3),
        .tick(10.2999, [], active: [], deadline: 10.3),
        .tick(10.3, [.raised(alert(api, .warn, 250, since: 10, raised: 10.3))],
              active: [alert(api, .warn, 250, since: 10, raised: 10.3)], deadline: .some(nil)),
        .tick(11, []),
    ]),
    MonitorCase(name: "two panels are independent", steps: [
        .observe(0, panel: 0, rule(hold: 2), [obs(api, .warn, 250, panel: "Latency")], deadline: 2),
        .observe(1, panel: 1, rule(.crit, hold: 0), [obs(api, .crit, 1500, panel: "Errors", source: "other")],
                 [.raised(alert(api, .crit, 1500, since: 1, raised: 1, panel: "Errors", source: "other", index: 1))], deadline: 2),
        // Panel 1 no longer showing the pointer does not touch panel 0's pending state.
        .observe(1.5, panel: 1, rule(.crit, hold: 0), [],
                 [.cleared(alert(api, .crit, 1500, since: 1, raised: 1, panel: "Errors", source: "other", index: 1), value: nil)], deadline: 2),
        .tick(2, [.raised(alert(api, .warn, 250, since: 0, raised: 2, panel: "Latency"))]),
        .observe(3, panel: 1, rule(.crit, hold: 0), [obs(api, .warn, 300, panel: "Errors", source: "other")], [],
                 active: [alert(api, .warn, 250, since: 0, raised: 2, panel: "Latency")]),
    ]),
    MonitorCase(name: "active: worst level first, then oldest first", steps: [
        .observe(0, panel: 0, rule(hold: 0), [obs(db, .warn, 300)], [.raised(alert(db, .warn, 300, since: 0, raised: 0))]),
        .observe(1, panel: 1, rule(hold: 0), [obs(web, .crit, 5000, panel: "B")], [.raised(alert(web, .crit, 5000, since: 1, raised: 1, panel: "B", index: 1))]),
        .observe(2, panel: 0, rule(hold: 0), [obs(db, .warn, 300), obs(api, .crit, 2000)], [.raised(alert(api, .crit, 2000, since: 2, raised: 2))],
                 active: [
                     alert(web, .crit, 5000, since: 1, raised: 1, panel: "B", index: 1),
                     alert(api, .crit, 2000, since: 2, raised: 2),
                     alert(db, .warn, 300, since: 0, raised: 0),
                 ]),
    ]),
    MonitorCase(name: "several raised at once come in pointer order, raised before cleared", steps: [
        .observe(0, rule(hold: 0), [obs(web, .warn, 1)], [.raised(alert(web, .warn, 1, since: 0, raised: 0))]),
        .observe(1, rule(hold: 0), [obs(web, .ok, 0), obs(db, .warn, 2), obs(api, .crit, 3)], [
            .raised(alert(api, .crit, 3, since: 1, raised: 1)),
            .raised(alert(db, .warn, 2, since: 1, raised: 1)),
            .cleared(alert(web, .warn, 1, since: 0, raised: 0), value: 0),
        ]),
    ]),
    MonitorCase(name: "a reload changing the rule applies from the next call", steps: [
        .observe(0, rule(hold: 10), [obs(api, .warn, 250), obs(db, .crit, 2000)], deadline: 10),
        // A shorter hold: what has already held long enough is raised now.
        .observe(3, rule(hold: 2), [obs(api, .warn, 250), obs(db, .crit, 2000)], [
            .raised(alert(api, .warn, 250, since: 0, raised: 3)),
            .raised(alert(db, .crit, 2000, since: 0, raised: 3)),
        ]),
        // Only crit counts now: the warn alert clears, the crit one stays.
        .observe(4, rule(.crit, hold: 2), [obs(api, .warn, 250), obs(db, .crit, 2000)],
                 [.cleared(alert(api, .warn, 250, since: 0, raised: 3), value: 250)],
                 active: [alert(db, .crit, 2000, since: 0, raised: 3)]),
        Step(at: 5, input: .forget(panel: 0), changes: [.cleared(alert(db, .crit, 2000, since: 0, raised: 3), value: nil)],
             active: [], deadline: .some(nil)),
        .tick(100, []),
    ]),
    MonitorCase(name: "the same pointer twice in a panel counts at its worst level", steps: [
        .observe(0, rule(.crit, hold: 0), [obs(api, .crit, 1500), obs(api, .ok, 1500)], [.raised(alert(api, .crit, 1500, since: 0, raised: 0))]),
        .observe(1, rule(.crit, hold: 0), [obs(api, .ok, 10), obs(api, .crit, 1600)], [], active: [alert(api, .crit, 1600, since: 0, raised: 0)]),
    ]),
    MonitorCase(name: "bad holds and clocks going backwards do not crash", steps: [
        .observe(5, rule(hold: -3), [obs(api, .warn, 1)], [.raised(alert(api, .warn, 1, since: 5, raised: 5))]),
        .observe(5, panel: 1, rule(hold: .nan), [obs(db, .warn, 2)], [.raised(alert(db, .warn, 2, since: 5, raised: 5, index: 1))]),
        .observe(5, panel: 2, rule(hold: .infinity), [obs(web, .warn, 3)], deadline: .some(nil)),
        .tick(1e9, []),
        .observe(10, panel: 3, rule(hold: 1), [obs(web, .warn, 3)], deadline: 11),
        .tick(2, [], deadline: 11),
        .observe(1, panel: 3, rule(hold: 1), [obs(web, .warn, 3)], [], deadline: 11),
        .tick(11, [.raised(alert(web, .warn, 3, since: 10, raised: 11, index: 3))]),
    ]),
]

@Test(arguments: sequences)
private func monitorSequence(_ sequence: MonitorCase) {
    var monitor = AlertMonitor()
    for (n, step) in sequence.steps.enumerated() {
        let now = t(step.at)
        let changes: [AlertChange]
        switch step.input {
        case .observe(let panel, let rule, let observations): changes = monitor.observe(panel: panel, rule: rule, observations, at: now)
        case .tick: changes = monitor.tick(at: now)
        case .forget(let panel): changes = monitor.forget(panel: panel)
        }
        #expect(changes == step.changes, "step \(n) at \(step.at)")
        if let active = step.active { #expect(monitor.active == active, "active after step \(n)") }
        if let deadline = step.deadline { #expect(monitor.nextDeadline == deadline.map(t), "nextDeadline after step \(n)") }
    }
}

// MARK: - AlertCommand: real processes, waited for with a deadline
//
// These tests run `.offPool` too: their waits are judged by the clock, and on the cooperative
// pool a test of theirs goes on only when one of its two threads is free. With both cores busy,
// tests that compute held both for up to a minute (docs/testing.md), and these waits expired
// with the command long done (the `sleep` of commandHasDevNullStdio… killed by its own 20 s
// timeout, never seen by the check that polls for it).

private let sampleAlert = Alert(source: "prod", panel: "API latency", pointer: "/services/api/latency_ms", level: .crit,
                                value: ["ms": 1234, "note": "slow \"x\""], since: t(100), raisedAt: t(105))

/// Runs the command and waits for its completion (at most `seconds`). 30 s, as the suite's other
/// waits for a process: in full runs on this 2-core machine, every test starting at once (about
/// a hundred servers and livetop processes) held up the completions of these commands, queued
/// on `DispatchQueue.global()`, for about 12 s, so that 10 s expired every time; alone they take
/// milliseconds.
private func runCommand(_ argv: [String], timeout: Double = 10, within seconds: Double = 30) async throws -> String? {
    try await withDeadline(seconds, "alert command \(argv)") {
        await withCheckedContinuation { (c: CheckedContinuation<String?, Never>) in
            AlertCommand.run(argv, alert: sampleAlert, timeout: timeout) { c.resume(returning: $0) }
        }
    }
}

@Test(.startsProcesses, .offPool) func commandSeesTheAlertInItsEnvironment() async throws {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("livetop-alert-env-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    defer { try? FileManager.default.removeItem(at: file) }
    let reason = try await runCommand(["/bin/sh", "-c", "env > \"$0\"", file.path])
    #expect(reason == nil)
    let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n").map(String.init)
    for expected in [
        "LIVETOP_ALERT_LEVEL=crit",
        #"LIVETOP_ALERT_VALUE={"ms":1234,"note":"slow \"x\""}"#,
        "LIVETOP_ALERT_POINTER=/services/api/latency_ms",
        "LIVETOP_ALERT_SOURCE=prod",
        "LIVETOP_ALERT_PANEL=API latency",
        "LIVETOP_ALERT_STATE=raised",
    ] {
        #expect(lines.contains(expected), "\(expected) in \(lines.filter { $0.hasPrefix("LIVETOP_") })")
    }
    // The rest of livetop's environment is passed on (PATH, for commands the script runs).
    #expect(lines.contains { $0.hasPrefix("PATH=") })
}

/// `on_clear` runs as `command` does, saying the alert cleared and with the value that ended it.
@Test(.startsProcesses, .offPool) func onClearSeesTheClearInItsEnvironment() async throws {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("livetop-alert-clear-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    defer { try? FileManager.default.removeItem(at: file) }
    let reason = try await withDeadline(30, "on_clear command") {
        await withCheckedContinuation { (c: CheckedContinuation<String?, Never>) in
            AlertCommand.run(["/bin/sh", "-c", "env > \"$0\"", file.path], change: .cleared(sampleAlert, value: 20), timeout: 10) {
                c.resume(returning: $0)
            }
        }
    }
    #expect(reason == nil)
    let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n").map(String.init)
    for expected in ["LIVETOP_ALERT_STATE=cleared", "LIVETOP_ALERT_VALUE=20", "LIVETOP_ALERT_POINTER=/services/api/latency_ms", "LIVETOP_ALERT_LEVEL=crit"] {
        #expect(lines.contains(expected), "\(expected) in \(lines.filter { $0.hasPrefix("LIVETOP_") })")
    }
}

@Test(.startsProcesses, .offPool) func commandHasDevNullStdioAndNoInheritedDescriptors() async throws {
    // The shell writes its pid, then becomes `sleep`, whose descriptors the test reads in /proc
    // before ending it.
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("livetop-alert-fds-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    defer { try? FileManager.default.removeItem(at: file) }
    let done = Recorder<String?>()
    AlertCommand.run(["/bin/sh", "-c", "echo $$ > \"$0\"; exec sleep 30", file.path], alert: sampleAlert, timeout: 20) { done.append($0) }
    try await eventually(10, "the command to become sleep") {
        guard let pid = try? String(contentsOf: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) else { return false }
        return (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) == "sleep\n"
    }
    let pid = try #require(Int32(String(contentsOf: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
    let fds = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").compactMap { Int($0) }.sorted()
    let targets = try fds.map { try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\($0)") }
    kill(pid, SIGTERM)
    try await done.wait(10, for: "the command's completion") { !$0.isEmpty }
    #expect(fds == [0, 1, 2])
    #expect(targets == ["/dev/null", "/dev/null", "/dev/null"])
    #expect(done.all == ["alert command '/bin/sh' ended by signal 15"])
}

private struct Failure: Sendable, CustomTestStringConvertible {
    var argv: [String]
    var timeout: Double = 10
    var reason: String
    var testDescription: String { argv.isEmpty ? "(no argv)" : argv.map { $0.isEmpty ? "''" : $0 }.joined(separator: " ") }
}

@Test(.startsProcesses, .offPool, arguments: [
    Failure(argv: ["false"], reason: "alert command 'false' exited with status 1"),
    Failure(argv: ["/bin/sh", "-c", "exit 2"], reason: "alert command '/bin/sh' exited with status 2"),
    Failure(argv: ["livetop-no-such-program-here"], reason: "alert command 'livetop-no-such-program-here' could not start: No such file or directory"),
    Failure(argv: ["/nonexistent/notify"], reason: "alert command '/nonexistent/notify' could not start: No such file or directory"),
    Failure(argv: ["/bin/sh", "-c", "kill -TERM $$"], reason: "alert command '/bin/sh' ended by signal 15"),
    Failure(argv: [], reason: "alert command is empty"),
    Failure(argv: [""], reason: "alert command is empty"),
])
private func commandFailureReason(_ failure: Failure) async throws {
    #expect(try await runCommand(failure.argv, timeout: failure.timeout) == failure.reason)
}

@Test(.startsProcesses, .offPool) func commandKilledAfterTimeout() async throws {
    let start = Date()
    let reason = try await runCommand(["sleep", "30"], timeout: 0.3, within: 25)
    #expect(reason == "alert command 'sleep' was killed after 0.3 s (timeout)")
    // The sleep lasts 30 s: ending well before that shows it was killed, however slow the
    // machine (under ThreadSanitizer and load, spawning and reaping took up to 20 s here).
    #expect(Date().timeIntervalSince(start) < 28)
}

@Test(.startsProcesses, .offPool) func timeoutKillsWhatTheCommandStarted() async throws {
    // The command runs in its own process group and the timeout kills the group: a script's own
    // children do not outlive it.
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("livetop-alert-pid-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    defer { try? FileManager.default.removeItem(at: file) }
    let reason = try await runCommand(["/bin/sh", "-c", "sleep 30 & echo $! > \"$0\"; wait", file.path], timeout: 0.5, within: 25)
    #expect(reason == "alert command '/bin/sh' was killed after 0.5 s (timeout)")
    let text = try String(contentsOf: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    let pid = try #require(Int32(text))
    // Gone, or a zombie waiting for its new parent to reap it.
    try await eventually(5, "sleep \(pid) to be killed") {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
        return stat.split(separator: ")").last?.split(separator: " ").first == "Z"
    }
}
