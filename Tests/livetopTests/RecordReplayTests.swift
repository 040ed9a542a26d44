import FeedScripting
import FeedServe
import Foundation
import LinkWire
import LiveModel
import PushLink
import Testing
import TestSupport
@testable import livetop

/// `--record` then `replay`: a live run folded into one store and recorded, the recording replayed
/// into another store through the same fold; the two must end the same.
@Suite(.timeLimit(.minutes(3)), .startsProcesses) struct RecordReplayTests {
    /// Every kind of message: nested merges, deletes by null, arrays, escapes, text, binary.
    static let feed: [(text: String?, binary: [UInt8]?)] = (1...300).map { i in
        if i % 10 == 0 { return ("plain \(i) \u{1B}[31mred\u{1B}[0m", nil) }
        if i % 17 == 0 { return (nil, [UInt8(i % 256), 0, 255, 10]) }
        if i % 7 == 0 { return (#"{"symbol":"S\#(i % 5)","nested":{"a":null},"gone":null}"#, nil) }
        return (#"{"symbol":"S\#(i % 5)","px":\#(Double(i) * 1.5),"nested":{"a":\#(i),"b":[1,2,\#(i)]},"#
                + #""name":"caf\u00e9 \"\#(i)\"\n","gone":true}"#, nil)
    }

    static func serveFeed() async throws -> (FeedServer, Int) {
        let server = FeedServer { session in
            for (i, item) in feed.enumerated() {
                if let text = item.text { try await session.send(text: text) }
                if let binary = item.binary { try await session.send(binary: binary) }
                if i == 150 { try await session.ping() }
            }
            try await session.close(code: 1000, reason: "done")
            for await _ in session.received {}
        }
        return (server, try await server.start())
    }

    @Test(arguments: ["merge", "upsert:/symbol", "replace", "append"])
    func replayReproducesTheFinalModel(fold: String) async throws {
        let (server, port) = try await Self.serveFeed()
        defer { Task { await server.stop() } }
        let path = try TestEnvironment.temporaryDirectory().appendingPathComponent("feed.jsonl").path
        let configuration = LiveStore.Configuration(fold: try #require(FoldRule(fold)))

        var live = LinkConfiguration(url: try FeedURL("ws://127.0.0.1:\(port)/"))
        live.reconnect.exitOnClose = true
        let link = Link(live)
        let recording = try #require(Recording(path: path))
        let recorded = try await withDeadline(20, "the live run") {
            var store = LiveStore(configuration)
            async let ran = link.run()
            for await event in link.events {
                recording.record(event)
                store.apply(LiveEvent(event))
            }
            _ = await ran
            recording.close()
            return store
        }
        // On a shortfall, say how the connection went and which messages came (their place in
        // the feed is in the text of most of them): lost at the start, in the middle or at the end.
        #expect(recorded.stats.messages == Int64(Self.feed.count),
                "status: \(recorded.status.history.map(\.text)); first and last logged: \(String(describing: recorded.log.all.first?.content)) … \(String(describing: recorded.log.all.last?.content))")

        let replay = try #require(Replay(path: path, speed: 0))
        let replayed = try await withDeadline(20, "the replay") {
            var store = LiveStore(configuration)
            for await event in replay.events { store.apply(LiveEvent(event)) }
            return store
        }
        #expect(replay.skipped == 0)
        #expect(replayed.value == recorded.value)
        #expect(replayed.rows.map(\.key) == recorded.rows.map(\.key))
        #expect(replayed.rows.map(\.value) == recorded.rows.map(\.value))
        #expect(replayed.log.all.map(\.content) == recorded.log.all.map(\.content))
        #expect(replayed.stats.messages == recorded.stats.messages)
        #expect(replayed.stats.binaryMessages == recorded.stats.binaryMessages)
        #expect(replayed.status.phase == recorded.status.phase)
    }

    @Test func theBinaryRecordsAndReplaysTheSameMessages() async throws {
        let (server, port) = try await Self.serveFeed()
        defer { Task { await server.stop() } }
        let path = try TestEnvironment.temporaryDirectory().appendingPathComponent("binary.jsonl").path
        let live = try await HeadlessEndToEndTests.run(["--headless", "--exit-on-close", "--record", path, "ws://127.0.0.1:\(port)/"])
        #expect(live.status == 0)
        let replayed = try await HeadlessEndToEndTests.run(["replay", "--speed", "0", "--headless", path])
        #expect(replayed.status == 0)
        #expect(replayed.stderr.filter { !$0.isEmpty } == [])
        func payloads(_ out: HeadlessEndToEndTests.Output) -> [String] {
            out.messages.map { m in
                let payload = m["data"].map { try! JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys, .fragmentsAllowed]) }
                return payload.map { String(decoding: $0, as: UTF8.self) } ?? (m["text"] as? String).map { "text:" + $0 }
                    ?? "base64:" + (m["base64"] as? String ?? "?")
            }
        }
        #expect(payloads(replayed).count == Self.feed.count)
        #expect(payloads(replayed) == payloads(live))
        #expect(replayed.states == live.states)
    }

    /// With --max-messages, the recording holds exactly what was printed.
    @Test func maxMessagesLimitsTheRecordingToo() async throws {
        let (server, port) = try await Self.serveFeed()
        defer { Task { await server.stop() } }
        let path = try TestEnvironment.temporaryDirectory().appendingPathComponent("limited.jsonl").path
        let live = try await HeadlessEndToEndTests.run(["--headless", "--max-messages", "50", "--record", path, "ws://127.0.0.1:\(port)/"])
        #expect(live.status == 0)
        #expect(live.messages.count == 50)
        let recorded = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(recorded.filter { $0.contains(#""type":"message""#) }.count == 50)
    }

    @Test func badLinesAreSkippedWithTheirNumberAndTheRestPlays() async throws {
        let path = try TestEnvironment.temporaryDirectory().appendingPathComponent("bad.jsonl").path
        try """
        {"type":"message","time":"2026-11-26T10:00:00.000Z","seq":1,"transport":"sse","data":{"a":1}}
        not json at all
        {"type":"message","time":"yesterday","data":{"a":2}}

        {"type":"state","time":"2026-11-26T10:00:00.100Z","state":"open","transport":"sse"}
        {"data":{"a":3},"transport":"sse","type":"message", "time":"2026-11-26T10:00:00.200Z"}
        {"type":"message","time":"2026-11-26T10:00:00.300Z","seq":4,"transport":"sse","data":{"a":4
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let out = try await HeadlessEndToEndTests.run(["replay", "--speed", "0", "--headless", path])
        #expect(out.status == 0)
        #expect(out.messages.compactMap { ($0["data"] as? [String: Int])?["a"] } == [1, 3])
        #expect(out.states == ["open"])
        let warnings = out.stderr.filter { !$0.isEmpty }
        #expect(warnings.count == 3)
        #expect(warnings.allSatisfy { $0.hasPrefix("livetop: warning: \(path):") })
        #expect(warnings.first?.contains(":2: skipped: not JSON") == true)
        #expect(warnings.dropFirst().first?.contains(":3: skipped: no RFC 3339 \"time\"") == true)
    }

    @Test func aMissingFileIsAUsageError() async throws {
        let out = try await HeadlessEndToEndTests.run(["replay", "/nonexistent/recording.jsonl"])
        #expect(out.status == 64)
        #expect(out.stderr.contains { $0.contains("/nonexistent/recording.jsonl: cannot read that file") })
    }

    static func writeRecording(_ lines: [String]) throws -> String {
        let path = try TestEnvironment.temporaryDirectory().appendingPathComponent("paced.jsonl").path
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Recorded one second apart and replayed at ten times the pace, message k comes out at least
    /// k tenths of a second after the first (a lower bound: a slow machine only adds to it).
    @Test func speedKeepsTheRecordedSpacingDividedBySpeed() async throws {
        let path = try Self.writeRecording((0..<3).map {
            #"{"type":"message","time":"2026-11-26T10:00:0\#($0).000Z","seq":\#($0 + 1),"transport":"websocket","data":\#($0)}"#
        })
        let out = try await HeadlessEndToEndTests.run(["replay", "--speed", "10", "--headless", path])
        #expect(out.status == 0)
        let times = out.messages.compactMap { ($0["time"] as? String).flatMap { Timestamp(rfc3339: Array($0.utf8)) } }
        #expect(times.count == 3)
        for (k, t) in times.enumerated() { #expect(t - times[0] >= Double(k) / 10 - 0.001, "message \(k + 1) at \(t)") }
    }

    /// A replay waiting an hour for its next event still ends at once on SIGTERM, exit 0.
    @Test func aLongWaitEndsOnSIGTERM() async throws {
        let path = try Self.writeRecording([
            #"{"type":"message","time":"2026-11-26T10:00:00.000Z","seq":1,"transport":"websocket","data":"now"}"#,
            #"{"type":"message","time":"2026-11-26T11:00:00.000Z","seq":2,"transport":"websocket","data":"in an hour"}"#,
        ])
        let replay = ExternalProcess(HeadlessEndToEndTests.binary, ["replay", "--headless", path])
        try replay.start()
        defer { replay.stop() }
        try await replay.stdout.wait(20, for: "the first message") { $0.contains { $0.contains(#""data":"now""#) } }
        replay.signal(SIGTERM)
        #expect(try await replay.exitStatus(timeout: 10) == 0)
        #expect(!replay.stdout.all.contains { $0.contains("in an hour") })
    }
}
