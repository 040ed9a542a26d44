import Foundation
import LinkWire
import LiveModel
import Testing
import TestSupport
@testable import PushLink

/// Streamed JSON over HTTP (NDJSON, JSON text sequences) against a Kubernetes-watch-style Python
/// feed (Tests/PushLinkTests/Servers/ndjson_server.py).
@Suite(.timeLimit(.minutes(2)), .startsProcesses) struct StreamLinkTests {
    static func startFeed(_ arguments: [String]) async throws -> (ExternalProcess, Int) {
        let python = try RealServerTests.require("python3", "apt-get install python3")
        return try await ExternalProcess.startServer(python, [try RealServerTests.fixture("ndjson_server.py"), "--ttl", "90",
                                                                "--port", String(try TestEnvironment.freePort())] + arguments)
    }

    static func numbers(_ messages: [String]) -> [Int] {
        messages.compactMap { text in
            ((try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any])
                .flatMap { ($0["object"] as? [String: Any])?["n"] as? Int }
        }
    }

    static let resourceVersion = PollCursor.Convention.query(name: "resourceVersion", from: .body("/object/metadata/resourceVersion"))

    /// `--transport auto` on a ws:// URL: the upgrade is refused, SSE is answered with NDJSON, and
    /// the link moves to the JSON stream, every event once and in order.
    @Test func autoDetectsAnNDJSONAnswerAndReadsOneMessagePerLine() async throws {
        let (feed, port) = try await Self.startFeed(["--total", "2000"])
        defer { feed.stop() }
        let run = try LinkRun(url: "ws://127.0.0.1:\(port)/watch")
        try await run.waitForMessages(2000, timeout: 60)
        #expect(Self.numbers(run.messages) == Array(1...2000))
        let fallbacks = run.states.compactMap { if case .fallback(let t, let r) = $0 { return "\(t): \(r)" } else { return nil } }
        #expect(fallbacks == ["sse: websocket upgrade answered HTTP 404 Not Found",
                              "stream: event stream answered HTTP 200 with Content-Type application/x-ndjson"], "\(fallbacks)")
        #expect(await run.stop())
    }

    /// A Kubernetes watch says `application/json`: `--transport stream` reads it all the same.
    /// The server stops at 500 and goes away; the one started in its place is asked for what came
    /// after resourceVersion 500, and 501…1000 follow: nothing lost, nothing repeated.
    @Test func aRestartedServerIsResumedFromTheCursorWithoutLoss() async throws {
        let (first, port) = try await Self.startFeed(["--total", "1000", "--stop-after", "500", "--content-type", "application/json"])
        let run = try LinkRun(url: "http://127.0.0.1:\(port)/watch") {
            $0.transport = .stream
            $0.pollCursor = Self.resourceVersion
        }
        try await run.waitForMessages(500, timeout: 30)
        try await first.stopped()
        try await run.waitForState(20, "waiting after the server went away") { $0.waitingError != nil }
        let python = try RealServerTests.require("python3", "apt-get install python3")
        let second = ExternalProcess(python, [try RealServerTests.fixture("ndjson_server.py"), "--ttl", "90", "--port", String(port),
                                              "--total", "1000", "--content-type", "application/json"])
        try second.start()
        defer { second.stop() }
        try await run.waitForMessages(1000, timeout: 60)
        #expect(Self.numbers(run.messages) == Array(1...1000))
        try await second.stdout.wait(20, for: "REQ /watch?resourceVersion=500 in the second server's log") {
            $0.contains("REQ /watch?resourceVersion=500")
        }
        #expect(run.states.filter(\.isOpen).count == 2)
        #expect(await run.stop())
    }

    /// A cursor the server no longer has (410): the link says there is a gap and starts again
    /// from what the server has.
    @Test func aCursorTheServerNoLongerHasIsAGap() async throws {
        let (first, port) = try await Self.startFeed(["--total", "20", "--stop-after", "10"])
        let run = try LinkRun(url: "http://127.0.0.1:\(port)/watch") {
            $0.transport = .stream
            $0.pollCursor = Self.resourceVersion
        }
        try await run.waitForMessages(10, timeout: 30)
        try await first.stopped()
        let python = try RealServerTests.require("python3", "apt-get install python3")
        let second = ExternalProcess(python, [try RealServerTests.fixture("ndjson_server.py"), "--ttl", "90", "--port", String(port),
                                              "--total", "20", "--oldest", "15"])
        try second.start()
        defer { second.stop() }
        try await run.waitForState(30, "a gap") { if case .gap(.stream, _, _) = $0 { return true } else { return false } }
        try await run.waitForMessages(30, timeout: 30)
        #expect(Array(Self.numbers(run.messages).suffix(20)) == Array(1...20))
        #expect(await run.stop())
    }

    /// RFC 7464 JSON text sequences: the record separator is not part of the message, and a
    /// response that ends closes the stream normally.
    @Test func jsonTextSequences() async throws {
        let (feed, port) = try await Self.startFeed(["--total", "300"])
        defer { feed.stop() }
        var c = LinkConfiguration(url: try FeedURL("http://127.0.0.1:\(port)/seq"))
        c.reconnect.exitOnClose = true
        let run = LinkRun(c)
        try await run.waitForMessages(300, timeout: 30)
        #expect(Self.numbers(run.messages) == Array(1...300))
        #expect(run.messages.allSatisfy { $0.first == "{" })
        #expect(run.states.contains { if case .fallback(.stream, _) = $0 { return true } else { return false } })
        #expect(await run.runner.value)
    }

    @Test(arguments: [
        (LinkError.notEventStream(status: 200, contentType: "application/x-ndjson; charset=utf-8"), Transport.stream),
        (.notEventStream(status: 200, contentType: "application/json-seq"), .stream),
        (.notEventStream(status: 204, contentType: ""), .longpoll),
        (.notEventStream(status: 200, contentType: "application/json"), .longpoll),
    ])
    func theAnswerToSSEDecidesBetweenStreamAndLongPoll(_ error: LinkError, _ next: Transport) throws {
        var plan = TransportPlan(forced: nil, url: try FeedURL("http://127.0.0.1:1/x"))
        #expect(plan.fallback(after: error) != nil)
        #expect(plan.current == next)
    }
}
