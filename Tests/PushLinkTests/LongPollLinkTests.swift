import Foundation
import LinkWire
import Testing
import TestSupport
@testable import PushLink

/// Long-poll and SSE against the generic Python feed (Tests/PushLinkTests/Servers/poll_server.py).
@Suite(.timeLimit(.minutes(2)), .startsProcesses) struct LongPollLinkTests {
    static func startFeed(_ arguments: [String]) async throws -> (ExternalProcess, Int) {
        let python = try RealServerTests.require("python3", "apt-get install python3")
        return try await ExternalProcess.startServer(python, [try RealServerTests.fixture("poll_server.py"), "--ttl", "90"] + arguments)
    }

    static func expected(_ range: ClosedRange<Int>) -> [String] { range.map { #"{"n":\#($0)}"# } }

    /// The must-show: a WebSocket upgrade answered 404 is followed over long-poll with no loss and
    /// no duplicates across 100+ polls, and the fallback says why.
    @Test func followsAFeedOverLongPollAfterTheUpgradeIsRefused() async throws {
        let (feed, port) = try await Self.startFeed(["--total", "330", "--per-poll", "3"])
        defer { feed.stop() }
        let run = try LinkRun(url: "ws://127.0.0.1:\(port)/poll") {
            $0.pollCursor = .query(name: "cursor", from: .header("X-Next-Cursor"))
            $0.pollItems = "/messages"
        }
        try await run.waitForMessages(330, timeout: 60)
        #expect(run.messages == Self.expected(1...330))
        let fallbacks = run.states.compactMap { if case .fallback(let t, let r) = $0 { return "\(t): \(r)" } else { return nil } }
        #expect(fallbacks == [
            "sse: websocket upgrade answered HTTP 404 Not Found",
            "longpoll: event stream answered HTTP 204",
        ] || fallbacks.first == "sse: websocket upgrade answered HTTP 404 Not Found" && fallbacks.last?.hasPrefix("longpoll: ") == true,
                "\(fallbacks)")
        // The feed's log comes through a pipe and a reader thread: it may trail what the link saw.
        try await feed.stdout.wait(20, for: "100 polls in the feed's log") { $0.filter { $0.hasPrefix("REQ /poll?") }.count >= 100 }
        #expect(await run.stop())
    }

    @Test func consulStyle() async throws {
        let (feed, port) = try await Self.startFeed(["--total", "60", "--per-poll", "7"])
        defer { feed.stop() }
        let run = try LinkRun(url: "http://127.0.0.1:\(port)/v1/kv?wait=1s") {
            $0.transport = .longpoll
            $0.pollCursor = .query(name: "index", from: .header("X-Consul-Index"))
        }
        try await run.waitForMessages(60, timeout: 30)
        #expect(run.messages == Self.expected(1...60))
        try await feed.stdout.wait(20, for: "a request with the cursor in the feed's log") { $0.contains { $0.contains("index=") && $0.contains("wait=1s") } }
        #expect(await run.stop())
    }

    @Test func couchDBStyle() async throws {
        let (feed, port) = try await Self.startFeed(["--total", "60", "--per-poll", "5"])
        defer { feed.stop() }
        let run = try LinkRun(url: "http://127.0.0.1:\(port)/db/_changes?feed=longpoll") {
            $0.transport = .longpoll
            $0.pollCursor = .query(name: "since", from: .body("/last_seq"))
            $0.pollItems = "/results"
        }
        try await run.waitForMessages(60, timeout: 30)
        #expect(run.messages == Self.expected(1...60))
        #expect(await run.stop())
    }

    /// A held poll that ends with nothing new (204, `[]`, an empty result, after the feed's 1.5 s
    /// hold) keeps the link on long-poll and the next poll goes out at once: only an answer at
    /// once with no cursor that moves is a plain REST resource's.
    @Test(arguments: [
        ("/v1/kv", "index", PollCursor.Convention.query(name: "index", from: .header("X-Consul-Index")), nil),
        ("/db/_changes?feed=longpoll", "since", .query(name: "since", from: .body("/last_seq")), "/results"),
        ("/poll", "cursor", .query(name: "cursor", from: .header("X-Next-Cursor")), "/messages"),
    ] as [(String, String, PollCursor.Convention, String?)])
    func aHeldPollAnsweredWithNothingNewStaysALongPoll(_ path: String, _ name: String, _ convention: PollCursor.Convention,
                                                        _ items: String?) async throws {
        let (feed, port) = try await Self.startFeed(["--total", "5", "--per-poll", "5"])
        defer { feed.stop() }
        let run = try LinkRun(url: "http://127.0.0.1:\(port)\(path)") {
            $0.transport = .longpoll
            $0.pollCursor = convention
            $0.pollItems = items
        }
        try await run.waitForMessages(5, timeout: 20)
        // Two polls from the last cursor: the first was held and answered empty, the second followed.
        try await feed.stdout.wait(20, for: "two polls with \(name)=5") { $0.filter { $0.contains("\(name)=5") }.count >= 2 }
        #expect(await run.stop())
        #expect(run.messages == Self.expected(1...5))
        let opened = run.states.compactMap { if case .open(let t, _) = $0 { return t } else { return nil } }
        #expect(opened == [.longpoll], "\(run.states)")
        #expect(!run.states.contains { if case .fallback = $0 { return true } else { return false } }, "\(run.states)")
    }

    @Test func aForgottenCursorIsAVisibleGapAndPollingGoesOn() async throws {
        // After the first poll, 50 messages come at once but only the last 10 are kept.
        let (feed, port) = try await Self.startFeed(["--total", "100", "--per-poll", "3", "--interval-ms", "1000",
                                                     "--keep", "10", "--burst-after-first", "50"])
        defer { feed.stop() }
        let run = try LinkRun(url: "http://127.0.0.1:\(port)/poll") {
            $0.transport = .longpoll
            $0.pollItems = "/messages"
        }
        try await run.waitForState(20, "a gap") { if case .gap = $0 { return true } else { return false } }
        try await run.waitForMessages(11, timeout: 20)
        let messages = run.messages
        #expect(messages.first == #"{"n":1}"#)
        // After the gap: the oldest kept message onwards, each once, in order.
        let numbers = messages.compactMap { Int($0.dropFirst(5).dropLast()) }
        #expect(numbers == numbers.sorted() && Set(numbers).count == numbers.count, "\(numbers)")
        #expect(zip(numbers, numbers.dropFirst()).contains { $1 - $0 > 1 }, "no jump over the missed messages: \(numbers)")
        guard case .gap(.longpoll, let reason, _)? = run.states.first(where: { if case .gap = $0 { return true } else { return false } }) else {
            return
        }
        #expect(reason == "cursor no longer known (HTTP 410); resumed from the oldest kept message")
        #expect(await run.stop())
    }

    @Test func sseResumesWithLastEventIDAcrossReconnects() async throws {
        let (feed, port) = try await Self.startFeed(["--total", "200", "--sse-per-connection", "40"])
        defer { feed.stop() }
        let run = try LinkRun(url: "http://127.0.0.1:\(port)/sse") { $0.transport = .sse }
        try await run.waitForMessages(200, timeout: 30)
        #expect(run.messages == Self.expected(1...200))
        // Five connections of 40 events; each reconnect waited the stream's own `retry: 50`.
        let waits = run.states.compactMap { if case .waiting(_, _, let d, _) = $0 { return d } else { return nil } }
        #expect(waits.count >= 4 && waits.allSatisfy { $0 == .milliseconds(50) }, "\(waits)")
        try await feed.stdout.wait(20, for: "five SSE requests in the feed's log") { $0.filter { $0 == "REQ /sse" }.count >= 5 }
        #expect(await run.stop())
    }

    @Test func autoOnAnHTTPURLPrefersSSE() async throws {
        let (feed, port) = try await Self.startFeed(["--total", "30"])
        defer { feed.stop() }
        let run = try LinkRun(url: "http://127.0.0.1:\(port)/sse")
        try await run.waitForMessages(30, timeout: 20)
        #expect(run.messages == Self.expected(1...30))
        #expect(run.states.first == .connecting(transport: .sse, url: "http://127.0.0.1:\(port)/sse", attempt: 1))
        #expect(await run.stop())
    }
}
