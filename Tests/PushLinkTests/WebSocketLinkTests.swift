import FeedScripting
import FeedServe
import Foundation
import LinkWire
import LiveModel
import NIOCore
import NIOPosix
import Testing
import TestSupport
@testable import PushLink

/// The WebSocket link against the in-process reference server.
@Suite(.timeLimit(.minutes(3)), .startsProcesses) struct WebSocketLinkTests {
    @Test func deliversTextAndBinaryMessagesInOrderAndBatched() async throws {
        let server = FeedServer { session in
            try await session.send(texts: (1...20_000).map { #"{"n":\#($0)}"# })
            try await session.send(binary: [0, 1, 0xFE, 0xFF])
            try await session.close(code: 1000, reason: "done")
        }
        let port = try await server.start()
        defer { Task { await server.stop() } }
        let run = try LinkRun(url: "ws://127.0.0.1:\(port)/") { $0.reconnect.exitOnClose = true }
        #expect(await run.runner.value == true)
        let messages = run.messages
        #expect(messages.count == 20_001)
        #expect(messages.first == #"{"n":1}"# && messages[19_999] == #"{"n":20000}"#)
        #expect(messages.last == "b:0001feff")
        #expect(messages.dropLast().enumerated().allSatisfy { $1 == #"{"n":\#($0 + 1)}"# })
        // One hand-over per read burst, never one per message.
        #expect(run.batchCount < 2_000, "\(run.batchCount) batches for 20,001 messages")
        #expect(run.states.map { "\($0)".prefix(10) }.count == 3)  // connecting, open, closed
        guard case .closed(nil) = run.states.last else { Issue.record("\(run.states)"); return }
    }

    /// A consumer that stops taking events for longer than the ping timeout (a headless run piped
    /// into a pager left alone): the socket is not read meanwhile and the server's pong waits in
    /// it. That is not a dead server: no `waiting` for `.dead`, and every message arrives once the
    /// consumer goes on.
    @Test func aStalledConsumerIsNotADeadServer() async throws {
        let count = 20_000
        let padding = String(repeating: "x", count: 1000)
        let server = FeedServer { session in
            try await session.send(texts: (1...count).map { "\($0) \(padding)" })
            for await _ in session.received {}
        }
        let port = try await server.start()
        defer { Task { await server.stop() } }
        var configuration = LinkConfiguration(url: try FeedURL("ws://127.0.0.1:\(port)/"))
        configuration.pingInterval = .milliseconds(200)
        configuration.pingTimeout = .milliseconds(500)
        let link = Link(configuration)
        async let ran = link.run()
        let (messages, states) = try await withDeadline(60, "every message after the stall") {
            var messages = 0
            var states: [LinkState] = []
            var stalled = false
            for await event in link.events {
                switch event {
                case .messages(let batch):
                    messages += batch.count
                    // The stall is what is tested (3 s, six ping timeouts), not a wait for something.
                    if !stalled { stalled = true; try await Task.sleep(for: .seconds(3)) }
                case .state(let state, _): states.append(state)
                }
                if messages >= count { break }
            }
            return (messages, states)
        }
        link.stop()
        _ = await ran
        #expect(messages == count)
        #expect(!states.contains { if case .waiting = $0 { return true } else { return false } }, "\(states)")
    }

    @Test func reassemblesFragmentedMessages() async throws {
        let server = FeedServer { session in
            try await session.send(fragments: [#"{"a":"#, "1,", #""b":2}"#])
            try await session.send(fragments: ["he", "llo"], binary: true)
            try await session.send(text: "after")
            try await session.close(code: 1000)
        }
        let port = try await server.start()
        defer { Task { await server.stop() } }
        let run = try LinkRun(url: "ws://127.0.0.1:\(port)/") { $0.reconnect.exitOnClose = true }
        #expect(await run.runner.value == true)
        #expect(run.messages == [#"{"a":1,"b":2}"#, "b:68656c6c6f", "after"])
    }

    @Test func answersTheServersPing() async throws {
        let received = Recorder<FeedSession.Received>()
        let server = FeedServer { session in
            try await session.ping("are you there")
            await collect(session, into: received)
        }
        let port = try await server.start()
        defer { Task { await server.stop() } }
        let run = try LinkRun(url: "ws://127.0.0.1:\(port)/")
        try await received.wait(20, for: "the pong") { $0.contains(.pong) }
        #expect(await run.stop() == true)
        // Stopping closes cleanly with 1000.
        try await received.wait(20, for: "the close frame") { $0.contains(.close(code: 1000)) }
    }

    @Test func declaresASilentPeerDead() async throws {
        let server = FeedServer(options: .init(answersPings: false)) { session in
            for await _ in session.received {}
        }
        let port = try await server.start()
        defer { Task { await server.stop() } }
        let run = try LinkRun(url: "ws://127.0.0.1:\(port)/") {
            $0.pingInterval = .milliseconds(100)
            $0.pingTimeout = .milliseconds(300)
        }
        try await run.waitForState(20, "waiting after a dead peer") { $0.waitingError == .dead(seconds: 0.3) }
        #expect("\(LinkError.dead(seconds: 0.3))" == "no answer to ping within 0.3 s")
        _ = await run.stop()
    }

    @Test(arguments: [(UInt16(1011), false), (1012, false), (1001, false), (1008, true), (1003, true)])
    func closeCodesDecideBetweenWaitingAndFailed(_ code: UInt16, _ fails: Bool) async throws {
        let server = FeedServer { session in
            try await session.close(code: code, reason: "test")
            for await _ in session.received {}
        }
        let port = try await server.start()
        defer { Task { await server.stop() } }
        let run = try LinkRun(url: "ws://127.0.0.1:\(port)/")
        let expected = LinkError.closedByPeer(code: Int(code), reason: "test")
        if fails {
            try await run.waitForState(20, "failed") { $0.failedError == expected }
            guard case .failed(_, _, let retry?) = run.states.last(where: { $0.failedError != nil }) else { return }
            #expect(retry == .milliseconds(400))  // only at the cap
        } else {
            try await run.waitForState(20, "waiting") { $0.waitingError == expected }
            try await run.waitForStates(20, "a second connection") { $0.filter(\.isOpen).count >= 2 }
        }
        _ = await run.stop()
    }

    @Test func aMessageOverTheLimitClosesWith1009() async throws {
        let received = Recorder<FeedSession.Received>()
        let server = FeedServer { session in
            try await session.send(text: "small")
            try await session.send(text: String(repeating: "x", count: 5_000))
            await collect(session, into: received)
        }
        let port = try await server.start()
        defer { Task { await server.stop() } }
        let run = try LinkRun(url: "ws://127.0.0.1:\(port)/") {
            $0.maxMessageBytes = 4_096
            $0.reconnect.exitOnClose = true
        }
        #expect(await run.runner.value == false)
        #expect(run.messages == ["small"])
        try await received.wait(20, for: "close 1009") { $0.contains(.close(code: 1009)) }
        guard case .closed(let reason?) = run.states.last else { Issue.record("\(run.states)"); return }
        #expect(reason == "message larger than 4096 bytes; closed with 1009")
    }

    @Test func largeFragmentedMessagesWithinTheLimitArrive() async throws {
        let big = String(repeating: "y", count: 300_000)
        let server = FeedServer { session in
            try await session.send(fragments: [String(big.prefix(100_000)), String(big.dropFirst(100_000))])
            try await session.close(code: 1000)
        }
        let port = try await server.start()
        defer { Task { await server.stop() } }
        let run = try LinkRun(url: "ws://127.0.0.1:\(port)/") { $0.reconnect.exitOnClose = true }
        #expect(await run.runner.value == true)
        #expect(run.messages == [big])
    }

    @Test func reconnectsAfterTheServerRestartsAndSendsTheSubscriptionAgain() async throws {
        let firstReceived = Recorder<FeedSession.Received>()
        let first = FeedServer { session in
            try await session.send(text: "from the first server")
            await collect(session, into: firstReceived)
        }
        // Below the ephemeral range: a client reconnecting to the dead port can never be handed
        // that same port as its own source (a TCP self-connect), nor can another connection hold it.
        let port = try await first.start(port: try TestEnvironment.freePort())
        let run = try LinkRun(url: "ws://127.0.0.1:\(port)/") { $0.sendOnOpen = [#"{"subscribe":"ticker"}"#, "second"] }
        try await firstReceived.wait(20, for: "the subscription") { $0.count >= 2 }
        #expect(firstReceived.all == [.text(#"{"subscribe":"ticker"}"#), .text("second")])
        try await run.waitForMessages(1)

        await first.stop()  // drops the connection without a close frame, as a crash would
        try await run.waitForState(20, "waiting") { $0.waitingError != nil }

        let secondReceived = Recorder<FeedSession.Received>()
        let second = FeedServer { session in
            try await session.send(text: "from the second server")
            await collect(session, into: secondReceived)
        }
        _ = try await second.start(port: port)
        defer { Task { await second.stop() } }
        try await secondReceived.wait(30, for: "the subscription again") { $0.count >= 2 }
        #expect(secondReceived.all == [.text(#"{"subscribe":"ticker"}"#), .text("second")])
        try await run.waitForMessages(2)
        #expect(run.messages == ["from the first server", "from the second server"])
        let waiting = run.states.compactMap(\.waitingError)
        #expect(waiting.first == .droppedWithoutClose)
        _ = await run.stop()
    }

    @Test func aRefusedConnectionIsRetried() async throws {
        // A port nothing listens on, below the ephemeral range (so no connection can take it).
        let port = try TestEnvironment.freePort()
        let run = try LinkRun(url: "ws://127.0.0.1:\(port)/")
        try await run.waitForStates(20, "three refused attempts") { $0.filter { $0.waitingError == .refused }.count >= 3 }
        let attempts = run.states.compactMap { if case .connecting(_, _, let a) = $0 { return a } else { return nil } }
        #expect(Array(attempts.prefix(3)) == [1, 2, 3])
        _ = await run.stop()
    }

    @Test func aServerThatNeverAnswersTheUpgradeTimesOut() async throws {
        // A listening socket that accepts (in the kernel) but never speaks.
        let group = MultiThreadedEventLoopGroup.singleton
        let silent = try await ServerBootstrap(group: group)
            .childChannelInitializer { $0.eventLoop.makeSucceededVoidFuture() }
            .bind(host: "127.0.0.1", port: 0).get()
        defer { silent.close(promise: nil) }
        let port = silent.localAddress!.port!
        let run = try LinkRun(url: "ws://127.0.0.1:\(port)/") { $0.connectTimeout = .milliseconds(300) }
        try await run.waitForState(20, "connect timeout") { $0.waitingError == .connectTimeout(seconds: 0.3) }
        #expect("\(LinkError.connectTimeout(seconds: 0.3))" == "connect timed out after 0.3 s")
        _ = await run.stop()
    }

    @Test func aRefusedUpgradeReportsTheHTTPStatus() async throws {
        let server = FeedServer(options: .init(refuseUpgradePrefix: "/poll")) { _ in }
        let port = try await server.start()
        defer { Task { await server.stop() } }
        let run = try LinkRun(url: "ws://127.0.0.1:\(port)/poll") {
            $0.transport = .websocket
            $0.reconnect.exitOnClose = true
            // The answer is what is checked, not how fast it comes: the in-process server once
            // took over 10 s (the default) in the crowded first seconds of a full run.
            $0.connectTimeout = .seconds(30)
        }
        #expect(await run.runner.value == false)
        guard case .closed(let reason?) = run.states.last else { Issue.record("\(run.states)"); return }
        #expect(reason == "websocket upgrade answered HTTP 404 Not Found")
        #expect(LinkError.upgradeRefused(status: 404, reason: "").meansNoWebSocket)
    }

    @Test func stopEndsAWaitAtOnce() async throws {
        let port = try TestEnvironment.freePort()
        let run = try LinkRun(url: "ws://127.0.0.1:\(port)/") {
            $0.reconnect.backoff = Backoff(base: .seconds(60), cap: .seconds(60), jitter: 0)
        }
        try await run.waitForState(20, "waiting a minute") { $0.waitingError == .refused }
        let stopped = try await withDeadline(10, "stop during a wait") { await run.stop() }
        #expect(stopped)
        guard case .closed = run.states.last else { Issue.record("\(run.states)"); return }
    }
}
