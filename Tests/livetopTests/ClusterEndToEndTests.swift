import Foundation
import Testing
import TestSupport

/// The dashboard in tmux: the bytes livetop writes to the pty hold 👍🏽, 🇯🇵 and 👨‍👩‍👧‍👦 whole,
/// and at 20x5 the status line ends with … where it is cut (the bottom-right cell is drawn).
@Suite(.timeLimit(.minutes(2)), .startsProcesses) struct ClusterEndToEndTests {
    @Test func clustersReachThePtyWhole() async throws {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let ptyBytes = dir.appendingPathComponent("pty.bytes").path
        let feed = dir.appendingPathComponent("feed.sh").path
        try #"printf '{"thumb":"\360\237\221\215\360\237\217\275","flag":"\360\237\207\257\360\237\207\265","family":"\360\237\221\250\342\200\215\360\237\221\251\342\200\215\360\237\221\247\342\200\215\360\237\221\246"}\n'; exec sleep 60"#
            .write(toFile: feed, atomically: true, encoding: .utf8)
        let tmux = try Tmux()
        defer { tmux.stop() }
        try await tmux.run(["new-session", "-d", "-s", "main", "-x", "100", "-y", "20", "sleep 100"])
        try await tmux.run(["respawn-pane", "-k", "-t", "main",
                            "'\(tmux.tmux)' -L \(tmux.socket) wait-for piped; "
                            + "TERM=screen LANG=C.UTF-8 exec '\(HeadlessEndToEndTests.binary)' -- sh '\(feed)'"])
        try await tmux.run(["pipe-pane", "-o", "-t", "main", "cat >> '\(ptyBytes)'"])
        try await tmux.run(["wait-for", "-S", "piped"])
        try await eventually(60, "the clusters on the dashboard") { try await tmux.screen().contains("family") }
        let thumb = "\u{1F44D}\u{1F3FD}", flag = "\u{1F1EF}\u{1F1F5}", family = "👨‍👩‍👧‍👦"
        try await eventually(30, "the clusters whole in the pty bytes") {
            let bytes = (try? Data(contentsOf: URL(fileURLWithPath: ptyBytes))) ?? Data()
            return [thumb, flag, family].allSatisfy { HostileDataTests.find(Array($0.utf8), in: [UInt8](bytes)) != nil }
        }
        // At 20x5 the status line is cut with …, in its last column.
        try await tmux.run(["resize-window", "-t", "main", "-x", "20", "-y", "5"])
        try await eventually(30, "the status line cut with …") {
            let lines = try await tmux.screen().split(separator: "\n", omittingEmptySubsequences: false)
            return lines.contains { $0.hasPrefix("● ") && $0.hasSuffix("…") }
        }
        try await tmux.run(["send-keys", "-t", "main", "q"])
        try await eventually(20, "livetop to exit") {
            let command = try await tmux.run(["display-message", "-p", "-t", "main", "#{pane_dead} #{pane_current_command}"])
            return command.hasPrefix("1") || !command.contains("livetop")
        }
    }
}
