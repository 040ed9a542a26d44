import FeedServe
import Foundation
import PushLink
import Testing
import TestSupport

/// A table of 10,000 hosts in tmux, as a fleet dashboard would have it: every host kept (the
/// default `--max-keys`), counted in the title, and every row reachable with the keys.
@Suite(.timeLimit(.minutes(2)), .startsProcesses) struct TableEndToEndTests {
    static func fleet(_ count: Int) -> String {
        let states = ["up", "up", "up", "degraded", "down"]
        let hosts = (1...count).map { n in
            let name = "h" + String(repeating: "0", count: max(0, 5 - String(n).count)) + String(n)
            return #""\#(name)":{"cpu":\#(n % 100),"status":"\#(states[n % states.count])"}"#
        }
        return #"{"hosts":{"# + hosts.joined(separator: ",") + "}}"
    }

    @Test func tenThousandHostsAreAllReachable() async throws {
        let buffer = FeedBuffer()
        buffer.publish(text: Self.fleet(10_000))
        let server = FeedServer(buffer: buffer)
        let port = try await server.start()
        defer { Task { await server.stop() } }
        let dir = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let layout = dir.appendingPathComponent("fleet.yaml").path
        try """
            sources:
              - {name: fleet, url: "ws://127.0.0.1:\(port)/"}
            rows:
              - panels:
                  - kind: table
                    rows: /hosts
                    key: {title: host}
                    columns: [cpu, {key: status, thresholds: {up: ok, degraded: warn, down: crit}}]
            """.write(toFile: layout, atomically: true, encoding: .utf8)
        let tmux = try Tmux()
        defer { tmux.stop() }
        try await tmux.run(["new-session", "-d", "-s", "main", "-x", "100", "-y", "30",
                            "TERM=screen LANG=C.UTF-8 '\(HeadlessEndToEndTests.binary)' --layout '\(layout)'; sleep 60"])
        try await eventually(30, "the table of 10,000 hosts") {
            let s = try await tmux.screen()
            return s.contains("hosts (10,000)") && s.contains("h00001") && s.contains("more rows")
        }
        let first = try await tmux.screen()
        #expect(first.contains("host") && !first.contains("evicted"), "\(first)")
        // Focus the table, then a page down: the first host is gone and the title says how far.
        try await tmux.run(["send-keys", "-t", "main", "Tab"])
        try await tmux.run(["send-keys", "-t", "main", "PgDn"])
        try await eventually(20, "a page down") {
            let s = try await tmux.screen()
            return !s.contains("h00001 ") && s.contains("more above")
        }
        // G: the last page, the last host on it, nothing more below.
        try await tmux.run(["send-keys", "-t", "main", "G"])
        try await eventually(20, "the last host") {
            let s = try await tmux.screen()
            return s.contains("h10000") && !s.contains("more rows")
        }
        let last = try await tmux.screen()
        #expect(last.contains("h09999") && last.contains("more above"), "\(last)")
        // k steps back one row: h10000 is off the bottom, and the count of rows below is true.
        try await tmux.run(["send-keys", "-t", "main", "k"])
        try await eventually(20, "one row back") {
            let s = try await tmux.screen()
            return !s.contains("h10000") && s.contains("+2 more rows")
        }
        // g (Home): back at the top.
        try await tmux.run(["send-keys", "-t", "main", "g"])
        try await eventually(20, "the top again") {
            let s = try await tmux.screen()
            return s.contains("h00001") && !s.contains("more above")
        }
        try await tmux.run(["send-keys", "-t", "main", "q"])
    }
}
