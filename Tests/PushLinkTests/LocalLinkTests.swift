import Foundation
import LinkWire
import LiveModel
import PushLink
import Testing
import TestSupport

/// Sources on this host against real programs: sh, seq, sleep, head; real files renamed and
/// truncated as logrotate does.
@Suite(.timeLimit(.minutes(2)), .startsProcesses) struct LocalLinkTests {
    static func command(_ argv: [String], configure: (inout LocalConfiguration) -> Void = { _ in }) -> LinkRun {
        var c = LocalConfiguration(source: .command(argv))
        c.backoff = Backoff(base: .milliseconds(50), cap: .milliseconds(400), jitter: 0)
        configure(&c)
        return LinkRun(c)
    }

    static func closedReason(_ run: LinkRun) -> String? {
        for state in run.states.reversed() { if case .closed(let reason) = state { return reason ?? "" } }
        return nil
    }

    @Test func aHundredThousandLinesArriveInOrderAndTheExitStatusEndsTheSource() async throws {
        let run = Self.command(["sh", "-c", "seq 1 100000; exit 3"])
        let succeeded = await run.runner.value
        let messages = run.messages
        print("command lines received: \(messages.count) in \(run.batchCount) batches")
        #expect(messages.count == 100_000)
        #expect(messages == (1...100_000).map(String.init))
        #expect(!succeeded, "a command that exits 3 is not a normal end")
        #expect(Self.closedReason(run) == "sh exited with status 3")
        // Open before the first line, never after.
        let states = run.states
        #expect(states.first.map { if case .connecting(.command, _, 1) = $0 { true } else { false } } == true)
        #expect(states.contains { $0.isOpen })
    }

    @Test func stderrLinesBecomeNotesAndAnExitOfZeroIsANormalEnd() async throws {
        let run = Self.command(["sh", "-c", "echo 'disk almost full' >&2; echo '{\"a\":1}'"])
        #expect(await run.runner.value)
        #expect(run.notes == ["disk almost full"])
        #expect(run.messages == [#"{"a":1}"#])
        #expect(Self.closedReason(run) == "sh exited with status 0")
    }

    @Test func aCommandThatIsNotThereFailsOnceWithOneLine() async throws {
        let run = Self.command(["livetop-no-such-command"])
        #expect(await run.runner.value == false)
        #expect(Self.closedReason(run) == "command 'livetop-no-such-command' not found on PATH")
        #expect(run.messages.isEmpty)
    }

    @Test func restartRunsTheCommandAgainOnTheBackoff() async throws {
        let run = Self.command(["sh", "-c", "echo run; exit 1"]) { $0.restart = true }
        try await run.waitForMessages(3)
        #expect(await run.stop())
        let waits = run.states.compactMap(\.waitingError).map(\.description)
        #expect(waits.count >= 2)
        #expect(waits.allSatisfy { $0 == "sh exited with status 1" }, "\(waits)")
    }

    /// sampler's `sample:`: each run's whole output is one message; a run longer than the interval
    /// is never doubled (a lock directory would catch two at once), and the skip is said.
    @Test func aSampledCommandIsNeverRunTwiceAtOnce() async throws {
        let lock = try TestEnvironment.temporaryDirectory().appendingPathComponent("run.lock").path
        let script = "mkdir '\(lock)' 2>/dev/null || echo DOUBLED; printf 'a\\nb\\n'; sleep 0.35; rmdir '\(lock)'"
        let run = Self.command(["sh", "-c", script]) { $0.every = .milliseconds(100) }
        try await run.waitForMessages(3)
        #expect(await run.stop())
        #expect(run.messages.prefix(3).allSatisfy { $0 == "a\nb\n" }, "\(run.messages)")
        #expect(!run.messages.contains { $0.contains("DOUBLED") })
        #expect(run.notes.contains { $0.contains("longer than --every 0.1 s") && $0.contains("skipped (never two runs at once)") },
                "\(run.notes)")
    }

    @Test func aSampledRunPastItsTimeoutIsKilled() async throws {
        let run = Self.command(["sh", "-c", "echo started; sleep 30"]) {
            $0.every = .milliseconds(200)
            $0.runTimeout = .milliseconds(300)
        }
        try await run.waitForStates(20, "the timeout note") { states in
            states.contains { if case .note(_, let text) = $0 { return text.contains("killed after 0.3 s (run timeout)") } else { return false } }
        }
        #expect(await run.stop())
    }

    /// `q` and SIGTERM end what a script started too: its whole process group.
    @Test func stoppingKillsTheCommandsProcessGroup() async throws {
        let run = Self.command(["sh", "-c", "sleep 300 & echo $!; wait"])
        try await run.waitForMessages(1)
        let pid = try #require(pid_t(run.messages[0]))
        #expect(kill(pid, 0) == 0)
        #expect(await run.stop())
        try await eventually(10, "the background sleep \(pid) to be gone") { !Self.isRunning(pid) }
        #expect(Self.closedReason(run) == "")  // stopped by the user: no reason
    }

    /// Alive and not a zombie (a zombie has ended; only its parent has not reaped it yet).
    static func isRunning(_ pid: pid_t) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        return !(stat.split(separator: ")").last?.trimmingCharacters(in: .whitespaces).hasPrefix("Z") ?? true)
    }

    @Test func aLineLongerThanTheLimitIsLeftOutAndCounted() async throws {
        let run = Self.command(["sh", "-c", "head -c 5000 /dev/zero | tr '\\0' x; echo; echo ok"]) { $0.maxMessageBytes = 1000 }
        #expect(await run.runner.value)
        #expect(run.messages == ["ok"])
        #expect(run.notes.contains { $0.contains("1 line longer than 1000 bytes left out (--max-message)") }, "\(run.notes)")
    }

    /// A binary flood with few newlines: memory stays bounded by the limit, nothing crashes,
    /// bytes that are not UTF-8 travel as binary.
    @Test func aBinaryFloodIsBoundedAndNotMangled() async throws {
        let run = Self.command(["head", "-c", "3000000", "/dev/urandom"]) { $0.maxMessageBytes = 64 << 10 }
        #expect(await run.runner.value)
        let lengths = run.events.all.flatMap { e -> [Int] in if case .messages(let b) = e { return b.messages.map(\.length) } else { return [] } }
        #expect(lengths.allSatisfy { $0 <= 64 << 10 })
        #expect(run.messages.contains { $0.hasPrefix("b:") })
        #expect(Self.closedReason(run) == "head exited with status 0")
    }

    @Test func aSilentSourceIsReportedStaleOncePastItsExpect() async throws {
        let run = Self.command(["sh", "-c", "echo 1; sleep 60"]) { $0.expect = .milliseconds(500) }
        try await run.waitForMessages(1)
        try await run.waitForState(30, "stale") { if case .stale = $0 { return true } else { return false } }
        // The silence as the link measured it, on its own clock: past expect, and said once. How
        // soon after expect it is said is StaleRule's (staleIsReportedOncePerSilence, with a moved
        // clock); a wall-clock bound here only measured how loaded the machine was.
        let stale = run.states.compactMap { s -> (Duration, Duration)? in
            if case .stale(_, let silentFor, let expected) = s { return (silentFor, expected) } else { return nil }
        }
        #expect(stale.count == 1)
        #expect(stale.allSatisfy { $0.0 > $0.1 && $0.1 == .milliseconds(500) })
        #expect(await run.stop())
    }

    @Test func aFileIsFollowedThroughRotationAndTruncation() async throws {
        let directory = try TestEnvironment.temporaryDirectory()
        let path = directory.appendingPathComponent("app.log").path
        try "1\n2\n3\n".write(toFile: path, atomically: false, encoding: .utf8)
        var c = LocalConfiguration(source: .file(path))
        c.followInterval = .milliseconds(50)
        let run = LinkRun(c)
        try await run.waitForMessages(3)
        try Self.append("4\n", to: path)
        try await run.waitForMessages(4)
        // logrotate's way: the file is moved aside and a new one created under the name.
        try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
        try Self.append("5\n", to: path + ".1")  // the writer still has the old one open
        try "6\n".write(toFile: path, atomically: false, encoding: .utf8)
        try await run.waitForMessages(6)
        #expect(run.notes.contains { $0.contains("was replaced (rotated)") }, "\(run.notes)")
        // copytruncate's way: cut to nothing, then written again.
        try Self.append("7\n8\n9\n", to: path)
        try await run.waitForMessages(9)
        let truncate = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try truncate.truncate(atOffset: 0)
        try truncate.close()
        try await run.waitForStates(20, "the truncation note") { states in
            states.contains { if case .note(_, let text) = $0 { return text.contains("was truncated") } else { return false } }
        }
        try Self.append("10\n", to: path)
        try await run.waitForMessages(10)
        #expect(await run.stop())
        #expect(run.messages == (1...10).map(String.init))
    }

    @Test func aFileThatIsNotThereIsRetriedUntilItIs() async throws {
        let path = try TestEnvironment.temporaryDirectory().appendingPathComponent("later.log").path
        var c = LocalConfiguration(source: .file(path))
        c.backoff = Backoff(base: .milliseconds(50), cap: .milliseconds(200), jitter: 0)
        let run = LinkRun(c)
        try await run.waitForState(10, "waiting on the missing file") { $0.waitingError?.description.contains("No such file") == true }
        try "hello\n".write(toFile: path, atomically: false, encoding: .utf8)
        try await run.waitForMessages(1)
        #expect(run.messages == ["hello"])
        #expect(await run.stop())
    }

    static func append(_ text: String, to path: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }
}

/// The pure rules under the sources: table-driven, no I/O.
struct LocalRuleTests {
    static let a = FollowRule.Identity(device: 1, inode: 10)
    static let b = FollowRule.Identity(device: 1, inode: 11)

    @Test(arguments: [
        (openSize: 100, offset: 100, path: a as FollowRule.Identity?, FollowRule.Decision.wait),
        (120, 100, a, .read),
        (40, 100, a, .truncated),
        (100, 100, b, .reopen),
        (120, 100, b, .read),  // the old file grew after the rename: read that first
        (100, 100, nil, .wait),  // moved away, not yet created again
    ])
    func followDecisions(openSize: Int, offset: Int, path: FollowRule.Identity?, expected: FollowRule.Decision) {
        #expect(FollowRule().decide(open: Self.a, openSize: Int64(openSize), offset: Int64(offset), path: path) == expected)
    }

    @Test func staleIsReportedOncePerSilence() {
        var rule = StaleRule(expected: .seconds(5))
        #expect(rule.check(lastHeard: .seconds(0), now: .seconds(5)) == nil)
        #expect(rule.check(lastHeard: .seconds(0), now: .seconds(6)) == .seconds(6))
        #expect(rule.check(lastHeard: .seconds(0), now: .seconds(9)) == nil)
        #expect(rule.check(lastHeard: .seconds(10), now: .seconds(12)) == nil)
        #expect(rule.check(lastHeard: .seconds(10), now: .seconds(15.5)) == .seconds(5.5))
    }
}
