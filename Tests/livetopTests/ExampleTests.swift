import Foundation
import LiveModel
import Testing
import TestSupport
@testable import livetop

/// The layouts in examples/ work against real things: each parses without a warning, the vmstat
/// pipeline fills every panel of host.yaml, and the two-host layout shows two real Nchan channels.
@Suite(.timeLimit(.minutes(2)), .startsProcesses) struct ExampleTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../examples")
        .standardizedFileURL

    static let vmstat = """
        procs -----------memory---------- ---swap-- -----io---- -system-- ------cpu-----
         r  b   swpd   free   buff  cache   si   so    bi    bo   in   cs us sy id wa st
         1  0      0 20491264 123456 2345678    0    0     3    12  150  300  5  2 92  1  0
         9  1   2048 20490000 123460 2345700    0    0     0    40  180  350 70 28  1  1  0

        """

    @Test(arguments: ["demo.yaml", "host.yaml", "nchan-two-hosts.yaml"])
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

    @Test func theVmstatPipelineFillsEveryPanelOfTheHostLayout() async throws {
        let lines = try await Self.vmstatJSON()
        #expect(lines.count == 2)
        let layout = try LayoutFile.load(path: Self.examples.appendingPathComponent("host.yaml").path).layout
        var store = LiveStore()
        store.apply(.messages(MessageBatch(texts: lines), at: Timestamp(seconds: 1)))
        #expect(store.stats.jsonMessages == 2)
        for panel in layout.panels {
            #expect(!PanelContent(panel, store: store).isEmpty, "panel \(panel.title) has no data")
        }
        let busy = try #require(layout.panels.first { $0.title == "cpu busy" })
        #expect(PanelContent(busy, store: store).worstLevel == .crit)
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
