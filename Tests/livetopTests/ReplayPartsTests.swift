import Foundation
import JSONLines
import LiveModel
import PushLink
import Testing
import TestSupport
@testable import livetop

/// The parts of record/replay and serve that need no process: line reading, parsing a recorded
/// line, pacing.
@Suite struct ReplayPartsTests {
    /// Lines read through a pipe in tiny blocks, so lines straddle reads.
    func lines(of input: [UInt8], blockSize: Int, maxLine: Int = 1 << 20) -> (lines: [String], skipped: Int) {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let (readEnd, writeEnd) = (fds[0], fds[1])
        let writer = Thread {
            input.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = write(writeEnd, raw.baseAddress! + offset, raw.count - offset)
                    if n <= 0 { break }
                    offset += n
                }
            }
            close(writeEnd)
        }
        writer.start()
        var reader = LineReader(fd: readEnd, blockSize: blockSize, maxLine: maxLine)
        var out: [String] = []
        while true {
            while let line = reader.nextLine({ String(decoding: $0, as: UTF8.self) }) { out.append(line) }
            if reader.atEnd { break }
            _ = reader.fill()
        }
        close(readEnd)
        return (out, reader.skippedLines)
    }

    @Test(arguments: [1, 3, 7, 64, 1 << 16])
    func lineReaderSplitsOnNewlinesAcrossReads(blockSize: Int) {
        let text = "alpha\r\nbeta\n\ngamma délta\nlast"
        #expect(lines(of: Array(text.utf8), blockSize: blockSize).lines == ["alpha", "beta", "", "gamma délta", "last"])
    }

    @Test(arguments: [1, 3, 4, 64])
    func lineReaderSkipsOverlongLinesWhole(blockSize: Int) {
        let (out, skipped) = lines(of: Array("0123456789\nab\nabcde\nxyz\n0123456789".utf8), blockSize: blockSize, maxLine: 4)
        #expect(out == ["ab", "xyz"])
        #expect(skipped == 3)
    }

    func parse(_ line: String) -> RecordingParser.Outcome {
        var parser = RecordingParser()
        let bytes = Array(line.utf8)
        return bytes.withUnsafeBufferPointer { parser.entry($0) }
    }

    static let time = Timestamp(rfc3339: Array("2026-11-26T10:00:00.250Z".utf8))!.nanoseconds

    @Test func aCompactMessageLineGivesTheMessagesOwnBytes() {
        let data = #"{"b":[1,2,{"c":"x\"}"}],"d":null}"#
        #expect(parse(#"{"type":"message","time":"2026-11-26T10:00:00.250Z","seq":9,"transport":"sse","data":\#(data)}"#)
            == .entry(.message(time: Self.time, transport: .sse, payload: Array(data.utf8), isBinary: false)))
        // Reordered and spaced (as jq writes it): parsed and written again.
        #expect(parse(#"{"data": {"b": [1, 2]}, "time": "2026-11-26T10:00:00.250Z", "type": "message"}"#)
            == .entry(.message(time: Self.time, transport: .websocket, payload: Array(#"{"b":[1,2]}"#.utf8), isBinary: false)))
        #expect(parse(#"{"type":"message","time":"2026-11-26T10:00:00.250Z","seq":1,"transport":"websocket","data":7}"#)
            == .entry(.message(time: Self.time, transport: .websocket, payload: Array("7".utf8), isBinary: false)))
    }

    @Test func textAndBase64MessagesAreDecoded() {
        #expect(parse(#"{"type":"message","time":"2026-11-26T10:00:00.250Z","text":"a\u001b[31m\"b\"\n"}"#)
            == .entry(.message(time: Self.time, transport: .websocket, payload: Array("a\u{1B}[31m\"b\"\n".utf8), isBinary: false)))
        #expect(parse(#"{"type":"message","time":"2026-11-26T10:00:00.250Z","transport":"longpoll","base64":"AAH/"}"#)
            == .entry(.message(time: Self.time, transport: .longpoll, payload: [0, 1, 255], isBinary: true)))
    }

    @Test func stateLinesBecomeLinkStates() {
        let prefix = #"{"type":"state","time":"2026-11-26T10:00:00.250Z","#
        let cases: [(String, LinkState)] = [
            (#""state":"connecting","transport":"websocket","url":"ws://h/","attempt":2}"#, .connecting(transport: .websocket, url: "ws://h/", attempt: 2)),
            (#""state":"open","transport":"sse"}"#, .open(transport: .sse)),
            (#""state":"waiting","transport":"websocket","attempt":3,"retry_in_ms":1200,"error":"connection refused"}"#,
             .waiting(transport: .websocket, attempt: 3, retryIn: .milliseconds(1200), error: .io("connection refused"))),
            (#""state":"failed","transport":"websocket","error":"HTTP 401"}"#, .failed(transport: .websocket, error: .io("HTTP 401"), retryIn: nil)),
            (#""state":"fallback","transport":"longpoll","reason":"404"}"#, .fallback(transport: .longpoll, reason: "404")),
            (#""state":"gap","transport":"longpoll","reason":"410"}"#, .gap(transport: .longpoll, reason: "410")),
            (#""state":"gap","transport":"sse","reason":"15 skipped","missed":15}"#, .gap(transport: .sse, reason: "15 skipped", missed: 15)),
            (#""state":"repeat","transport":"websocket","count":2,"reason":"again"}"#, .repeated(transport: .websocket, count: 2, reason: "again")),
            (#""state":"closed"}"#, .closed(reason: nil)),
        ]
        for (rest, state) in cases {
            #expect(parse(prefix + rest) == .entry(.state(state, time: Self.time)), "\(rest)")
        }
    }

    @Test(arguments: ["nope", "[1]", #"{"time":"2026-11-26T10:00:00Z"}"#, #"{"type":"message"}"#,
                      #"{"type":"message","time":"2026-11-26T10:00:00Z"}"#, #"{"type":"other","time":"2026-11-26T10:00:00Z"}"#,
                      #"{"type":"state","time":"2026-11-26T10:00:00Z","state":"dancing"}"#,
                      #"{"type":"message","time":"2026-11-26T10:00:00Z","base64":"***"}"#])
    func whatIsNotARecordedEventIsInvalid(line: String) {
        guard case .invalid = parse(line) else {
            Issue.record("\(line) was accepted")
            return
        }
    }

    @Test(arguments: [
        (0.0, [Int64(0), 5_000_000_000, 1_000_000], [Duration.zero, .zero, .zero]),
        (1.0, [1_000_000_000, 1_500_000_000, 4_000_000_000], [.zero, .milliseconds(500), .seconds(3)]),
        (10.0, [0, 1_000_000_000, 500_000_000], [.zero, .milliseconds(100), .milliseconds(50)]),
        (0.5, [7_000_000_000, 6_000_000_000, 8_000_000_000], [.zero, .zero, .seconds(2)]),
    ])
    func pacerSpacesEventsByRecordedTimeOverSpeed(speed: Double, times: [Int64], dues: [Duration]) {
        var pacer = ReplayPacer(speed: speed)
        #expect(times.map { pacer.due($0) } == dues)
    }

    @Test func pacerSurvivesAbsurdTimes() {
        var pacer = ReplayPacer(speed: 0.001)
        #expect(pacer.due(.min) == .zero)
        #expect(pacer.due(.max) == .nanoseconds(9_000_000_000_000_000_000))
    }

    @Test func hostileStateNumbersAreClamped() {
        let line = #"{"type":"state","time":"2026-11-26T10:00:00.250Z","state":"waiting","transport":"sse","attempt":1e300,"retry_in_ms":1e13,"error":"x"}"#
        #expect(parse(line) == .entry(.state(.waiting(transport: .sse, attempt: 1, retryIn: .milliseconds(86_400_000), error: .io("x")), time: Self.time)))
    }

    @Test(.offPool) func replayBatchesMessagesAndKeepsStatesInOrder() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("livetop-parts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("r.jsonl").path
        var lines = [#"{"type":"state","time":"2026-11-26T10:00:00.000Z","state":"open","transport":"websocket"}"#]
        lines += (1...5000).map { #"{"type":"message","time":"2026-11-26T10:00:00.001Z","seq":\#($0),"transport":"websocket","data":\#($0)}"# }
        lines.append(#"{"type":"state","time":"2026-11-26T10:00:01.000Z","state":"open","transport":"sse"}"#)
        lines += (5001...5010).map { #"{"type":"message","time":"2026-11-26T10:00:01.001Z","seq":\#($0),"transport":"sse","data":\#($0)}"# }
        lines.append(#"{"type":"state","time":"2026-11-26T10:00:02.000Z","state":"open","transport":"poll","every_ms":2000}"#)
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let replay = try #require(Replay(path: path, speed: 0))
        var shape: [String] = []
        var values: [Int] = []
        for await event in replay.events {
            switch event {
            case .state(let state, _): shape.append("\(state)")
            case .messages(let batch):
                shape.append("\(batch.transport.rawValue)×\(batch.count)")
                for f in batch.messages { values.append(Int(String(decoding: batch.bytes[f.offset..<(f.offset + f.length)], as: UTF8.self))!) }
            }
        }
        #expect(shape == ["open(transport: websocket, every: nil)", "websocket×4096", "websocket×904",
                          "open(transport: sse, every: nil)", "sse×10", "open(transport: poll, every: Optional(2.0 seconds))"])
        #expect(values == Array(1...5010))
    }

    /// At speed 0, events keep their recorded times (nothing paces them against the wall), and a
    /// batch spans at most `timeSlice` of the recording, carrying its last message's time: the
    /// dashboard's clock and charts follow the recording, not the moment it was played.
    @Test(.offPool) func atSpeedZeroEventsKeepTheirRecordedTimes() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("livetop-parts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("r.jsonl").path
        let at = ["00.000", "00.050", "00.099", "00.100", "01.000", "01.020", "59.999"]
        var lines = [#"{"type":"state","time":"2026-11-26T10:00:00.000Z","state":"open","transport":"websocket"}"#]
        lines += at.enumerated().map { #"{"type":"message","time":"2026-11-26T10:00:\#($1)Z","seq":\#($0 + 1),"transport":"websocket","data":\#($0 + 1)}"# }
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let replay = try #require(Replay(path: path, speed: 0))
        #expect(replay.timesAreRecorded)
        #expect(try #require(Replay(path: path, speed: 1)).timesAreRecorded == false)
        let start = try #require(Timestamp(rfc3339: Array("2026-11-26T10:00:00.000Z".utf8))).nanoseconds
        var seen: [String] = []
        for await event in replay.events {
            switch event {
            case .state(_, let time): seen.append("state@\((time - start) / 1_000_000)")
            case .messages(let batch): seen.append("\(batch.count)@\((batch.receivedAt - start) / 1_000_000)")
            }
        }
        #expect(seen == ["state@0", "3@99", "1@100", "2@1020", "1@59999"])
    }
}

/// The fast reading of a message line as HeadlessWriter writes it gives what the general reading
/// gives, for the lines it takes and for those that only look like them.
@Suite struct RecordingParserFastPathTests {
    static let prefix = #"{"type":"message","time":"2026-11-26T10:00:00.250Z","seq":12,"transport":"sse","#
    static let deep = String(repeating: "[", count: 63) + String(repeating: "]", count: 63)
    static let tooDeep = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)

    @Test(arguments: [
        prefix + #""data":{"a":1,"b":[true,null,"x\"y"]}}"#,
        prefix + #""server_time":"2026-11-26T09:59:59.000Z","data":{"a":1}}"#,
        prefix + #""data":7}"#,
        prefix + #""data":"text"}"#,
        prefix + #""data":\#(deep)}"#,
        prefix + #""data":\#(tooDeep)}"#,
        prefix + #""data":1,"x":2}"#,
        prefix + #""data":{"a":1}}}"#,
        prefix + #""data":{"a": 1}}"#,
        prefix + #""data":{"a":1}"#,
        prefix + #""data":}"#,
        prefix + #""data":{"a":1,"a":2}}"#,
        prefix + #""data":{"k":"\u001b[31m\u0085"}}"#,
        #"{"type":"message","time":"","seq":1,"transport":"sse","data":1}"#,
        #"{"type":"message","time":"yesterday","seq":1,"transport":"sse","data":1}"#,
        #"{"type":"message","time":"2026-11-26T10:00:00Z","seq":01,"transport":"sse","data":1}"#,
        #"{"type":"message","time":"2026-11-26T10:00:00Z","seq":-1,"transport":"sse","data":1}"#,
        #"{"type":"message","time":"2026-11-26T10:00:00Z","seq":0,"transport":"redis","data":1}"#,
        #"{"type":"message","time":"2026-11-26T10:00:00Z","seq":3,"transport":"nosuch","data":1}"#,
        #"{"type":"message","time":"2026-11-26T10:00:00Z","seq":3,"transport":"SSE","data":1}"#,
        #"{"type":"message","time":"2026-11-26T10:00:00+02:00","seq":3,"transport":"sse","data":1}"#,
        #"{"type":"message","time":"2026-11-26T10:00:00Z","source":"a","seq":3,"transport":"sse","data":1}"#,
        #"{"type":"message","time":"2026-11-26T10:00:00Z","seq":3,"transport":"sse","text":"plain"}"#,
        #"{"type":"message","time":"2026-11-26T10:00:00Z","seq":3,"transport":"sse","data":1,"data":2}"#,
    ])
    func theFastReadingAgreesWithTheGeneralOne(line: String) {
        var fast = RecordingParser()
        var general = RecordingParser()
        let bytes = Array(line.utf8)
        bytes.withUnsafeBufferPointer { b in
            // Twice: the second reading goes through the parser's kept time and transport.
            for _ in 0..<2 { #expect(fast.parse(b) == general.parseAnyLayout(b), "\(line)") }
        }
    }

    /// Lines of one burst share a time: the kept one must follow when it changes.
    @Test func aChangedTimeOrTransportIsReadAgain() {
        var parser = RecordingParser()
        let lines = [
            #"{"type":"message","time":"2026-11-26T10:00:00.250Z","seq":1,"transport":"sse","data":1}"#,
            #"{"type":"message","time":"2026-11-26T10:00:00.250Z","seq":2,"transport":"sse","data":2}"#,
            #"{"type":"message","time":"2026-11-26T10:00:01.250Z","seq":3,"transport":"longpoll","data":3}"#,
        ]
        let read = lines.map { line in Array(line.utf8).withUnsafeBufferPointer { b -> (Int64, Transport)? in
            if case .message(let time, let transport, _, _) = parser.parse(b) { return (time, transport) }
            return nil
        } }
        let t = ReplayPartsTests.time
        #expect(read.map { $0?.0 } == [t, t, t + 1_000_000_000])
        #expect(read.map { $0?.1 } == [.sse, .sse, .longpoll])
    }
}

/// The queue between replay's reader thread and its consumer.
@Suite struct ChunkQueueTests {
    typealias Queue = ChunkQueue<Int, String>

    @Test func chunksComeOutInOrderAndTheReaderWaitsWhenFull() {
        var queue = Queue(limit: 2)
        #expect(queue.put(1) == nil)
        #expect(!queue.isFull)
        #expect(queue.put(2) == nil)
        #expect(queue.isFull)
        guard case .chunk(1, hadNoRoom: true) = queue.take(orPark: "c") else { Issue.record("not 1"); return }
        #expect(!queue.isFull)
        guard case .chunk(2, hadNoRoom: false) = queue.take(orPark: "c") else { Issue.record("not 2"); return }
        guard case .parked = queue.take(orPark: "c") else { Issue.record("not parked"); return }
        // A parked consumer gets the next chunk straight from `put`.
        #expect(queue.put(3) == "c")
        guard case .parked = queue.take(orPark: "d") else { Issue.record("not parked"); return }
        #expect(queue.finish() == "d")
        guard case .ended = queue.take(orPark: "e") else { Issue.record("not ended"); return }
    }

    @Test func whatIsQueuedAtTheEndIsStillTaken() {
        var queue = Queue(limit: 4)
        _ = queue.put(1)
        #expect(queue.finish() == nil)
        #expect(queue.put(2) == nil)  // nothing after the end
        guard case .chunk(1, _) = queue.take(orPark: "c") else { Issue.record("not 1"); return }
        guard case .ended = queue.take(orPark: "c") else { Issue.record("not ended"); return }
    }

    @Test func stopDropsWhatIsQueuedAndFreesTheReader() {
        var queue = Queue(limit: 1)
        _ = queue.put(1)
        #expect(queue.isFull)
        #expect(queue.stop() == nil)
        #expect(!queue.isFull)
        guard case .ended = queue.take(orPark: "c") else { Issue.record("not ended"); return }
        var parked = Queue(limit: 1)
        guard case .parked = parked.take(orPark: "c") else { Issue.record("not parked"); return }
        #expect(parked.stop() == "c")
    }

    @Test func aLongRunKeepsTheQueueSmall() {
        var queue = Queue(limit: 3)
        var out: [Int] = []
        for i in 0..<1000 {
            _ = queue.put(i)
            if i % 2 == 1, case .chunk(let a, _) = queue.take(orPark: "c"), case .chunk(let b, _) = queue.take(orPark: "c") {
                out += [a, b]
            }
        }
        #expect(out == Array(0..<1000))
    }
}

/// Replay's reader thread reads ahead of the consumer, bounded, and ends with it.
@Suite struct ReplayReaderTests {
    @Test(.offPool) func stoppingAReplayMidwayEndsItsEvents() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("livetop-stop-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("r.jsonl").path
        // Far more than the reader may queue (16 chunks of about 60 KiB and a 1 MiB read: about 6 MB of
        // payloads): it is waiting for room when the stop comes. Generous deadlines: a debug build among
        // the whole suite on two busy cores took over 30 s for the whole replay.
        let count = 50_000
        let lines = (1...count).map {
            #"{"type":"message","time":"2026-11-26T10:00:00.001Z","seq":\#($0),"transport":"websocket","data":{"n":\#($0),"pad":"\#(String(repeating: "x", count: 100))"}}"#
        }
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let replay = try #require(Replay(path: path, speed: 0))
        let seen = try await withDeadline(120, "the stopped replay's end") {
            var seen = 0
            for await event in replay.events {
                if case .messages(let batch) = event { seen += batch.count }
                replay.stop()
            }
            return seen
        }
        #expect(seen > 0)
        #expect(seen < count)
        // Played whole, the same file gives every message once, in order.
        let whole = try #require(Replay(path: path, speed: 0))
        let values = try await withDeadline(120, "the whole replay") {
            var values: [Int] = []
            for await event in whole.events {
                guard case .messages(let batch) = event else { continue }
                var tape = JSONTape()
                batch.bytes.withUnsafeBufferPointer { all in
                    for f in batch.messages {
                        let bytes = UnsafeBufferPointer(rebasing: all[f.offset..<(f.offset + f.length)])
                        try? tape.parse(bytes)
                        if let n = tape.member("n", ofObject: 0, in: bytes) { values.append(Int(tape[n].intValue)) }
                    }
                }
            }
            return values
        }
        #expect(values == Array(1...count))
    }
}
