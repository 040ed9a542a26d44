import Foundation
import LiveModel
import Testing
import TestSupport
@testable import livetop

/// The layouts in examples/ work against real things: each parses without a warning, host.yaml's
/// commands (vmstat, free, df, ps, /proc/loadavg) fill every one of its panels, and the two-host
/// layout shows two real Nchan channels.
@Suite(.timeLimit(.minutes(2)), .startsProcesses) struct ExampleTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../examples")
        .standardizedFileURL

    static let vmstat = """
        procs -----------memory---------- ---swap-- -----io---- -system-- ------cpu-----
         r  b   swpd   free   buff  cache   si   so    bi    bo   in   cs us sy id wa st
         1  0      0 20491264 123456 2345678    0    0     3    12  150  300  5  2 92  1  0
         9  1   2048 20490000 123460 2345700    0    0     0    40  180  350 70 28  1  1  0

        """

    @Test(arguments: ["demo.yaml", "demo-bars.yaml", "host.yaml", "host-ssh.yaml", "nchan-two-hosts.yaml", "node-exporter.yaml"])
    func parsesWithoutWarnings(_ name: String) throws {
        let (layout, warnings) = try LayoutFile.load(path: Self.examples.appendingPathComponent(name).path)
        #expect(warnings.isEmpty, "\(warnings)")
        #expect(!layout.panels.isEmpty)
    }

    /// vmstat's output through examples/vmstat-to-json.sh: every panel of host.yaml has data, and
    /// the busy CPU of the second line is crit.
    static func vmstatJSON() async throws -> [String] {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("vmstat.txt")
        try Self.vmstat.write(to: input, atomically: true, encoding: .utf8)
        let script = Self.examples.appendingPathComponent("vmstat-to-json.sh").path
        let convert = ExternalProcess("/bin/sh", ["-c", "sh '\(script)' < '\(input.path)'"], environment: ["HOST": "alpha"])
        try convert.start()
        #expect(try await convert.exitStatus(timeout: 20) == 0)
        return convert.stdout.all.filter { !$0.isEmpty }
    }

    /// host.yaml for real: livetop runs its commands, and the messages each source printed fold
    /// into stores that give every panel a value.
    @Test func theHostLayoutsCommandsFillEveryPanel() async throws {
        let path = Self.examples.appendingPathComponent("host.yaml").path
        let layout = try LayoutFile.load(path: path).layout
        let livetop = ExternalProcess(HeadlessEndToEndTests.binary, ["--layout", path, "--headless"])
        try livetop.start()
        defer { livetop.stop() }
        let names = layout.sources.map(\.name)
        // vmstat's second line: its first reports averages since boot.
        try await livetop.stdout.wait(30, for: "a message from every source") { lines in
            names.allSatisfy { name in
                lines.filter { $0.contains(#""type":"message""#) && $0.contains(#""source":"\#(name)""#) }.count >= (name == "vmstat" ? 2 : 1)
            }
        }
        livetop.signal(SIGTERM)
        #expect(try await livetop.exitStatus(timeout: 20) == 0)
        var stores = layout.sources.map { spec in LiveStore(LiveStore.Configuration(fold: spec.every != nil ? .replace : .merge, select: nil)) }
        for line in livetop.stdout.all where line.contains(#""type":"message""#) {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let index = try #require(names.firstIndex(of: object["source"] as? String ?? ""))
            let data = try JSONSerialization.data(withJSONObject: try #require(object["data"]))
            stores[index].apply(.messages(MessageBatch(texts: [String(decoding: data, as: UTF8.self)]), at: Timestamp(seconds: 1)))
        }
        for panel in layout.panels {
            #expect(!PanelContent(panel, store: stores[panel.source]).isEmpty, "panel \(panel.title) has no data")
        }
    }

    /// examples/nchan-two-hosts.yaml against a real nginx + Nchan: two channels, each host's
    /// vmstat published with curl, both sources' messages in the JSON lines.
    @Test func theTwoHostLayoutShowsTwoNchanChannels() async throws {
        let lines = try await Self.vmstatJSON()
        let nchan = try await NchanServer()
        try await nchan.start()
        defer { nchan.stop() }
        for (channel, line) in [("host1", lines[0]), ("host2", lines[1])] {
            try await nchan.publish(channel, text: line)
        }
        let layout = Self.examples.appendingPathComponent("nchan-two-hosts.yaml").path
        let livetop = ExternalProcess(HeadlessEndToEndTests.binary, [
            "--layout", layout, "--headless",
            "ws://127.0.0.1:\(nchan.port)/sub/host1", "ws://127.0.0.1:\(nchan.port)/sub/host2",
        ])
        try livetop.start()
        defer { livetop.stop() }
        try await livetop.stdout.wait(30, for: "a message from each host") { out in
            out.contains { $0.contains(#""type":"message""#) && $0.contains(#""source":"host1""#) && $0.contains(#""user":5"#) }
                && out.contains { $0.contains(#""type":"message""#) && $0.contains(#""source":"host2""#) && $0.contains(#""user":70"#) }
        }
        livetop.signal(SIGTERM)
        #expect(try await livetop.exitStatus(timeout: 20) == 0)
    }
}
