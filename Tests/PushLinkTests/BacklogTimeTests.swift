import FeedServe
import Foundation
import LiveModel
import NIOConcurrencyHelpers
import Testing
import TestSupport
@testable import PushLink

/// The reference server tells a late subscriber when each kept message was published (SSE ids
/// `SEQ@MS`, long-poll `X-Message-Times`), and the link hands those times on with the messages;
/// `?last=N` asks for only the newest N kept.
@Suite(.timeLimit(.minutes(2)), .startsProcesses) struct BacklogTimeTests {
    /// A clock that starts `start` ns after the epoch and moves a second at each reading: a
    /// backlog spanning minutes without waiting them.
    static func steppingClock(from start: Int64) -> @Sendable () -> Int64 {
        let next = NIOLockedValueBox(start)
        return {
            next.withLockedValue { t in
                defer { t += 1_000_000_000 }
                return t
            }
        }
    }

    /// Every message's server time, in order (nil where it had none).
    static func serverTimes(_ run: LinkRun) -> [Int64?] {
        run.events.all.flatMap { event -> [Int64?] in
            guard case .messages(let batch) = event else { return [] }
            return batch.messages.indices.map { batch.serverTime($0)?.nanoseconds }
        }
    }

    @Test(arguments: [Transport.sse, .longpoll])
    func aLateSubscriberGetsEachKeptMessageWithItsPublishTime(_ transport: Transport) async throws {
        let start = Int64(1_765_063_800) * 1_000_000_000
        let buffer = FeedBuffer(capacity: 1000, clock: Self.steppingClock(from: start))
        for n in 0...180 { buffer.publish(text: #"{"n":\#(n)}"#) }  // one a second for three minutes
        let server = FeedServer(buffer: buffer)
        let port = try await server.start()
        defer { Task { await server.stop() } }
        let run = try LinkRun(url: "http://127.0.0.1:\(port)/") { $0.transport = transport }
        try await run.waitForMessages(181)
        let times = Self.serverTimes(run)
        #expect(times == (0...180).map { start + Int64($0) * 1_000_000_000 })
        #expect(await run.stop())
    }

    @Test func anSSEResumeFromATimedIDMissesNothing() async throws {
        let buffer = FeedBuffer(capacity: 100, clock: Self.steppingClock(from: 1_765_063_800_000_000_000))
        for n in 1...3 { buffer.publish(text: "\(n)") }
        let server = FeedServer(buffer: buffer)
        let port = try await server.start()
        defer { Task { await server.stop() } }
        let run = try LinkRun(url: "http://127.0.0.1:\(port)/") { $0.transport = .sse }
        try await run.waitForMessages(3)
        await server.dropConnections()
        try await run.waitForStates(30, "a reconnect") { states in states.filter { if case .open = $0 { true } else { false } }.count >= 2 }
        buffer.publish(text: "4")
        try await run.waitForMessages(4)
        #expect(run.messages == ["1", "2", "3", "4"])
        #expect(await run.stop())
    }

    @Test(arguments: [Transport.websocket, .sse, .longpoll])
    func lastNAsksForOnlyTheNewestKept(_ transport: Transport) async throws {
        let buffer = FeedBuffer(capacity: 1000)
        for n in 1...50 { buffer.publish(text: "\(n)") }
        let server = FeedServer(buffer: buffer)
        let port = try await server.start()
        defer { Task { await server.stop() } }
        let run = try LinkRun(url: "\(transport == .websocket ? "ws" : "http")://127.0.0.1:\(port)/?last=2") { $0.transport = transport }
        try await run.waitForMessages(2)
        buffer.publish(text: "51")
        try await run.waitForMessages(3)
        #expect(run.messages == ["49", "50", "51"])
        #expect(await run.stop())
    }

    @Test func theBufferSaysHowOldItsBacklogIs() {
        let buffer = FeedBuffer(capacity: 3, clock: Self.steppingClock(from: 10_000_000_000))
        #expect(buffer.kept.count == 0 && buffer.kept.oldest == nil)
        for n in 1...5 { buffer.publish(text: "\(n)") }  // at 10, 11, …, 14 s; the last 3 kept
        #expect(buffer.kept.count == 3 && buffer.kept.oldest == 12_000_000_000 && buffer.kept.newest == 14_000_000_000)
        #expect(buffer.cursor(keepingLast: 1) == 4 && buffer.cursor(keepingLast: 0) == 5 && buffer.cursor(keepingLast: 3) == nil)
    }
}
