import FeedServe
import Foundation
import LinkWire
import LiveModel
import PushLink
import Testing
import TestSupport
@testable import livetop

/// The built binary with layout files: alerts in JSON lines and `--exit-on-alert`, bad files as one
/// line and exit 64, `--print-layout`, and two feeds on one screen in tmux with one server killed.
@Suite(.timeLimit(.minutes(2)), .startsProcesses) struct LayoutEndToEndTests {
    static func write(_ yaml: String, in dir: URL, name: String = "layout.yaml") throws -> String {
        let path = dir.appendingPathComponent(name).path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func alertLayout(port: Int) -> String {
        """
        sources:
          - {name: api, url: "ws://127.0.0.1:\(port)/"}
        rows:
          - panels:
              - kind: tile
                title: latency
                value: /latency_ms
                thresholds: {warn: 200, crit: 1000}
                alert: {level: crit, for: 300ms}
        """
    }

    /// A value over `crit` for the hold time: one `alert` line (raised by the hold timer, with no
    /// new message), then `alert_cleared` when it drops; message lines carry the source.
    @Test func aValueHeldOverCritPrintsOneAlertThenAlertCleared() async throws {
        let buffer = FeedBuffer()
        buffer.publish(text: #"{"latency_ms":17}"#)
        let server = FeedServer(buffer: buffer)
        let port = try await server.start()
        defer { Task { await server.stop() } }
        let dir = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let layout = try Self.write(Self.alertLayout(port: port), in: dir)
        let livetop = ExternalProcess(HeadlessEndToEndTests.binary, ["--layout", layout, "--headless"])
        try livetop.start()
        defer { livetop.stop() }
        try await livetop.stdout.wait(20, for: "the first message") { $0.contains { $0.contains(#""latency_ms":17"#) } }
        buffer.publish(text: #"{"latency_ms":4700}"#)
        try await livetop.stdout.wait(20, for: "an alert line") { $0.contains { $0.contains(#""type":"alert""#) } }
        buffer.publish(text: #"{"latency_ms":4800}"#)
        buffer.publish(text: #"{"latency_ms":20}"#)
        try await livetop.stdout.wait(20, for: "alert_cleared") { $0.contains { $0.contains(#""type":"alert_cleared""#) } }
        livetop.signal(SIGTERM)
        #expect(try await livetop.exitStatus(timeout: 20) == 0)

        let lines = try livetop.stdout.all.filter { !$0.isEmpty }.map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        let alerts = lines.filter { ($0["type"] as? String)?.hasPrefix("alert") == true }
        #expect(alerts.count == 2)
        #expect(alerts.first?["type"] as? String == "alert" && alerts.last?["type"] as? String == "alert_cleared")
        for (alert, value) in zip(alerts, [4700, 20]) {
            #expect(alert["source"] as? String == "api" && alert["panel"] as? String == "latency")
            #expect(alert["pointer"] as? String == "/latency_ms" && alert["level"] as? String == "crit")
            #expect(alert["value"] as? Int == value)
        }
        let messages = lines.filter { $0["type"] as? String == "message" }
        #expect(messages.count == 4 && messages.allSatisfy { $0["source"] as? String == "api" })
        // The alert came after the value that crossed, and before the value that ended it.
        let order = lines.compactMap { line -> String? in
            if let type = line["type"] as? String, type.hasPrefix("alert") { return type }
            return ((line["data"] as? [String: Any])?["latency_ms"] as? Int).map(String.init)
        }
        #expect(order == ["17", "4700", "alert", "4800", "20", "alert_cleared"])
    }

    @Test func exitOnAlertEndsWithStatusThree() async throws {
        let buffer = FeedBuffer()
        buffer.publish(text: #"{"latency_ms":9000}"#)
        let server = FeedServer(buffer: buffer)
        let port = try await server.start()
        defer { Task { await server.stop() } }
        let dir = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = try await HeadlessEndToEndTests.run(["--layout", try Self.write(Self.alertLayout(port: port), in: dir), "--exit-on-alert"])
        #expect(out.status == 3, "\(out.stderr)")
        #expect(out.lines.filter { $0["type"] as? String == "alert" }.count == 1)
    }

    @Test(arguments: [
        ("rows:\n  - panels:\n      - {kind: pie, value: /x}\n", "3:16: unknown panel kind 'pie'; expected tile, chart, gauge, bars, table, log or text"),
        ("rows:\n  - panels:\n      - {kind: tile, value: cpu}\n", "3:29: 'cpu' is not a JSON pointer"),
        ("rows: [{panels: [{kind: tile, source: db, value: /x}]}]\n", "1:39: no source named 'db'"),
        ("rows: [\n", "invalid YAML"),
    ])
    func aBadFileIsOneLineAndExit64(_ yaml: String, _ expected: String) async throws {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try Self.write(yaml, in: dir)
        let out = try await HeadlessEndToEndTests.run(["--layout", path, "ws://127.0.0.1:9/"])
        #expect(out.status == 64)
        #expect(out.lines.isEmpty)
        #expect(out.stderr.count == 1, "\(out.stderr)")
        #expect(out.stderr.first?.hasPrefix("livetop: \(path):") == true && out.stderr.first?.contains(expected) == true, "\(out.stderr)")
    }

    @Test func unknownKeysAreWarningsAndTheLayoutRuns() async throws {
        let buffer = FeedBuffer()
        buffer.publish(text: #"{"cpu":5}"#)
        let server = FeedServer(buffer: buffer)
        let port = try await server.start()
        defer { Task { await server.stop() } }
        let dir = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try Self.write("rows: [{panels: [{kind: tile, value: /cpu, colour: red}]}]\n", in: dir)
        let out = try await HeadlessEndToEndTests.run(["--layout", path, "--max-messages", "1", "ws://127.0.0.1:\(port)/"])
        #expect(out.status == 0)
        #expect(out.stderr == ["livetop: warning: \(path):1:44: unknown key 'colour' in panel (ignored)"])
        #expect(out.lines.contains { $0["source"] as? String == "main" && $0["type"] as? String == "message" })
    }

    @Test func printLayoutWritesAWorkingLayoutForTheFeed() async throws {
        let buffer = FeedBuffer()
        buffer.publish(text: #"{"cpu_pct":12.5,"host":"alpha","services":{"api":{"status":"up","latency_ms":17}}}"#)
        let server = FeedServer(buffer: buffer)
        let port = try await server.start()
        defer { Task { await server.stop() } }
        let process = ExternalProcess(HeadlessEndToEndTests.binary, ["--print-layout", "ws://127.0.0.1:\(port)/"])
        try process.start()
        defer { process.stop() }
        #expect(try await process.exitStatus(timeout: 20) == 0)
        let yaml = process.stdout.all.joined(separator: "\n")
        let (layout, warnings) = try LayoutFile.parse(yaml, file: "printed")
        let url = SourceAddress.feed(try FeedURL("ws://127.0.0.1:\(port)/"))
        #expect(warnings.isEmpty && layout.sources.first?.url == url)
        #expect(layout.panels.map { "\($0.kind):\($0.title)" } == ["gauge:cpu_pct", "tile:host", "table:services", "log:log"])
        #expect(yaml.hasPrefix("# livetop layout"))
    }

    /// Two feeds on one screen: one server is killed; the other feed's panels keep updating, the
    /// dead feed's status line counts down, and it recovers when its server returns.
    @Test func twoFeedsOneKilledTheOtherKeepsUpdatingAndItRecovers() async throws {
        let eastBuffer = FeedBuffer(), westBuffer = FeedBuffer()
        eastBuffer.publish(text: #"{"cpu":1}"#)
        westBuffer.publish(text: #"{"cpu":500}"#)
        let east = FeedServer(buffer: eastBuffer)
        let eastPort = try await east.start()
        defer { Task { await east.stop() } }
        let west = FeedServer(buffer: westBuffer)
        // Below the ephemeral range: a client reconnecting to the dead port can never be handed
        // that same port as its own source (a TCP self-connect), nor can another connection hold it.
        let westPort = try await west.start(port: try TestEnvironment.freePort())
        let dir = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let layout = try Self.write("""
            sources:
              - {name: east, url: "ws://127.0.0.1:\(eastPort)/", transport: websocket}
              - {name: west, url: "ws://127.0.0.1:\(westPort)/", transport: websocket}
            rows:
              - panels:
                  - {kind: tile, title: east cpu, source: east, value: /cpu}
                  - {kind: tile, title: west cpu, source: west, value: /cpu}
            """, in: dir)
        let tmux = try Tmux()
        defer { tmux.stop() }
        try await tmux.run(["new-session", "-d", "-s", "main", "-x", "100", "-y", "20",
                            "TERM=screen LANG=C.UTF-8 '\(HeadlessEndToEndTests.binary)' --layout '\(layout)'; sleep 60"])
        try await eventually(20, "both feeds' values") {
            let s = try await tmux.screen()
            return s.contains("east ● open") && s.contains("west ● open") && s.contains("500")
        }
        await west.stop()
        try await eventually(20, "the west countdown") {
            let s = try await tmux.screen()
            return s.contains("west ● waiting") && s.contains("reconnecting in")
        }
        // East goes on while west is down.
        for n in 2...4 {
            eastBuffer.publish(text: #"{"cpu":\#(n * 1111)}"#)
            try await eventually(20, "east at \(n * 1111)") { try await tmux.screen().contains("\(n * 1111)") }
        }
        let meanwhile = try await tmux.screen()
        #expect(meanwhile.contains("west ● waiting") || meanwhile.contains("west ● connecting"))
        // West comes back on the same port with a new value.
        westBuffer.publish(text: #"{"cpu":777}"#)
        let back = FeedServer(buffer: westBuffer)
        _ = try await back.start(port: westPort)
        defer { Task { await back.stop() } }
        try await eventually(40, "west open again") {
            let s = try await tmux.screen()
            return s.contains("west ● open") && s.contains("777")
        }
        try await tmux.run(["send-keys", "-t", "main", "q"])
    }
}
