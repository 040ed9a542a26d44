import Foundation
import LiveModel
import PushLink
@testable import PushPublish
import Testing
import TestSupport

/// The redis:// source and `RedisPublisher` against a real redis-server (Debian's), and against a
/// fake one that sends garbage.
@Suite(.timeLimit(.minutes(2)), .startsProcesses) struct RedisLinkTests {
    static func lines(_ range: ClosedRange<Int>) -> [[UInt8]] { range.map { Array(#"{"n":\#($0)}"#.utf8) } }

    /// 10,000 lines published with pipelining arrive at the subscriber once each, in order, in
    /// batches (far fewer hops than messages), named "redis".
    @Test func tenThousandPublishedLinesArriveOnceInOrder() async throws {
        let server = try RedisServer()
        try await server.start()
        defer { server.stop() }
        let run = try LinkRun(url: "redis://127.0.0.1:\(server.port)/feed")
        try await run.waitForState(20, "open") { $0 == .open(transport: .redis) }
        let publisher = try RedisPublisher(url: "redis://127.0.0.1:\(server.port)/feed")
        for start in stride(from: 1, through: 10_000, by: 1_000) {
            try await publisher.publish(Self.lines(start...(start + 999)))
        }
        await publisher.close()
        try await run.waitForMessages(10_000, timeout: 60)
        #expect(run.messages == Self.lines(1...10_000).map { String(decoding: $0, as: UTF8.self) })
        #expect(run.batchCount < 10_000)
        #expect(run.events.all.allSatisfy { if case .messages(let b) = $0 { return b.transport == .redis } else { return true } })
        #expect(await run.stop())
        #expect(run.states.first == .connecting(transport: .redis, url: "redis://127.0.0.1:\(server.port)/feed", attempt: 1))
        #expect(!run.states.contains { if case .gap = $0 { return true } else { return false } })
    }

    /// A glob channel subscribes with PSUBSCRIBE; a payload that is not UTF-8 arrives as binary.
    @Test func aPatternSubscribesToEveryMatchingChannel() async throws {
        let server = try RedisServer()
        try await server.start()
        defer { server.stop() }
        let run = try LinkRun(url: "redis://127.0.0.1:\(server.port)/host.*")
        try await run.waitForState(20, "open") { $0.isOpen }
        let one = try RedisPublisher(url: "redis://127.0.0.1:\(server.port)/host.one")
        let two = try RedisPublisher(url: "redis://127.0.0.1:\(server.port)/0/host.two")
        let other = try RedisPublisher(url: "redis://127.0.0.1:\(server.port)/other")
        try await one.publish([Array("a".utf8)])
        try await other.publish([Array("not for us".utf8)])
        try await two.publish([[0xFF, 0xFE]])
        try await run.waitForMessages(2)
        #expect(run.messages == ["a", "b:fffe"])
        for p in [one, two, other] { await p.close() }
        _ = await run.stop()
    }

    /// A message at the limit arrives; one over it ends the connection with a named error
    /// (checked on the length Redis announces, before its bytes are kept).
    @Test func aMessageOverTheLimitIsRefused() async throws {
        let server = try RedisServer()
        try await server.start()
        defer { server.stop() }
        let run = try LinkRun(url: "redis://127.0.0.1:\(server.port)/feed") { $0.maxMessageBytes = 1024 }
        try await run.waitForState(20, "open") { $0.isOpen }
        let publisher = try RedisPublisher(url: "redis://127.0.0.1:\(server.port)/feed")
        try await publisher.publish([[UInt8](repeating: UInt8(ascii: "a"), count: 1024), [UInt8](repeating: UInt8(ascii: "b"), count: 1025)])
        await publisher.close()
        try await run.waitForState(20, "failed") { $0.failedError != nil }
        #expect(run.messages == [String(repeating: "a", count: 1024)])
        #expect(run.states.compactMap(\.failedError).first?.description
            == "Redis message larger than 1024 bytes (--max-message); livetop closed the connection")
        _ = await run.stop()
    }

    /// A Redis with a password: the source and the publisher send AUTH from the URL; without it,
    /// or with a wrong one, each is one line with Redis's own words, and fatal.
    @Test func authFromTheURL() async throws {
        let server = try RedisServer(arguments: ["--requirepass", "s3cr@t"])
        try await server.start()
        defer { server.stop() }
        let url = "redis://:s3cr%40t@127.0.0.1:\(server.port)/feed"
        let run = try LinkRun(url: url)
        try await run.waitForState(20, "open") { $0.isOpen }
        let publisher = try RedisPublisher(url: url)
        try await publisher.publish([Array("authenticated".utf8)])
        await publisher.close()
        try await run.waitForMessages(1)
        #expect(run.messages == ["authenticated"])
        _ = await run.stop()

        let anonymous = try LinkRun(url: "redis://127.0.0.1:\(server.port)/feed")
        try await anonymous.waitForState(20, "failed") { $0.failedError != nil }
        #expect(anonymous.states.compactMap(\.failedError).first?.description.hasPrefix("Redis refused SUBSCRIBE: NOAUTH") == true)
        _ = await anonymous.stop()

        let wrong = try RedisPublisher(url: "redis://:nope@127.0.0.1:\(server.port)/feed")
        let error = try await #require(throws: PublishError.self) { try await wrong.publish([Array("x".utf8)]) }
        #expect(error.description.hasPrefix("Redis refused AUTH: WRONGPASS"))
        #expect(!error.description.contains("nope"))
    }

    /// A server that does not speak RESP: the link fails with one line that says what came.
    @Test(arguments: [
        ("http", "not a Redis reply: byte 0x48 'H' where a RESP type (+ - : $ *) should start"),
        ("badlength", "bad Redis reply: bulk string length is not a number"),
        ("nolf", "bad Redis reply: CR not followed by LF in a reply line"),
    ])
    func garbageFromAFakeRedisIsOneClearError(_ mode: String, _ expected: String) async throws {
        guard let python = TestEnvironment.which("python3") else {
            throw MissingTool(description: "python3 is missing (apt-get install python3); Scripts/test.sh installs it")
        }
        let (fake, port) = try await ExternalProcess.startServer(python, [TestEnvironment.serverFixture("redis_garbage.py"), "--mode", mode])
        defer { fake.stop() }
        let run = try LinkRun(url: "redis://127.0.0.1:\(port)/feed")
        try await run.waitForState(20, "failed") { $0.failedError != nil }
        let error = try #require(run.states.compactMap(\.failedError).first)
        #expect(error.description == expected)
        #expect(error.severity == .fatal)
        _ = await run.stop()

        let publisher = try RedisPublisher(url: "redis://127.0.0.1:\(port)/feed")
        let refused = try await #require(throws: PublishError.self) { try await publisher.publish([Array("x".utf8)]) }
        #expect(refused.description == expected)
    }

    /// A server that stops answering (frozen with SIGSTOP: its connections stay open) is found
    /// dead by the PING heartbeat; once it runs again the link subscribes again, after a gap.
    @Test func theHeartbeatFindsAFrozenServerDead() async throws {
        let server = try RedisServer()
        try await server.start()
        defer { server.stop() }
        let run = try LinkRun(url: "redis://127.0.0.1:\(server.port)/feed") { c in
            c.pingInterval = .milliseconds(200)
            c.pingTimeout = .milliseconds(600)
        }
        try await run.waitForState(20, "open") { $0.isOpen }
        server.signal(SIGSTOP)
        try await run.waitForState(20, "waiting") { $0.waitingError != nil }
        server.signal(SIGCONT)
        #expect(run.states.compactMap(\.waitingError).first == .dead(seconds: 0.6))
        try await run.waitForStates(30, "gap, then open") { states in
            guard let gap = states.firstIndex(where: { if case .gap = $0 { return true } else { return false } }) else { return false }
            return states[gap...].contains { $0.isOpen }
        }
        _ = await run.stop()
    }

    /// The publisher across a Redis restart: lines given while Redis is down are sent once it is
    /// back, in order, and the subscriber (resubscribed) gets them after a `gap`.
    @Test func thePublisherAndTheSourceRideOutARestart() async throws {
        let server = try RedisServer()
        try await server.start()
        defer { server.stop() }
        let url = "redis://127.0.0.1:\(server.port)/feed"
        let run = try LinkRun(url: url)
        try await run.waitForState(20, "open") { $0.isOpen }
        let publisher = try RedisPublisher(url: url)
        try await publisher.publish(Self.lines(1...100))
        try await run.waitForMessages(100)
        try await server.stopped()
        try await run.waitForState(20, "waiting") { $0.waitingError != nil }
        // Published while Redis is down: the call returns only once Redis has acknowledged them.
        let publishing = Task { try await publisher.publish(Self.lines(101...200)) }
        try await server.start()
        try await withDeadline(30, "the publish after the restart") { try await publishing.value }
        try await run.waitForStates(30, "gap, then open") { states in
            guard let gap = states.lastIndex(where: { if case .gap = $0 { return true } else { return false } }) else { return false }
            return states[gap...].contains { $0.isOpen }
        }
        // Lines published after the subscriber is back arrive; what came before it may be lost.
        try await publisher.publish(Self.lines(201...300))
        try await run.events.wait(30, for: "the line published last") { events in
            events.contains { if case .messages(let b) = $0 { return b.bytes.suffix(9).elementsEqual(#"{"n":300}"#.utf8) } else { return false } }
        }
        let received = run.messages
        #expect(Array(received.prefix(100)) == Self.lines(1...100).map { String(decoding: $0, as: UTF8.self) })
        #expect(Array(received.suffix(100)) == Self.lines(201...300).map { String(decoding: $0, as: UTF8.self) })
        let gap = try #require(run.states.compactMap { if case .gap(let t, let reason, _) = $0 { return (t, reason) } else { return nil } }.first)
        #expect(gap.0 == .redis)
        #expect(gap.1.hasPrefix("redis pub/sub keeps nothing while disconnected: messages published in the last "))
        await publisher.close()
        _ = await run.stop()
    }
}

/// `RedisPublisher` against a scripted fake: what is retried and what is not.
@Suite(.timeLimit(.minutes(3)), .startsProcesses) struct RedisPublisherTests {
    static func fake(_ mode: String) async throws -> (ExternalProcess, Int) {
        guard let python = TestEnvironment.which("python3") else {
            throw MissingTool(description: "python3 is missing (apt-get install python3); Scripts/test.sh installs it")
        }
        return try await ExternalProcess.startServer(python, [TestEnvironment.serverFixture("redis_garbage.py"), "--mode", mode])
    }

    /// LOADING answers PUBLISH: the publisher reconnects and sends the lines again, and the
    /// server that answers gets each once, in order.
    @Test func loadingIsRetriedAndEveryLineArrivesOnceInOrder() async throws {
        let (server, port) = try await Self.fake("loading")
        defer { server.stop() }
        let publisher = try RedisPublisher(url: "redis://127.0.0.1:\(port)/feed")
        try await publisher.publish(RedisLinkTests.lines(1...50))
        await publisher.close()
        let expected = RedisLinkTests.lines(1...50).map { "PUBLISHED=" + String(decoding: $0, as: UTF8.self) }
        try await server.stdout.wait(20, for: "50 lines published") { $0.filter { $0.hasPrefix("PUBLISHED=") }.count >= 50 }
        #expect(server.stdout.all.filter { $0.hasPrefix("PUBLISHED=") } == expected)
    }

    /// An error that retrying cannot mend is one line, with the server's words.
    @Test func aRefusalIsAPublishError() async throws {
        let (server, port) = try await Self.fake("noperm")
        defer { server.stop() }
        let publisher = try RedisPublisher(url: "redis://127.0.0.1:\(port)/feed")
        let error = try await #require(throws: PublishError.self) { try await publisher.publish([Array("x".utf8)]) }
        #expect(error.description == "Redis refused PUBLISH: NOPERM this user has no permissions to access the channel")
        await publisher.close()
    }

    @Test func aBadURLIsAPublishError() {
        #expect(throws: PublishError.self) { try RedisPublisher(url: "redis://127.0.0.1:1/") }
        #expect(throws: PublishError.self) { try RedisPublisher(url: "ws://127.0.0.1:1/x") }
    }
}
