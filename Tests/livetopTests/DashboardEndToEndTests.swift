import FeedServe
import Foundation
import PushLink
import Testing
import TestSupport

/// A tmux session on a private socket, stopped when the test ends: `kill-server`, then by the
/// server's PID if it is still there.
final class Tmux: @unchecked Sendable {
    let socket = "livetop-test-\(UUID().uuidString.prefix(8))"
    let tmux: String
    private let lock = NSLock()
    private var serverPID: pid_t?

    init() throws {
        guard let tmux = TestEnvironment.which("tmux") else {
            throw TimedOut(what: "tmux (missing: apt-get install tmux; Scripts/test.sh installs it)")
        }
        self.tmux = tmux
    }

    /// Runs a tmux command with posix_spawn and waitpid (the server that `new-session` starts
    /// outlives its client and keeps inherited pipes open); output goes through a file.
    @discardableResult
    func run(_ arguments: [String]) async throws -> String {
        let result = try await spawn(arguments)
        if arguments.first == "new-session", lock.withLock({ serverPID == nil }) {
            let pid = try await spawn(["display-message", "-p", "#{pid}"]).trimmingCharacters(in: .whitespacesAndNewlines)
            lock.withLock { serverPID = pid_t(pid) }
        }
        return result
    }

    private func spawn(_ arguments: [String]) async throws -> String {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("tmux-\(UUID().uuidString)").path
        defer { unlink(output) }
        // The tmux server lives on: it must inherit none of the test's sockets, and start with no
        // signal blocked (kill-server, SIGWINCH and SIGTERM must reach it, its shells and livetop).
        let pid = try TestEnvironment.spawn([tmux, "-L", socket] + arguments, stdout: output)
        _ = await TestEnvironment.waitForExit(pid)
        return (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
    }

    func screen() async throws -> String { try await run(["capture-pane", "-p", "-t", "main"]) }

    /// Ends the tmux server (idempotent). Returns at once: SIGTERM to the server by its PID now
    /// (tmux ends its sessions, and the programs in their panes get SIGHUP), then `kill-server`
    /// and SIGKILL off the cooperative pool (see `TestEnvironment.waitForExit`). The signal is
    /// sent here, not only off the pool, because a filtered `swift test` may exit right after
    /// the test, before that work runs: tmux servers with a livetop in them were left running.
    func stop() {
        let (tmux, socket) = (self.tmux, self.socket)
        let server = lock.withLock { () -> pid_t? in
            defer { serverPID = nil }
            return serverPID
        }
        if let server { kill(server, SIGTERM) }
        TestEnvironment.offPool {
            if let pid = try? TestEnvironment.spawn([tmux, "-L", socket, "kill-server"]) {
                var status: Int32 = 0
                waitpid(pid, &status, 0)
            }
            if let server, kill(server, 0) == 0 { kill(server, SIGKILL) }
        }
    }

    deinit { stop() }
}

@Suite(.timeLimit(.minutes(2)), .startsProcesses) struct DashboardEndToEndTests {
    @Test func showsTheFeedSurvivesTheServerAndTinyWindowsAndQuitsOnQ() async throws {
        let buffer = FeedBuffer()
        buffer.publish(text: #"{"cpu":0.42,"host":"alpha","mem":{"used":512,"total":2048}}"#)
        let first = FeedServer(buffer: buffer)
        let port = try await first.start()
        let dir = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let exitFile = dir.appendingPathComponent("exit").path
        let tmux = try Tmux()
        defer { tmux.stop() }
        let command = "TERM=screen LANG=C.UTF-8 '\(HeadlessEndToEndTests.binary)' --transport websocket ws://127.0.0.1:\(port)/; "
            + "echo $? > '\(exitFile)'; sleep 60"
        try await tmux.run(["new-session", "-d", "-s", "main", "-x", "100", "-y", "30", command])

        try await eventually(20, "the values on screen") {
            let s = try await tmux.screen()
            return s.contains("cpu") && s.contains("0.42 ") && s.contains("alpha") && s.contains("● open websocket")
        }
        try await eventually(20, "the mem table") { try await tmux.screen().contains("total") }

        // The server goes away: connections dropped, upgrades refused until it is back.
        first.refuseUpgrades(true)
        await first.dropConnections()
        try await eventually(20, "the countdown") {
            let s = try await tmux.screen()
            return s.contains("● waiting websocket") && s.contains("reconnecting in")
        }
        first.refuseUpgrades(false)
        defer { Task { await first.stop() } }
        try await eventually(30, "open again") { try await tmux.screen().contains("● open websocket") }

        try await tmux.run(["resize-window", "-t", "main", "-x", "20", "-y", "5"])
        try await eventually(10, "a 20x5 screen") {
            let lines = try await tmux.screen().split(separator: "\n", omittingEmptySubsequences: false)
            return lines.count <= 6 && lines.contains { $0.contains("open") }
        }
        try await tmux.run(["resize-window", "-t", "main", "-x", "100", "-y", "30"])
        try await eventually(10, "the full screen again") { try await tmux.screen().contains("alpha") }
        #expect(!FileManager.default.fileExists(atPath: exitFile), "livetop ended early")

        try await tmux.run(["send-keys", "-t", "main", "q"])
        try await eventually(5, "livetop to exit") { FileManager.default.fileExists(atPath: exitFile) }
        let status = try String(contentsOfFile: exitFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(status == "0")
    }

    /// A long-poll server that forgot the cursor (410): the dashboard's status line says so, with
    /// the reason, and polling goes on.
    @Test func aGapIsShownOnTheStatusLine() async throws {
        let python = try #require(TestEnvironment.which("python3"), "python3 (apt-get install python3)")
        // After the first poll, 50 messages come at once but only the last 10 are kept.
        let (feed, port) = try await ExternalProcess.startServer(python, [
            TestEnvironment.serverFixture("poll_server.py"), "--ttl", "60", "--total", "100", "--per-poll", "3",
            "--interval-ms", "1000", "--keep", "10", "--burst-after-first", "50",
        ])
        defer { feed.stop() }
        let tmux = try Tmux()
        defer { tmux.stop() }
        let command = "TERM=screen LANG=C.UTF-8 '\(HeadlessEndToEndTests.binary)' --transport longpoll --poll-items /messages "
            + "http://127.0.0.1:\(port)/poll; sleep 60"
        try await tmux.run(["new-session", "-d", "-s", "main", "-x", "160", "-y", "20", command])
        try await eventually(20, "the gap on the status line") {
            let s = try await tmux.screen()
            return s.contains("● open longpoll") && s.contains("gap: cursor no longer known (HTTP 410)")
        }
        try await tmux.run(["send-keys", "-t", "main", "q"])
    }

    /// Ctrl-Z gives the shell a usable terminal back; `fg` brings the dashboard back, redrawn.
    @Test func suspendsOnCtrlZAndRedrawsAfterFg() async throws {
        let buffer = FeedBuffer()
        buffer.publish(text: #"{"stage":"before"}"#)
        let server = FeedServer(buffer: buffer)
        let port = try await server.start()
        defer { Task { await server.stop() } }
        let tmux = try Tmux()
        defer { tmux.stop() }
        try await tmux.run(["new-session", "-d", "-s", "main", "-x", "90", "-y", "24", "bash --norc -i"])
        try await tmux.run(["send-keys", "-t", "main",
                            "TERM=screen LANG=C.UTF-8 '\(HeadlessEndToEndTests.binary)' ws://127.0.0.1:\(port)/", "Enter"])
        try await eventually(20, "the dashboard") { try await tmux.screen().contains("before") }
        try await tmux.run(["send-keys", "-t", "main", "C-z"])
        try await eventually(10, "the shell back") { try await tmux.screen().contains("Stopped") }
        buffer.publish(text: #"{"stage":"while suspended"}"#)
        try await tmux.run(["send-keys", "-t", "main", "fg", "Enter"])
        try await eventually(20, "the dashboard redrawn, with what came meanwhile") {
            let s = try await tmux.screen()
            return s.contains("● open websocket") && s.contains("while suspended") && !s.contains("Stopped")
        }
        try await tmux.run(["send-keys", "-t", "main", "q"])
        try await tmux.run(["send-keys", "-t", "main", "echo EXIT=$?", "Enter"])
        try await eventually(10, "exit status 0") { try await tmux.screen().contains("EXIT=0") }
    }

    @Test func keysPauseHelpAndFilter() async throws {
        let buffer = FeedBuffer()
        buffer.publish(text: #"{"alpha":1,"beta":2,"gamma":{"x":1}}"#)
        let server = FeedServer(buffer: buffer)
        let port = try await server.start()
        defer { Task { await server.stop() } }
        let tmux = try Tmux()
        defer { tmux.stop() }
        try await tmux.run(["new-session", "-d", "-s", "main", "-x", "90", "-y", "24",
                            "TERM=screen LANG=C.UTF-8 '\(HeadlessEndToEndTests.binary)' ws://127.0.0.1:\(port)/; sleep 60"])
        try await eventually(20, "the panels") { try await tmux.screen().contains("beta") }
        try await tmux.run(["send-keys", "-t", "main", "?"])
        try await eventually(10, "the help") { try await tmux.screen().contains("livetop keys") }
        try await tmux.run(["send-keys", "-t", "main", "Escape"])
        try await tmux.run(["send-keys", "-t", "main", "p"])
        try await eventually(10, "PAUSED") { try await tmux.screen().contains("PAUSED") }
        try await tmux.run(["send-keys", "-t", "main", "p", "/", "g", "a", "m", "Enter"])
        try await eventually(10, "only gamma") {
            let lines = try await tmux.screen().split(separator: "\n")
            // Only the panel titled gamma is framed on screen; the tiles and the log are hidden.
            return lines.contains { $0.hasPrefix("┌ gamma") } && !lines.contains { $0.contains("┌ alpha") }
                && !lines.contains { $0.contains("┌ log") }
                && !lines.contains { $0.contains("PAUSED") }
        }
        try await tmux.run(["send-keys", "-t", "main", "q"])
    }

    /// A replay on the dashboard: the recorded values appear, the last frame stays with the
    /// status saying the recording ended, and q exits 0.
    @Test func replayHoldsTheLastFrameUntilQ() async throws {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("recording.jsonl").path
        let lines = [#"{"type":"state","time":"2026-11-26T10:00:00.000Z","state":"open","transport":"sse"}"#]
            + (1...50).map { #"{"type":"message","time":"2026-11-26T10:00:00.\#(String(format: "%03d", $0))Z","seq":\#($0),"transport":"sse","data":{"reading":\#($0),"site":"north"}}"# }
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let exitFile = dir.appendingPathComponent("exit").path
        let tmux = try Tmux()
        defer { tmux.stop() }
        try await tmux.run(["new-session", "-d", "-s", "main", "-x", "90", "-y", "24",
                            "TERM=screen LANG=C.UTF-8 '\(HeadlessEndToEndTests.binary)' replay --speed 0 --max-messages 40 '\(path)'; echo $? > '\(exitFile)'; sleep 60"])
        try await eventually(20, "the last values (40 of 50: --max-messages) and the end of the recording") {
            let s = try await tmux.screen()
            return s.contains("north") && s.contains("log (40 messages)") && s.contains("end of recording")
        }
        #expect(!FileManager.default.fileExists(atPath: exitFile), "the dashboard did not hold the last frame")
        try await tmux.run(["send-keys", "-t", "main", "q"])
        try await eventually(5, "livetop to exit") { FileManager.default.fileExists(atPath: exitFile) }
        #expect(try String(contentsOfFile: exitFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) == "0")
    }
}
