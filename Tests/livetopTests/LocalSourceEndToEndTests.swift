import Foundation
import PushLink
import Testing
import TestSupport

/// The built binary with sources on this host: `-- CMD`, `--every`, `-` (stdin) and files, in
/// headless mode and on the dashboard in tmux.
@Suite(.timeLimit(.minutes(2)), .startsProcesses) struct LocalSourceEndToEndTests {
    static var binary: String { HeadlessEndToEndTests.binary }

    @Test func aMissingCommandIsOneLineAndExitStatus1() async throws {
        let output = try await HeadlessEndToEndTests.run(["--headless", "--", "livetop-no-such-command", "-x"])
        #expect(output.status == 1)
        #expect(output.stderr == ["livetop: command 'livetop-no-such-command' not found on PATH"])
        #expect(output.lines.isEmpty)
    }

    @Test func aCommandsLinesAreMessagesAndItsEndClosesTheRun() async throws {
        let output = try await HeadlessEndToEndTests.run(["--headless", "--", "sh", "-c", "echo '{\"n\":1}'; echo plain; echo warn >&2; exit 3"])
        #expect(output.status == 1, "a command that exits 3 is a failed run")
        #expect(output.messages.map { $0["transport"] as? String } == ["command", "command"])
        #expect((output.messages[0]["data"] as? [String: Any])?["n"] as? Int == 1)
        #expect(output.messages[1]["text"] as? String == "plain")
        #expect(output.lines.contains { $0["state"] as? String == "note" && $0["text"] as? String == "warn" })
        #expect(output.lines.last?["state"] as? String == "closed")
        #expect(output.lines.last?["error"] as? String == "sh exited with status 3")
    }

    /// A JSON line after a byte order mark (what Windows tools write) is JSON, as jq reads it,
    /// and is printed without the mark.
    @Test func aByteOrderMarkBeforeJSONIsSkipped() async throws {
        let process = ExternalProcess(Self.binary, ["--headless", "-"])
        try process.start()
        defer { process.stop() }
        process.write("\u{FEFF}{\"a\":1}\n")
        process.closeInput()
        #expect(try await process.exitStatus(timeout: 20) == 0)
        let message = try #require(process.stdout.all.first { $0.contains(#""type":"message""#) })
        #expect(message.contains(#""data":{"a":1}"#) && !message.contains("\u{FEFF}"), "\(message)")
    }

    @Test func stdinFromAPipeIsASource() async throws {
        let process = ExternalProcess(Self.binary, ["--headless", "-"])
        try process.start()
        defer { process.stop() }
        process.write("{\"a\":1}\n{\"a\":2}\nnot json\n")
        process.closeInput()
        #expect(try await process.exitStatus(timeout: 20) == 0)
        let lines = process.stdout.all.filter { $0.contains(#""type":"message""#) }
        #expect(lines.count == 3)
        #expect(lines.allSatisfy { $0.contains(#""transport":"stdin""#) })
        #expect(lines[2].contains(#""text":"not json""#))
    }

    @Test func aSampledCommandGivesOneMessagePerRun() async throws {
        let output = try await HeadlessEndToEndTests.run(["--headless", "--every", "200ms", "--max-messages", "3", "--", "printf", "a 1\\nb 2\\n"])
        #expect(output.status == 0)
        #expect(output.messages.count == 3)
        #expect(output.messages.allSatisfy { ($0["text"] as? String)?.hasPrefix("a 1\nb 2") == true || $0["data"] != nil })
    }

    /// A stale line's `silent_ms`: the silence livetop measured.
    static func silentMilliseconds(_ line: String) -> Int {
        let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        return object?["silent_ms"] as? Int ?? -1
    }

    /// A source that stops speaking says so in the JSON lines once past its expect.
    @Test func aFrozenCommandIsReportedStale() async throws {
        let process = ExternalProcess(Self.binary, ["--headless", "--expect", "1s", "--", "sh", "-c", "echo '{\"n\":1}'; kill -STOP $$"])
        try process.start()
        defer { process.stop() }
        try await process.stdout.wait(20, for: "the message") { $0.contains { $0.contains(#""type":"message""#) } }
        try await process.stdout.wait(30, for: "a stale line") { $0.contains { $0.contains(#""state":"stale""#) } }
        let stale = try #require(process.stdout.all.first { $0.contains(#""state":"stale""#) })
        #expect(stale.contains(#""transport":"command""#) && stale.contains(#""expect_ms":1000"#))
        // Past expect by livetop's own clock (how soon after is StaleRule's, tested with a moved clock).
        #expect(Self.silentMilliseconds(stale) > 1000, "\(stale)")
        process.signal(SIGTERM)
        #expect(try await process.exitStatus(timeout: 20) == 0)
    }

    /// A feed whose server freezes (SIGSTOP, by PID) says so once past its expect: the
    /// connection stays up, so only the silence tells.
    @Test func aFrozenServerIsReportedStale() async throws {
        let (server, port) = try await ServeEndToEndTests.serve("{\"n\":1}\n", lines: 1)
        defer {
            server.signal(SIGCONT)
            server.stop()
        }
        let client = ExternalProcess(Self.binary, ["--headless", "--expect", "1s", "--ping", "0", "ws://127.0.0.1:\(port)/"])
        try client.start()
        defer { client.stop() }
        try await client.stdout.wait(20, for: "the message") { $0.contains { $0.contains(#""type":"message""#) } }
        server.signal(SIGSTOP)
        try await client.stdout.wait(30, for: "a stale line") { $0.contains { $0.contains(#""state":"stale""#) } }
        let stale = try #require(client.stdout.all.first { $0.contains(#""state":"stale""#) })
        #expect(stale.contains(#""transport":"websocket""#))
        #expect(Self.silentMilliseconds(stale) > 1000, "\(stale)")
    }

    /// `alert: {stale: 1s}`: a source silent that long raises an alert of its own (no thresholds
    /// needed), and its next message clears it.
    @Test func aSilentSourceRaisesAStaleAlert() async throws {
        let directory = try TestEnvironment.temporaryDirectory()
        let layout = directory.appendingPathComponent("stale.yaml")
        let gate = directory.appendingPathComponent("go").path
        try """
            sources:
              - name: job
                command: [sh, -c, "echo '{\\"a\\":1}'; while [ ! -e '\(gate)' ]; do sleep 0.1; done; echo '{\\"a\\":2}'; sleep 30"]
            rows:
              - panels:
                  - {kind: tile, value: /a, alert: {stale: 1s, level: crit}}
            """.write(to: layout, atomically: true, encoding: .utf8)
        let process = ExternalProcess(Self.binary, ["--layout", layout.path, "--headless"])
        try process.start()
        defer { process.stop() }
        try await process.stdout.wait(20, for: "the stale alert") { $0.contains { $0.contains(#""type":"alert""#) } }
        let alert = try #require(process.stdout.all.first { $0.contains(#""type":"alert""#) })
        #expect(alert.contains(#""pointer":"(silent)""#) && alert.contains(#""level":"crit""#), "\(alert)")
        #expect(FileManager.default.createFile(atPath: gate, contents: nil))
        try await process.stdout.wait(20, for: "the alert cleared by the next message") { $0.contains { $0.contains(#""type":"alert_cleared""#) } }
    }

    /// `--record /dev/full` on the dashboard: the failure is on the status line, no byte of it
    /// reaches the pty while the screen is up, and after `q` it is one line, after the terminal
    /// is restored, and exit 74.
    @Test func aFailedRecordingIsOnTheScreenThenOneLineAndExit74() async throws {
        let directory = try TestEnvironment.temporaryDirectory()
        let ptyBytes = directory.appendingPathComponent("pty").path
        let tmux = try Tmux()
        defer { tmux.stop() }
        try await tmux.run(["new-session", "-d", "-s", "main", "-x", "160", "-y", "20", "sleep 60"])
        try await tmux.run(["respawn-pane", "-k", "-t", "main",
                            "'\(tmux.tmux)' -L \(tmux.socket) wait-for piped; "
                            + "TERM=screen LANG=C.UTF-8 '\(Self.binary)' --record /dev/full -- sh -c 'echo {\\\"n\\\":1}; sleep 60'; "
                            + "echo EXIT=$?; sleep 60"])
        try await tmux.run(["pipe-pane", "-o", "-t", "main", "cat >> '\(ptyBytes)'"])
        try await tmux.run(["wait-for", "-S", "piped"])
        try await eventually(20, "the failure on the status line") {
            try await tmux.screen().contains("--record /dev/full: a write failed (No space left on device)")
        }
        try await tmux.run(["send-keys", "-t", "main", "q"])
        try await eventually(20, "livetop to end") { try await tmux.screen().contains("EXIT=") }
        #expect(try await tmux.screen().contains("EXIT=74"))
        try await eventually(10, "the pty bytes up to the exit") {
            String(decoding: (try? Data(contentsOf: URL(fileURLWithPath: ptyBytes))) ?? Data(), as: UTF8.self).contains("EXIT=74")
        }
        let pty = String(decoding: try Data(contentsOf: URL(fileURLWithPath: ptyBytes)), as: UTF8.self)
        let line = "livetop: --record /dev/full: a write failed (No space left on device); the recording stopped there"
        // Once, and only after the screen was given back (rmcup, ESC [ ? 1049 l for TERM=screen).
        #expect(pty.components(separatedBy: line).count == 2, "the stderr line, once")
        let restored = try #require(pty.range(of: "\u{1B}[?1049l", options: .backwards))
        let said = try #require(pty.range(of: line))
        #expect(said.lowerBound > restored.lowerBound, "the line came after the terminal was restored")
    }

    /// `e` at 80x24 in a real terminal: a command's 300-character stderr line (a `note`), cut with
    /// `…` on the status line, is whole in the event panel, wrapped over its rows.
    @Test func theEventPanelShowsA300CharacterReasonWholeAt80x24() async throws {
        // Words of 10 characters, numbered, so the wrap can only cut between them and every one is checked.
        let words = (0..<30).map { String(format: "reason%03d", $0) + "." }
        let reason = words.joined(separator: "")
        #expect(reason.count == 300)
        let tmux = try Tmux()
        defer { tmux.stop() }
        try await tmux.run(["new-session", "-d", "-s", "main", "-x", "80", "-y", "24",
                            "TERM=screen LANG=C.UTF-8 '\(Self.binary)' -- sh -c 'echo {\\\"n\\\":1}; echo \(reason) >&2; sleep 60'; sleep 60"])
        try await eventually(20, "the note on the status line, cut") {
            let screen = try await tmux.screen()
            return screen.contains("reason000") && screen.contains("…")
        }
        try await tmux.run(["send-keys", "-t", "main", "e"])
        try await eventually(20, "the event panel with the whole reason") {
            let screen = try await tmux.screen()
            // The panel's rows, borders and padding taken off, joined: the reason is in them whole.
            let inside = screen.split(separator: "\n").map { line in
                line.trimmingCharacters(in: CharacterSet(charactersIn: "│|┃ ").union(.whitespaces))
            }.joined()
            return inside.contains(reason)
        }
        try await tmux.run(["send-keys", "-t", "main", "q"])
    }

    /// Hostile stdin: a binary flood with few newlines and a 10 MB line. Memory stays bounded by
    /// --max-message, every line printed is JSON, and what was left out is said.
    @Test func aBinaryFloodAndAHugeLineOnStdinAreBoundedAndSaid() async throws {
        let process = ExternalProcess("/bin/sh", ["-c", "{ head -c 2000000 /dev/urandom; echo; head -c 10000000 /dev/zero | tr '\\0' x; echo; "
                                                  + "echo '{\"ok\":1}'; } | '\(Self.binary)' --headless --max-message 1M -"])
        try process.start()
        defer { process.stop() }
        #expect(try await process.exitStatus(timeout: 60) == 0)
        let lines = process.stdout.all.filter { !$0.isEmpty }
        for line in lines { #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil, "\(line.prefix(80))") }
        #expect(lines.contains { $0.contains(#""data":{"ok":1}"#) })
        #expect(lines.contains { $0.contains(#""state":"note""#) && $0.contains("longer than 1048576 bytes left out (--max-message)") })
        #expect(!lines.contains { $0.count > 3 << 20 }, "no line near the 10 MB one was printed")
    }

    /// A command gets no descriptor of livetop's: only its stdin, stdout and stderr are open.
    @Test func aCommandInheritsNoDescriptor() async throws {
        // Looked at from outside while it waits: what the shell holds open is what it was given.
        let process = ExternalProcess(Self.binary, ["--headless", "--", "sh", "-c", "echo $$; exec sleep 60"])
        try process.start()
        defer { process.stop() }
        try await process.stdout.wait(20, for: "the command's pid") { $0.contains { $0.contains(#""type":"message""#) } }
        let line = try #require(process.stdout.all.first { $0.contains(#""type":"message""#) })
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        let pid = try #require(object["data"] as? Int)
        // Once it sleeps: the loader's descriptors of a program starting up are closed by then.
        try await eventually(10, "sleep to be sleeping in place of the shell") {
            let comm = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) ?? ""
            let wchan = (try? String(contentsOfFile: "/proc/\(pid)/wchan", encoding: .utf8)) ?? ""
            return comm.hasPrefix("sleep") && wchan.contains("nanosleep")
        }
        let open = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").compactMap(Int.init).sorted()
        #expect(open == [0, 1, 2], "descriptors open in the command: \(open)")
    }

    /// `cmd | livetop -`: the dashboard draws from stdin while its keys come from the terminal.
    @Test func theDashboardReadsStdinAndTakesKeysFromTheTerminal() async throws {
        let tmux = try Tmux()
        defer { tmux.stop() }
        let command = "i=0; while [ $i -lt 600 ]; do i=$((i+1)); echo \"{\\\"count\\\":$i}\"; sleep 0.1; done "
            + "| TERM=screen LANG=C.UTF-8 '\(Self.binary)' -; echo LIVETOP-EXITED; sleep 60"
        try await tmux.run(["new-session", "-d", "-s", "main", "-x", "100", "-y", "20", command])
        try await eventually(20, "the stdin feed on the dashboard") {
            let s = try await tmux.screen()
            return s.contains("● open stdin") && s.contains("count")
        }
        try await tmux.run(["send-keys", "-t", "main", "q"])
        try await eventually(20, "q to end livetop") { try await tmux.screen().contains("LIVETOP-EXITED") }
    }

    /// A command that stops speaking is shown stale, never a green "open"; one killed with
    /// SIGKILL is shown closed with how it ended.
    @Test func theDashboardShowsAFrozenCommandStaleAndAKilledOneClosed() async throws {
        let directory = try TestEnvironment.temporaryDirectory()
        let layout = directory.appendingPathComponent("two.yaml")
        try """
            sources:
              - name: frozen
                command: [sh, -c, "echo '{\\"a\\":1}'; kill -STOP $$"]
                expect: 1s
              - name: killed
                command: [sh, -c, "echo '{\\"b\\":2}'; kill -KILL $$"]
            rows:
              - panels:
                  - {kind: tile, source: frozen, value: /a}
                  - {kind: tile, source: killed, value: /b}
            """.write(to: layout, atomically: true, encoding: .utf8)
        let tmux = try Tmux()
        defer { tmux.stop() }
        let command = "TERM=screen LANG=C.UTF-8 '\(Self.binary)' --layout '\(layout.path)'; sleep 60"
        try await tmux.run(["new-session", "-d", "-s", "main", "-x", "120", "-y", "20", command])
        try await eventually(20, "both sources' status lines") {
            let s = try await tmux.screen()
            return s.contains("frozen ● stale") && s.contains("silent") && s.contains("killed ● closed")
        }
        let screen = try await tmux.screen()
        #expect(!screen.contains("frozen ● open"))
        try await tmux.run(["send-keys", "-t", "main", "q"])
    }
}
