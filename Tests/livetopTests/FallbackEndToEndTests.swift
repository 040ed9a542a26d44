import Foundation
import Testing
import TestSupport

/// The binary follows a feed whose WebSocket upgrade answers 404 over long-poll, losing and
/// repeating nothing across 100+ polls, and says why it fell back.
@Suite(.timeLimit(.minutes(3)), .startsProcesses) struct FallbackEndToEndTests {
    @Test func followsALongPollFeedAfterA404Upgrade() async throws {
        guard let python = TestEnvironment.which("python3") else { throw TimedOut(what: "python3 (missing)") }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("PushLinkTests/Servers/poll_server.py").path
        let (feed, port) = try await ExternalProcess.startServer(python, [script, "--ttl", "60", "--total", "330", "--per-poll", "3"])
        defer { feed.stop() }
        let process = ExternalProcess(HeadlessEndToEndTests.binary, [
            "--headless", "--max-messages", "330", "--poll-cursor", "query:cursor,header:X-Next-Cursor", "--poll-items", "/messages",
            "ws://127.0.0.1:\(port)/poll",
        ])
        try process.start()
        #expect(try await process.exitStatus(timeout: 40) == 0)
        let lines = try process.stdout.all.map { try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        let messages = lines.filter { $0["type"] as? String == "message" }
        #expect(messages.compactMap { ($0["data"] as? [String: Int])?["n"] } == Array(1...330))
        #expect(messages.allSatisfy { $0["transport"] as? String == "longpoll" })
        let fallbacks = lines.filter { $0["state"] as? String == "fallback" }
        #expect(fallbacks.first?["transport"] as? String == "sse")
        #expect(fallbacks.first?["reason"] as? String == "websocket upgrade answered HTTP 404 Not Found")
        #expect(fallbacks.last?["transport"] as? String == "longpoll")
        // The feed's log comes through a pipe and a reader thread: it may trail livetop's output.
        try await feed.stdout.wait(20, for: "100 polls in the feed's log") { $0.filter { $0.hasPrefix("REQ /poll?") }.count >= 100 }
    }

    /// An ordinary REST endpoint (`GET /status` answered at once with JSON): livetop says it is
    /// polling every 1 s instead of looping, and the lines say `poll`.
    @Test func pollsAPlainRESTResourceEverySecond() async throws {
        guard let python = TestEnvironment.which("python3") else { throw TimedOut(what: "python3 (missing)") }
        let (server, port) = try await ExternalProcess.startServer(python, [TestEnvironment.serverFixture("rest_server.py"), "--ttl", "60"])
        defer { server.stop() }
        let output = try await HeadlessEndToEndTests.run(["--headless", "--every", "1s", "http://127.0.0.1:\(port)/status", "--max-messages", "3"])
        #expect(output.status == 0, "\(output.stderr)")
        let fallback = try #require(output.lines.first { $0["state"] as? String == "fallback" && $0["transport"] as? String == "poll" })
        #expect(fallback["reason"] as? String == "answered at once with no cursor that moves: a plain REST resource, polling every 1 s")
        let open = try #require(output.lines.first { $0["state"] as? String == "open" })
        #expect(open["transport"] as? String == "poll" && open["every_ms"] as? Int == 1000, "\(open)")
        #expect(output.messages.count == 3 && output.messages.allSatisfy { $0["transport"] as? String == "poll" })
        #expect(output.messages.allSatisfy { ($0["data"] as? [String: Any])?["status"] as? String == "ok" })
        // The SSE try, then three polls a second apart: four requests, not thousands.
        try await server.stdout.wait(20, for: "the requests in the server's log") { $0.filter { $0.hasPrefix("REQ ") }.count >= 4 }
        #expect(server.stdout.all.filter { $0.hasPrefix("REQ ") }.count == 4, "\(server.stdout.all)")
        HeadlessEndToEndTests.checkSchema(output, transport: "poll")
    }
}
