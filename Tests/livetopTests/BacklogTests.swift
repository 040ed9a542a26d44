import FeedServe
import Foundation
import LinkWire
import LiveModel
import NIOConcurrencyHelpers
import PushLink
import Testing
import TestSupport
@testable import JSONLines
@testable import livetop

/// Backlog is history, not now: a late subscriber to a server that has run for three minutes
/// sees those minutes on its charts, and `--last`/`--since` let a script ask for now only.
@Suite(.timeLimit(.minutes(3)), .startsProcesses) struct BacklogTests {
    /// A server that has "run three minutes": 181 messages `{"n":0…180}`, one a second, the last
    /// published now (its buffer's clock starts 180 s ago and moves a second at each publish).
    static func threeMinuteServer() async throws -> (FeedServer, Int, start: Int64) {
        // Whole milliseconds: what the server's ids and headers carry.
        let start = Link.wallClock() / 1_000_000 * 1_000_000 - 180 * 1_000_000_000
        let next = NIOLockedValueBox(start)
        let buffer = FeedBuffer(capacity: 1000) {
            next.withLockedValue { t in
                defer { t += 1_000_000_000 }
                return t
            }
        }
        for n in 0...180 { buffer.publish(text: #"{"n":\#(n)}"#) }
        let server = FeedServer(buffer: buffer)
        return (server, try await server.start(), start)
    }

    /// Folds what a link brings into a store until `count` messages are in.
    static func fold(_ url: String, transport: Transport, count: Int, store: LiveStore.Configuration) async throws -> LiveStore {
        var configuration = LinkConfiguration(url: try FeedURL(url))
        configuration.transport = transport
        let link = Link(configuration)
        let runner = Task.detached { await link.run() }
        defer {
            link.stop()
            runner.cancel()
        }
        return try await withDeadline(30, "\(count) messages over \(transport)") {
            var folded = LiveStore(store)
            for await event in link.events {
                folded.apply(LiveEvent(event))
                if folded.stats.messages >= count { break }
            }
            return folded
        }
    }

    @Test(arguments: [Transport.sse, .longpoll])
    func aLateSubscribersChartSpansTheThreeMinutes(_ transport: Transport) async throws {
        let (server, port, start) = try await Self.threeMinuteServer()
        defer { Task { await server.stop() } }
        // A layout's `history: 300` (the default 120 samples would hold the last two minutes).
        var configuration = LiveStore.Configuration()
        configuration.historyLength = 300
        let store = try await Self.fold("http://127.0.0.1:\(port)/", transport: transport, count: 181, store: configuration)
        let times = try #require(store.history(at: JSONPointer("/n")!)).times
        let span = try #require(times.last) - (try #require(times.first))
        print("late subscriber over \(transport): \(times.count) history points spanning \(span) s")
        #expect(times.count == 181 && span >= 170, "\(times.count) points spanning \(span) s")
        #expect(times.first == Timestamp(nanoseconds: start))
        let log = store.log.all
        #expect(log.first?.time == Timestamp(nanoseconds: start) && log.last?.time == Timestamp(nanoseconds: start + 180 * 1_000_000_000))
        // Arrival is what the rate and the age count: the whole backlog came just now.
        #expect(try #require(store.stats.lastMessageAt) - Timestamp(nanoseconds: start) > 170)
    }

    @Test(arguments: ["websocket", "sse", "longpoll"])
    func lastOneReturnsTheNewestValue(transport: String) async throws {
        let (server, port, _) = try await Self.threeMinuteServer()
        defer { Task { await server.stop() } }
        let out = try await HeadlessEndToEndTests.run(["--headless", "--last", "1", "--max-messages", "1", "--transport", transport,
                                                       "ws://127.0.0.1:\(port)/"])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.messages.compactMap { ($0["data"] as? [String: Any])?["n"] as? Int } == [180], "\(out.messages)")
    }

    /// `--since 30s` skips what the server says is older than 30 s; each line says the server's time.
    @Test(arguments: ["sse", "longpoll"])
    func sinceSkipsOlderBacklogAndLinesCarryTheServerTime(transport: String) async throws {
        let (server, port, start) = try await Self.threeMinuteServer()
        defer { Task { await server.stop() } }
        let out = try await HeadlessEndToEndTests.run(["--headless", "--since", "30s", "--max-messages", "3", "--transport", transport,
                                                       "ws://127.0.0.1:\(port)/"])
        #expect(out.status == 0, "\(out.stderr)")
        let numbers = out.messages.compactMap { ($0["data"] as? [String: Any])?["n"] as? Int }
        // 30 s before arrival is message 150 or a little later (the run takes a few seconds).
        #expect(numbers.count == 3 && (numbers.first ?? 0) >= 150 && (numbers.first ?? 0) <= 170, "\(numbers)")
        for (m, n) in zip(out.messages, numbers) {
            let expected = Timestamp(nanoseconds: start + Int64(n) * 1_000_000_000).rfc3339
            #expect(m["server_time"] as? String == expected, "\(m)")
        }
        HeadlessEndToEndTests.checkSchema(out, transport: transport)
    }

    // MARK: The parts

    static func batch(_ texts: [String], times: [Int64?], at arrival: Int64) -> MessageBatch {
        var batch = MessageBatch(transport: .sse)
        for (text, time) in zip(texts, times) { batch.append(Array(text.utf8), isBinary: false, serverTime: time) }
        batch.receivedAt = arrival
        return batch
    }

    static func texts(_ batch: MessageBatch?) -> [String] {
        guard let batch else { return [] }
        return batch.messages.map { String(decoding: batch.bytes[$0.offset..<($0.offset + $0.length)], as: UTF8.self) }
    }

    @Test func sinceDropsWhatIsOlderAndKeepsWhatHasNoTime() {
        var filter = BacklogFilter(since: .seconds(10))
        let s: Int64 = 1_000_000_000
        let first = filter.admit(Self.batch(["old", "untimed", "edge", "new"], times: [80 * s, nil, 90 * s, 99 * s], at: 100 * s))
        #expect(Self.texts(first) == ["untimed", "edge", "new"])
        #expect(first?.times == [MessageBatch.noTime, 90 * s, 99 * s])
        #expect(filter.admit(Self.batch(["a"], times: [10 * s], at: 100 * s)) == nil)
    }

    @Test func lastKeepsTheNewestOfTheFirstBurstOnly() {
        var filter = BacklogFilter(last: 2)
        #expect(Self.texts(filter.admit(Self.batch(["1", "2", "3", "4"], times: [nil, nil, nil, nil], at: 0))) == ["3", "4"])
        #expect(Self.texts(filter.admit(Self.batch(["5", "6", "7"], times: [nil, nil, nil], at: 0))) == ["5", "6", "7"])
        var none = BacklogFilter(last: 0)
        #expect(none.admit(Self.batch(["1", "2"], times: [nil, nil], at: 0)) == nil)
        #expect(Self.texts(none.admit(Self.batch(["3"], times: [nil], at: 0))) == ["3"])
    }

    @Test func aHeadlessLineCarriesTheServerTimeWhenThereIsOne() {
        var writer = HeadlessWriter(emit: .all)
        var out = StandardOutput(fd: -1)
        let batch = Self.batch([#"{"a":1}"#, "text"], times: [1_765_063_800_250_000_000, nil], at: 1_765_064_000_000_000_000)
        writer.write(batch, into: &out, flushing: false)
        let lines = String(decoding: out.buffer, as: UTF8.self).split(separator: "\n")
        #expect(lines == [
            #"{"type":"message","time":"2025-12-06T23:33:20.000Z","seq":1,"transport":"sse","server_time":"2025-12-06T23:30:00.250Z","data":{"a":1}}"#,
            #"{"type":"message","time":"2025-12-06T23:33:20.000Z","seq":2,"transport":"sse","text":"text"}"#,
        ])
        out.buffer.removeAll()
    }

    @Test func aLayoutSourceNamesItsTimeField() throws {
        let yaml = "sources:\n  - {name: s, url: \"ws://x/\", time: /ts}\nrows: [{panels: [{kind: log}]}]\n"
        let layout = try LayoutFile.parse(yaml, file: "l.yaml").layout
        #expect(layout.sources.first?.time == JSONPointer("/ts"))
        #expect(LiveStore.Configuration().applying(layout.sources.first, history: nil).timePointer == JSONPointer("/ts"))
        let bad = "sources:\n  - {name: s, url: \"ws://x/\", time: ts}\nrows: [{panels: [{kind: log}]}]\n"
        #expect(throws: (any Error).self) { try LayoutFile.parse(bad, file: "l.yaml") }
    }

    @Test func serveSaysHowOldItsBacklogIs() {
        let now: Int64 = 1_000 * 1_000_000_000
        #expect(Serve.backlogSummary(count: 181, oldest: now - 180 * 1_000_000_000, newest: now, now: now)
                == "a late subscriber gets 181 lines, published 3m 0s to 0s ago")
        #expect(Serve.backlogSummary(count: 0, oldest: nil, newest: nil, now: now)
                == "no backlog kept: a subscriber gets what comes after it connects")
    }
}
