import FeedServe
import Foundation
import PushLink
import Testing
import TestSupport

/// The mouse in a real terminal (tmux): the bytes a terminal sends for a click and a wheel notch,
/// in the form the pane's TERM asks for (X10 after `screen`'s kmous=\E[M, SGR 1006 after
/// `xterm-256color`'s XM), focus a panel, sort and scroll a table, scroll a log. Without a mouse
/// (--no-mouse, or a TERM without one) nothing is asked of the terminal and the keys still work.
@Suite(.timeLimit(.minutes(2)), .startsProcesses) struct MouseEndToEndTests {
    /// A table of 200 hosts above a log of the same feed, in tmux at 100x30.
    static func start(term: String, options: String = "") async throws -> (Tmux, FeedServer, URL) {
        let buffer = FeedBuffer()
        buffer.publish(text: TableEndToEndTests.fleet(200))
        for n in 1...30 { buffer.publish(text: #"{"event":"e\#(n)"}"#) }
        let server = FeedServer(buffer: buffer)
        let port = try await server.start()
        let dir = try TestEnvironment.temporaryDirectory()
        let layout = dir.appendingPathComponent("fleet.yaml").path
        try """
            sources:
              - {name: fleet, url: "ws://127.0.0.1:\(port)/"}
            rows:
              - panels:
                  - kind: table
                    rows: /hosts
                    key: {title: host}
                    columns: [cpu, status]
              - panels:
                  - {kind: log, title: events, filter: /event}
            """.write(toFile: layout, atomically: true, encoding: .utf8)
        let tmux = try Tmux()
        try await tmux.run(["new-session", "-d", "-s", "main", "-x", "100", "-y", "30",
                            "TERM=\(term) LANG=C.UTF-8 '\(HeadlessEndToEndTests.binary)' \(options) --layout '\(layout)'; sleep 60"])
        try await eventually(30, "the table and the log") {
            let s = try await tmux.screen()
            return s.contains("hosts (200)") && s.contains("h00001") && s.contains("e30")
        }
        return (tmux, server, dir)
    }

    /// Where `text` is on the pane: (column, row), from 0.
    static func find(_ text: String, in screen: String) -> (x: Int, y: Int)? {
        for (y, line) in screen.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if let r = line.range(of: text) { return (line.distance(from: line.startIndex, to: r.lowerBound), y) }
        }
        return nil
    }

    /// The bytes a terminal sends for `button` (0 the left button: its press and its release, as
    /// a click is; 64 wheel up, 65 wheel down) at the cell (x, y), in the form TERM's terminfo
    /// tells ncurses to expect; sent to the pane as raw bytes (send-keys -H), as the terminal
    /// would write them. Without the release ncurses takes the next press for the same button
    /// still held and reports nothing.
    static func send(_ tmux: Tmux, term: String, button: Int, x: Int, y: Int, times: Int = 1) async throws {
        var bytes: [UInt8]
        if term.hasPrefix("xterm") {
            bytes = Array("\u{1B}[<\(button);\(x + 1);\(y + 1)M".utf8)
            if button == 0 { bytes += Array("\u{1B}[<0;\(x + 1);\(y + 1)m".utf8) }
        } else {
            bytes = [0x1B, 0x5B, 0x4D, UInt8(32 + button), UInt8(33 + x), UInt8(33 + y)]
            if button == 0 { bytes += [0x1B, 0x5B, 0x4D, 32 + 3, UInt8(33 + x), UInt8(33 + y)] }
        }
        bytes = Array([[UInt8]](repeating: bytes, count: times).joined())
        try await tmux.run(["send-keys", "-t", "main", "-H"] + bytes.map { String(format: "%02x", $0) })
    }

    static func mouseReporting(_ tmux: Tmux) async throws -> Bool {
        try await tmux.run(["display-message", "-p", "-t", "main", "#{mouse_any_flag}"]).trimmingCharacters(in: .whitespacesAndNewlines) == "1"
    }

    @Test(arguments: ["screen", "xterm-256color"])
    func aClickFocusesAndSortsAndTheWheelScrolls(_ term: String) async throws {
        let (tmux, server, dir) = try await Self.start(term: term)
        defer { tmux.stop(); Task { await server.stop() }; try? FileManager.default.removeItem(at: dir) }
        #expect(try await Self.mouseReporting(tmux), "livetop asked the terminal for the mouse")
        let screen = try await tmux.screen()
        let cpu = try #require(Self.find("cpu", in: screen), "\(screen)")
        // The first click on the header focuses the table, the second sorts by cpu (largest
        // first). Both in one write, as a quick double click (or a busy machine) gives them to
        // livetop in one read: ncurses then queues both behind one KEY_MOUSE.
        try await Self.send(tmux, term: term, button: 0, x: cpu.x + 1, y: cpu.y, times: 2)
        try await eventually(20, "sorted by cpu") {
            let s = try await tmux.screen()
            return s.contains("▾cpu") && s.split(separator: "\n").first { $0.contains("│h0") }?.contains(" 99 ") == true
        }
        // Again: the other way round, smallest first (cpu 0: h00100, h00200).
        try await Self.send(tmux, term: term, button: 0, x: cpu.x + 1, y: cpu.y)
        try await eventually(20, "sorted by cpu, smallest first") {
            let s = try await tmux.screen()
            return s.contains("▴cpu") && s.split(separator: "\n").first { $0.contains("│h0") }?.contains("h00100") == true
        }
        // Two wheel notches down over the table: six rows scrolled, said in the title.
        try await Self.send(tmux, term: term, button: 65, x: 20, y: cpu.y + 3)
        try await Self.send(tmux, term: term, button: 65, x: 20, y: cpu.y + 3)
        try await eventually(20, "the table scrolled by the wheel") { try await tmux.screen().contains("↑6 more above") }
        // A notch up over the log scrolls it back, the table staying where it is.
        let events = try #require(Self.find("events", in: try await tmux.screen()))
        try await Self.send(tmux, term: term, button: 64, x: events.x, y: events.y + 2)
        try await eventually(20, "the log scrolled by the wheel") {
            let s = try await tmux.screen()
            return s.contains("SCROLLED, 3 newer below") && !s.contains("e30") && s.contains("↑6 more above")
        }
        // A click in the log focuses it: k now scrolls the log, not the table.
        try await Self.send(tmux, term: term, button: 0, x: events.x + 4, y: events.y + 3)
        try await tmux.run(["send-keys", "-t", "main", "k"])
        try await eventually(20, "k on the log the click focused") {
            let s = try await tmux.screen()
            return s.contains("SCROLLED, 4 newer below") && s.contains("↑6 more above")
        }
        let last = try await tmux.screen()
        #expect(!last.contains("[M") && !last.contains("[<"), "no mouse bytes reached the screen:\n\(last)")
        try await tmux.run(["send-keys", "-t", "main", "q"])
        try await eventually(20, "livetop to end and leave the mouse") { try await !Self.mouseReporting(tmux) }
    }

    /// `--no-mouse`, and a TERM with no mouse in its terminfo (as a plain terminal over ssh):
    /// no mouse reporting is asked for, so the terminal's selection is its own, and the keys
    /// focus and sort as ever.
    @Test(arguments: [("screen", "--no-mouse"), ("vt100", "")])
    func withoutAMouseNothingIsAskedAndTheKeysWork(_ term: String, _ options: String) async throws {
        let (tmux, server, dir) = try await Self.start(term: term, options: options)
        defer { tmux.stop(); Task { await server.stop() }; try? FileManager.default.removeItem(at: dir) }
        #expect(try await !Self.mouseReporting(tmux))
        try await tmux.run(["send-keys", "-t", "main", "Tab"])
        try await tmux.run(["send-keys", "-t", "main", "s"])
        try await tmux.run(["send-keys", "-t", "main", "s"])
        try await eventually(20, "sorted by cpu with the keys") {
            let s = try await tmux.screen()
            return s.contains("▾cpu") || s.contains("vcpu")  // vcpu: drawn in ASCII, should the terminal need it
        }
        try await tmux.run(["send-keys", "-t", "main", "q"])
    }
}
