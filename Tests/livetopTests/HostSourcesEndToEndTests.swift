import Foundation
import Testing
import TestSupport

/// What users have on the hosts they watch, through the built binary: vmstat, df, ps and iostat
/// read as tables, and Debian's prometheus-node-exporter read as Prometheus text.
@Suite(.timeLimit(.minutes(2)), .startsProcesses) struct HostSourcesEndToEndTests {
    static func required(_ name: String, package: String) throws -> String {
        guard let path = TestEnvironment.which(name) else {
            // CI installs it (Scripts/test.sh); elsewhere say what is missing rather than pass.
            throw MissingTool(description: "\(name) (apt-get install \(package); Scripts/test.sh installs it)")
        }
        return path
    }

    static func data(_ output: HeadlessEndToEndTests.Output) -> [[String: Any]] {
        output.messages.compactMap { $0["data"] as? [String: Any] }
    }

    @Test func vmstatLinesAreFieldsWithNumbers() async throws {
        _ = try Self.required("vmstat", package: "procps")
        let output = try await HeadlessEndToEndTests.run(["--headless", "--parse", "columns", "--max-messages", "2", "--", "vmstat", "-n", "1"])
        #expect(output.status == 0)
        let rows = Self.data(output)
        #expect(rows.count == 2, "the two header lines are not messages")
        for row in rows {
            for key in ["r", "b", "free", "us", "sy", "id", "wa"] { #expect(row[key] is NSNumber, "\(key) in \(row)") }
        }
    }

    @Test func dfPsAndIostatRunsAreTablesKeyedByTheirFirstColumn() async throws {
        let df = try await HeadlessEndToEndTests.run(["--headless", "--every", "1s", "--parse", "columns", "--max-messages", "1", "--", "df", "-P", "/"])
        let disk = try #require(Self.data(df).first?.values.first as? [String: Any])
        #expect(disk["Mounted on"] as? String == "/")
        #expect(disk["Capacity"] is NSNumber, "a percentage is its number: \(disk)")

        _ = try Self.required("ps", package: "procps")
        let ps = try await HeadlessEndToEndTests.run(["--headless", "--every", "1s", "--parse", "columns", "--max-messages", "1", "--",
                                                      "ps", "-eo", "pid,pcpu,pmem,comm"])
        let processes = try #require(Self.data(ps).first)
        let one = try #require(processes["1"] as? [String: Any], "PID 1 is a row: \(processes.keys.prefix(5))")
        #expect(one["%CPU"] is NSNumber && one["COMMAND"] is String)

        _ = try Self.required("iostat", package: "sysstat")
        let iostat = try await HeadlessEndToEndTests.run(["--headless", "--every", "1s", "--parse", "columns", "--max-messages", "1", "--",
                                                          "iostat", "-x"])
        let report = try #require(Self.data(iostat).first)
        let cpu = try #require(report["avg-cpu"] as? [String: Any], "\(report.keys)")
        #expect(cpu["%idle"] is NSNumber)
    }

    /// A prometheus-node-exporter the test starts on a free port: found to be a plain resource
    /// and polled every interval, each scrape one message of numbers, node_load1 among them.
    @Test func nodeExporterIsPolledAndReadAsPrometheusText() async throws {
        let (exporter, port) = try await Self.startNodeExporter()
        defer { exporter.stop() }
        let output = try await HeadlessEndToEndTests.run(["--headless", "--every", "500ms", "--max-messages", "2",
                                                          "http://127.0.0.1:\(port)/metrics"])
        #expect(output.status == 0)
        #expect(output.lines.contains { $0["state"] as? String == "open" && $0["transport"] as? String == "poll" })
        let scrapes = Self.data(output)
        #expect(scrapes.count == 2)
        for scrape in scrapes {
            #expect(scrape["node_load1"] is NSNumber)
            #expect(scrape.keys.contains { $0.hasPrefix("node_cpu_seconds_total{cpu=\"0\"") })
        }
    }

    /// examples/node-exporter.yaml against the real exporter, on the dashboard: load and the
    /// per-second rate of node_cpu_seconds_total.
    @Test func theNodeExporterLayoutShowsLoadAndACPURate() async throws {
        let (exporter, port) = try await Self.startNodeExporter()
        defer { exporter.stop() }
        let directory = try TestEnvironment.temporaryDirectory()
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../examples/node-exporter.yaml")
        let layout = try String(contentsOf: example, encoding: .utf8)
            .replacingOccurrences(of: "127.0.0.1:9100", with: "127.0.0.1:\(port)")
            .replacingOccurrences(of: "every: 2s", with: "every: 500ms")
        let path = directory.appendingPathComponent("node.yaml")
        try layout.write(to: path, atomically: true, encoding: .utf8)
        let tmux = try Tmux()
        defer { tmux.stop() }
        // NO_COLOR set on purpose (`swift test` sets it anyway): the chart's four series then draw
        // their own marks, and its legend shows them (`*` for the first) in place of `●`.
        let command = "TERM=screen LANG=C.UTF-8 NO_COLOR=1 '\(HeadlessEndToEndTests.binary)' --layout '\(path.path)'; sleep 60"
        try await tmux.run(["new-session", "-d", "-s", "main", "-x", "140", "-y", "30", command])
        try await eventually(30, "load and a cpu rate on the dashboard") {
            let s = try await tmux.screen()
            // A rate needs two scrapes: its legend has a last value once it does.
            return s.contains("● open polling every 0.5 s") && s.contains("load 1m")
                && s.range(of: #"\* node_cpu_seconds_total\{cpu="0",mode="user"\}  min [0-9.]+  max [0-9.]+  last \d"#,
                           options: .regularExpression) != nil
        }
        try await tmux.run(["send-keys", "-t", "main", "q"])
    }

    /// Debian's node_exporter on a free loopback port; it says where it listens on stderr.
    static func startNodeExporter() async throws -> (ExternalProcess, Int) {
        let binary = try required("prometheus-node-exporter", package: "prometheus-node-exporter")
        let port = try TestEnvironment.freePort()
        let exporter = ExternalProcess(binary, ["--web.listen-address=127.0.0.1:\(port)"])
        try exporter.start()
        do {
            try await exporter.stderr.wait(20, for: "node_exporter listening on \(port)") { lines in
                lines.contains { $0.contains("Listening on") && $0.contains(":\(port)") }
            }
        } catch {
            exporter.stop()
            throw error
        }
        return (exporter, port)
    }
}
