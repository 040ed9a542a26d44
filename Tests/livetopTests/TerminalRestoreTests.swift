import FeedServe
import Foundation
import PushLink
import Testing
import TestSupport

/// However the dashboard ends (a signal it handles, Ctrl-C, a hang-up, a crash) or pauses
/// (Ctrl-Z), the shell it was started from gets its terminal back: the alternate screen left,
/// the cursor visible, mouse reporting off, and the line discipline cooked with echo on.
@Suite(.timeLimit(.minutes(2)), .startsProcesses) struct TerminalRestoreTests {
    enum Ending: String, CustomTestStringConvertible, CaseIterable {
        case sigterm, sighup, ctrlC, segfault, abort
        var testDescription: String { rawValue }

        /// The exit status the shell sees.
        var status: Int32 {
            switch self {
            case .sigterm, .sighup, .ctrlC: 0  // handled: the link closes, then a normal exit
            case .segfault: 128 + SIGSEGV
            case .abort: 128 + SIGABRT
            }
        }
    }

    @Test(arguments: Ending.allCases)
    func theShellGetsAUsableTerminalBack(_ ending: Ending) async throws {
        let (tmux, server) = try await Self.dashboardInAShell()
        defer { tmux.stop(); Task { await server.stop() } }
        let running = try await Self.paneState(tmux)
        #expect(running.alternateScreen, "the dashboard runs on the alternate screen")
        #expect(running.mouse, "the dashboard asked for the mouse (TERM=screen has kmous)")
        let livetop = try await Self.livetopPID(tmux)
        switch ending {
        case .sigterm: kill(livetop, SIGTERM)
        case .sighup: kill(livetop, SIGHUP)
        case .ctrlC: try await tmux.run(["send-keys", "-t", "main", "C-c"])
        // A crash, as the kernel or the Swift runtime would deliver it.
        case .segfault: kill(livetop, SIGSEGV)
        case .abort: kill(livetop, SIGABRT)
        }
        try await eventually(20, "livetop to end") { kill(livetop, 0) != 0 }
        try await Self.expectAUsableShell(tmux, lastStatus: ending.status)
    }

    @Test func ctrlZGivesTheShellAUsableTerminalAndFgTakesItBack() async throws {
        let (tmux, server) = try await Self.dashboardInAShell()
        defer { tmux.stop(); Task { await server.stop() } }
        try await tmux.run(["send-keys", "-t", "main", "C-z"])
        try await eventually(10, "the shell back") { try await tmux.screen().contains("Stopped") }
        try await Self.expectAUsableShell(tmux, lastStatus: 128 + SIGTSTP)
        try await tmux.run(["send-keys", "-t", "main", "fg", "Enter"])
        try await eventually(20, "the dashboard again") {
            guard try await Self.paneState(tmux).alternateScreen else { return false }
            return try await tmux.screen().contains("● open websocket")
        }
        #expect(try await Self.paneState(tmux).mouse, "mouse reporting is on again after fg")
        try await tmux.run(["send-keys", "-t", "main", "q"])
        try await Self.expectAUsableShell(tmux, lastStatus: 0)
    }

    // MARK: Helpers

    /// A bash in tmux, running the dashboard on a live feed; returns once the feed is on screen.
    static func dashboardInAShell() async throws -> (Tmux, FeedServer) {
        let buffer = FeedBuffer()
        buffer.publish(text: #"{"stage":"running"}"#)
        let server = FeedServer(buffer: buffer)
        let port = try await server.start()
        let tmux = try Tmux()
        try await tmux.run(["new-session", "-d", "-s", "main", "-x", "90", "-y", "24", "PS1='shell$ ' bash --norc --noprofile -i"])
        try await eventually(10, "the shell") { try await tmux.screen().contains("shell$") }
        try await tmux.run(["send-keys", "-t", "main",
                            "TERM=screen LANG=C.UTF-8 '\(HeadlessEndToEndTests.binary)' ws://127.0.0.1:\(port)/", "Enter"])
        try await eventually(20, "the dashboard") {
            let s = try await tmux.screen()
            return s.contains("running") && s.contains("● open websocket")
        }
        return (tmux, server)
    }

    struct PaneState {
        var alternateScreen: Bool
        var cursorVisible: Bool
        /// The program in the pane has asked for mouse reports (any mode).
        var mouse: Bool
        var command: String
    }

    static func paneState(_ tmux: Tmux) async throws -> PaneState {
        let fields = try await tmux.run(["display-message", "-p", "-t", "main",
                                         "#{alternate_on} #{cursor_flag} #{mouse_any_flag} #{pane_current_command}"])
            .trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ").map(String.init)
        return PaneState(alternateScreen: fields.first == "1", cursorVisible: fields.dropFirst().first == "1",
                         mouse: fields.dropFirst(2).first == "1", command: fields.dropFirst(3).joined(separator: " "))
    }

    /// livetop's PID: the child of the pane's shell whose name is livetop.
    static func livetopPID(_ tmux: Tmux) async throws -> pid_t {
        let shell = try await tmux.run(["display-message", "-p", "-t", "main", "#{pane_pid}"]).trimmingCharacters(in: .whitespacesAndNewlines)
        for entry in try FileManager.default.contentsOfDirectory(atPath: "/proc") {
            guard let pid = pid_t(entry),
                  let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            // "pid (comm) state ppid ...": comm may hold spaces, so split after its parenthesis.
            let name = stat[stat.index(after: stat.firstIndex(of: "(")!)..<close]
            let rest = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
            if name == "livetop", rest.count > 1, String(rest[1]) == shell { return pid }
        }
        throw TimedOut(what: "a livetop process under the shell \(shell)")
    }

    /// The shell is back in charge: the main screen, the cursor shown, and what is typed echoed
    /// and run line by line (echo and canonical mode on).
    static func expectAUsableShell(_ tmux: Tmux, lastStatus: Int32) async throws {
        try await eventually(10, "the shell in the foreground") { try await paneState(tmux).command == "bash" }
        let state = try await paneState(tmux)
        #expect(!state.alternateScreen, "still on the alternate screen")
        #expect(state.cursorVisible, "the cursor is hidden")
        #expect(!state.mouse, "mouse reporting is still on: the terminal's own selection would not work")
        let mark = "R\(Int.random(in: 1000...9999))"
        try await tmux.run(["send-keys", "-t", "main",
                            "echo \(mark) STATUS=$? MODES=$(stty -a | tr ' ' '\\n' | grep -xE -- '-?(echo|icanon)' | tr '\\n' ,)", "Enter"])
        let answer = { @Sendable () async throws -> String? in
            try await tmux.screen().split(separator: "\n").first { $0.hasPrefix("\(mark) STATUS=") }.map(String.init)
        }
        try await eventually(10, "the shell's answer") { try await answer() != nil }
        let screen = try await tmux.screen()
        #expect(screen.contains("echo \(mark) STATUS=$? MODES="), "what was typed was not echoed:\n\(screen)")
        let line = try await answer() ?? ""
        #expect(line.hasPrefix("\(mark) STATUS=\(lastStatus) MODES="), "\(screen)")
        #expect(line.contains("icanon,") && line.contains("echo,") && !line.contains("-echo") && !line.contains("-icanon"), "\(line)")
    }
}
