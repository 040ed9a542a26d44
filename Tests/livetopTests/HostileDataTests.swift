import Foundation
import Testing
import TestSupport

/// The livetop binary against a feed of hostile data (Servers/hostile_feed.py: JSON nested
/// 100,000 deep, a 10 MB string, a million distinct keys in one message, 1e999 and -0, lone
/// surrogates, every C0 and C1 control, ESC/CSI/OSC sequences and bidi overrides in keys and
/// values): no crash, bounded memory, and nothing raw reaches stdout or the terminal.
/// Four minutes, not two: a limit guards against a hang, and the time a test waits for its
/// process slot counts too. The headless test needs 8 s alone (4.5 of them checking 21 MB of
/// output); with both cores busy besides the suite it was cut at 120 s in 1 run of 2.
@Suite(.timeLimit(.minutes(4)), .startsProcesses) struct HostileDataTests {
    static let messages = 11

    static func startFeed() async throws -> (ExternalProcess, Int) {
        guard let python = TestEnvironment.which("python3") else {
            throw MissingTool(description: "python3 is missing (apt-get install python3); Scripts/test.sh installs it")
        }
        return try await ExternalProcess.startServer(python, [TestEnvironment.serverFixture("hostile_feed.py"), "--ttl", "110",
                                                              "--port", String(try TestEnvironment.freePort())], timeout: 60)
    }

    @Test(.offPool) func headlessOutputIsValidJSONWithEveryControlEscaped() async throws {
        let (feed, port) = try await Self.startFeed()
        defer { feed.stop() }
        // Output to a file, read once at the end: some lines are over 10 MB.
        let dir = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("stdout").path, err = dir.appendingPathComponent("stderr").path
        let pid = try TestEnvironment.spawn([HeadlessEndToEndTests.binary, "--headless", "ws://127.0.0.1:\(port)/"], stdout: out, stderr: err)
        defer { kill(pid, SIGKILL) }
        try await eventually(60, "the last message") { Self.tail(of: out).contains(#""data":{"done":true}"#) }
        let peak = Double(try #require(TestEnvironment.peakResidentKiB(pid))) / 1024
        print("hostile feed, headless: peak RSS \(String(format: "%.1f", peak)) MiB")
        // The biggest message, a million keys in 11 MB, costs its bytes, a tape of 32 bytes a value
        // (64 MB) and its output line while it is handled; the store keeps 10,000 keys of it.
        // Measured: 166 MiB in a debug build (223 MiB before the duplicate-key table was made
        // flat). A sanitizer's shadow memory makes the figure meaningless, so it is not checked then.
        if !TestEnvironment.underSanitizer { #expect(peak < 200, "peak RSS \(peak) MiB") }
        kill(pid, SIGTERM)
        let status = await TestEnvironment.waitForExit(pid)
        #expect(status == 0, "exit status \(status >> 8), signal \(status & 0x7F)")

        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").map(String.init)
        let messages = lines.filter { $0.hasPrefix(#"{"type":"message""#) }
        #expect(messages.count == Self.messages, "every message printed, once")
        for line in lines {
            // C0 and DEL never raw (JSON must escape C0; DEL and C1 are escaped for terminals that
            // act on them); nothing the feed sent can start an escape sequence in a reader's terminal.
            let raw = line.unicodeScalars.filter { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }
            #expect(raw.isEmpty, "raw controls \(raw.map(\.value)) in \(line.prefix(120))")
            // (Foundation refuses 1e999, which JSON's grammar allows; jq reads it, below.)
            #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil || line.contains("1e999"),
                    "not JSON: \(line.prefix(120))")
        }
        // jq, the reader these lines are for, takes every one (it stops at a lone surrogate escape).
        guard let jq = TestEnvironment.which("jq") else {
            throw MissingTool(description: "jq is missing (apt-get install jq); Scripts/test.sh installs it")
        }
        let jqPID = try TestEnvironment.spawn([jq, "-c", "select(.type == \"message\") | .seq", out],
                                             stdout: dir.appendingPathComponent("jq.out").path, stderr: dir.appendingPathComponent("jq.err").path)
        let jqStatus = await TestEnvironment.waitForExit(jqPID)
        let jqError = (try? String(contentsOfFile: dir.appendingPathComponent("jq.err").path, encoding: .utf8)) ?? ""
        #expect(jqStatus == 0, "jq: \(jqError)")
        let seqs = ((try? String(contentsOfFile: dir.appendingPathComponent("jq.out").path, encoding: .utf8)) ?? "").split(separator: "\n")
        #expect(seqs == (1...Self.messages).map { Substring(String($0)) })
        // Escaped, not dropped: the title sequence and the bidi override are there, as escapes.
        #expect(lines.contains { $0.contains(#"\u001b]0;PWNED-TITLE\u0007key"#) })
        #expect(lines.contains { $0.contains(#"\u202egnp.exe"#) })
        #expect(lines.contains { $0.contains(#"\u0080\u0081"#) })
        #expect(!((try? String(contentsOfFile: err, encoding: .utf8)) ?? "").unicodeScalars.contains { $0.value == 0x1B })
    }

    /// The dashboard: the pane's title is untouched, and the bytes livetop wrote to the pty hold
    /// no sequence from the feed (no OSC at all, no bidi override, no C1 control), while the
    /// screen shows them escaped.
    @Test func theDashboardShowsEscapesAndWritesNoneOfTheFeedsSequences() async throws {
        let (feed, port) = try await Self.startFeed()
        defer { feed.stop() }
        let dir = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let ptyBytes = dir.appendingPathComponent("pty.bytes").path
        let tmux = try Tmux()
        defer { tmux.stop() }
        try await tmux.run(["new-session", "-d", "-s", "main", "-x", "160", "-y", "50", "sleep 100"])
        try await tmux.run(["set-option", "-t", "main", "allow-rename", "on"])
        try await tmux.run(["select-pane", "-t", "main", "-T", "livetop-test-title"])
        // livetop starts only once the pty is piped (tmux wait-for), or a loaded machine lets it
        // draw the whole screen before the capture begins (once: 90 bytes captured).
        try await tmux.run(["respawn-pane", "-k", "-t", "main",
                            "'\(tmux.tmux)' -L \(tmux.socket) wait-for piped; "
                            + "TERM=screen LANG=C.UTF-8 exec '\(HeadlessEndToEndTests.binary)' --transport websocket ws://127.0.0.1:\(port)/"])
        try await tmux.run(["pipe-pane", "-o", "-t", "main", "cat >> '\(ptyBytes)'"])
        try await tmux.run(["wait-for", "-S", "piped"])
        try await eventually(60, "all messages on the dashboard") {
            let s = try await tmux.screen()
            return s.contains("done") && s.contains("● open websocket")
        }
        try await tmux.run(["send-keys", "-t", "main", "Tab"])  // the log view: every message's text
        try await eventually(20, "the log view with the raw message, escaped") {
            try await tmux.screen().contains(#"\e]0;PWNED-TITLE"#)
        }
        let screen = try await tmux.screen()
        #expect(screen.contains(#"\u{202E}"#), "the bidi override shown escaped:\n\(screen)")
        let title = try await tmux.run(["display-message", "-p", "-t", "main", "#{pane_title}"])
        #expect(!title.contains("PWNED"), "the feed set the title: \(title)")

        try await tmux.run(["send-keys", "-t", "main", "q"])
        try await eventually(20, "livetop to exit") {
            let command = try await tmux.run(["display-message", "-p", "-t", "main", "#{pane_dead} #{pane_current_command}"])
            return command.hasPrefix("1") || !command.contains("livetop")
        }
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: ptyBytes)))
        #expect(bytes.count > 1000, "the pty capture is empty")
        #expect(Self.find([0x1B, UInt8(ascii: "]")], in: bytes) == nil, "an OSC sequence reached the terminal")
        #expect(Self.find(Array("PWNED".utf8), in: bytes).map { bytes[max(0, $0 - 4)..<$0].contains(0x1B) } != true,
                "PWNED right after an escape")
        #expect(Self.find([0xE2, 0x80, 0xAE], in: bytes) == nil, "a raw right-to-left override reached the terminal")
        // C1 controls as UTF-8 (C2 80 to C2 9F) act as escapes on some terminals.
        #expect(!zip(bytes, bytes.dropFirst()).contains { $0 == 0xC2 && (0x80...0x9F).contains($1) }, "a raw C1 control")
    }

    /// The last 4 KB of a file.
    static func tail(of path: String) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { return "" }
        defer { try? handle.close() }
        let end = (try? handle.seekToEnd()) ?? 0
        try? handle.seek(toOffset: end > 4096 ? end - 4096 : 0)
        return String(decoding: (try? handle.readToEnd()) ?? Data(), as: UTF8.self)
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        for i in 0...(haystack.count - needle.count) where haystack[i] == needle[0] {
            if Array(haystack[i..<(i + needle.count)]) == needle { return i }
        }
        return nil
    }
}
