import Foundation
import PushLink
@testable import PushPublish
import Testing
import TestSupport

/// `livetop redis://127.0.0.1:P/channel` headless, against a real redis-server that restarts.
@Suite(.timeLimit(.minutes(2)), .startsProcesses) struct RedisEndToEndTests {
    static func json(_ line: String) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
    }

    /// Redis stopped by PID and started again on the same port: livetop says `waiting`, then `gap`
    /// (with why: Redis keeps nothing for an absent subscriber) and `open`, and what is published
    /// after that arrives, in order.
    @Test func aRedisRestartShowsAGapThenMessagesFlowAgain() async throws {
        let server = try RedisServer()
        try await server.start()
        defer { server.stop() }
        let url = "redis://127.0.0.1:\(server.port)/metrics"
        let process = ExternalProcess(HeadlessEndToEndTests.binary, ["--headless", url])
        try process.start()
        defer { process.stop() }
        try await process.stdout.wait(30, for: "open") { $0.contains { $0.contains(#""state":"open""#) } }
        let publisher = try RedisPublisher(url: url)
        try await publisher.publish([Array(#"{"cpu":1}"#.utf8), Array("plain text".utf8)])
        try await process.stdout.wait(30, for: "the first messages") { $0.contains { $0.contains("plain text") } }

        try await server.stopped()
        try await process.stdout.wait(30, for: "a waiting line") { $0.contains { $0.contains(#""state":"waiting""#) } }
        try await server.start()
        try await process.stdout.wait(30, for: "gap, then open") { lines in
            guard let gap = lines.lastIndex(where: { $0.contains(#""state":"gap""#) }) else { return false }
            return lines[gap...].contains { $0.contains(#""state":"open""#) }
        }
        try await publisher.publish((2...11).map { Array(#"{"cpu":\#($0)}"#.utf8) })
        try await process.stdout.wait(30, for: "the messages after the restart") { $0.contains { $0.contains(#""cpu":11"#) } }
        await publisher.close()
        process.signal(SIGTERM)
        #expect(try await process.exitStatus(timeout: 20) == 0)

        let lines = process.stdout.all.filter { !$0.isEmpty }.compactMap(Self.json)
        #expect(lines.count == process.stdout.all.filter { !$0.isEmpty }.count, "every line is JSON")
        let states = lines.compactMap { $0["state"] as? String }
        #expect(Array(states.prefix(2)) == ["connecting", "open"])
        let gapIndex = try #require(states.firstIndex(of: "gap"))
        #expect(states[..<gapIndex].contains("waiting"))
        #expect(states[gapIndex + 1] == "open")
        #expect(states.last == "closed")
        let gap = try #require(lines.first { $0["state"] as? String == "gap" })
        #expect(gap["transport"] as? String == "redis")
        let reason = try #require(gap["reason"] as? String)
        #expect(reason.hasPrefix("redis pub/sub keeps nothing while disconnected: messages published in the last "))
        #expect(reason.hasSuffix(" s were lost"))
        let messages = lines.filter { $0["type"] as? String == "message" }
        #expect(messages.allSatisfy { $0["transport"] as? String == "redis" })
        #expect(messages.compactMap { $0["seq"] as? Int } == Array(1...12))
        #expect(messages[1]["text"] as? String == "plain text")
        #expect(messages.compactMap { ($0["data"] as? [String: Any])?["cpu"] as? Int } == Array(1...11))
    }

    /// The dashboard on a Redis channel, in tmux: the values, the log with a control sequence
    /// shown escaped, the status line naming the transport; `q` quits with 0.
    @Test func theDashboardShowsAChannel() async throws {
        let server = try RedisServer()
        try await server.start()
        defer { server.stop() }
        let dir = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let exitFile = dir.appendingPathComponent("exit").path
        let tmux = try Tmux()
        defer { tmux.stop() }
        let url = "redis://127.0.0.1:\(server.port)/metrics"
        let command = "TERM=screen LANG=C.UTF-8 '\(HeadlessEndToEndTests.binary)' \(url); echo $? > '\(exitFile)'; sleep 60"
        try await tmux.run(["new-session", "-d", "-s", "main", "-x", "100", "-y", "30", command])
        try await eventually(20, "open") { try await tmux.screen().contains("● open redis") }
        let publisher = try RedisPublisher(url: url)
        try await publisher.publish([Array(#"{"cpu":0.42,"host":"alpha"}"#.utf8), Array("red \u{1B}[31malert".utf8)])
        await publisher.close()
        try await eventually(20, "the values and the log") {
            let s = try await tmux.screen()
            return s.contains("0.42") && s.contains("alpha") && s.contains("red \\e[31malert")
        }
        try await tmux.run(["send-keys", "-t", "main", "q"])
        try await eventually(5, "livetop to exit") { FileManager.default.fileExists(atPath: exitFile) }
        #expect(try String(contentsOfFile: exitFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) == "0")
    }

    /// `--transport` names no other transport for a redis:// URL, and a wrong password is one line.
    @Test func usageAndAuthErrorsAreOneLine() async throws {
        let usage = try await HeadlessEndToEndTests.run(["--headless", "--transport", "websocket", "redis://127.0.0.1:1/x"])
        #expect(usage.status == 64)
        #expect(usage.stderr.contains { $0.contains("a redis:// URL is Redis pub/sub only: leave out --transport") })
        let noChannel = try await HeadlessEndToEndTests.run(["--headless", "redis://127.0.0.1:1/"])
        #expect(noChannel.status == 64)
        #expect(noChannel.stderr.contains { $0.contains("missing channel: redis://host:port/channel") })

        let server = try RedisServer()
        try await server.start()
        defer { server.stop() }
        let output = try await HeadlessEndToEndTests.run(
            ["--headless", "--exit-on-close", "redis://nobody:wrong@127.0.0.1:\(server.port)/x"])
        #expect(output.status == 1)
        let closed = try #require(output.lines.last)
        #expect(closed["state"] as? String == "closed")
        let reason = try #require(closed["error"] as? String)
        #expect(reason.hasPrefix("Redis refused AUTH: WRONGPASS"))
        #expect(!(output.stderr.joined() + output.lines.description).contains("wrong@"))
    }
}
