import Foundation
import FuzzDriver
import JSONLines
import LiveModel

/// Recording lines read back. The input as a line (any line a file may hold) must give an entry or
/// a clean `invalid`; a message line's `data` slice must be JSON. And the input as the message
/// of a line written the way `--record` writes it (compact `data` last, `text`, `base64`) or
/// reordered must come back as exactly those bytes.
@main
enum RecordingFuzz {
    static let time = #""time":"2026-11-26T10:00:00.250Z""#
    static let nanoseconds = Timestamp(rfc3339: Array("2026-11-26T10:00:00.250Z".utf8))!.nanoseconds

    static func main() {
        FuzzDriver.run { data, count in
            let line = FuzzDriver.bytes(data, count)
            var parser = RecordingParser()
            // The fast reading of a line in the writer's layout must agree with the general one.
            var general = RecordingParser()
            if parser.parse(line) != general.parseAnyLayout(line) { RecordingFuzz.fail("the fast reading differs from the general one", Array(line)) }
            if case .message(_, _, let payload, let isBinary) = parser.parse(line), !isBinary {
                let bytes = RecordingParser.bytes(payload, in: line)
                if case .slice = payload, (try? JSONValue(parsing: bytes)) == nil {
                    RecordingFuzz.fail("a data payload that is not JSON", bytes)
                }
            }
            _ = parser.entry(line)
            RecordingFuzz.roundTrip(Array(line), parser: &parser)
            return 0
        }
    }

    static func roundTrip(_ message: [UInt8], parser: inout RecordingParser) {
        if let value = try? JSONValue(parsing: message) {
            var tape = JSONTape()
            var compact: [UInt8] = []
            message.withUnsafeBufferPointer { m in
                try? tape.parse(m)
                tape.writeCompact(in: m, into: &compact)
            }
            expect(Array(#"{"type":"message",\#(time),"seq":1,"transport":"sse","data":"#.utf8) + compact + [0x7D],
                   compact, isBinary: false, transport: .sse, parser: &parser)
            // Reordered and spaced, as jq writes it: the value comes back, written compact.
            var written: [UInt8] = []
            value.write(into: &written)
            expect(Array(#"{ "data" : "#.utf8) + message + Array(#" , "type":"message", \#(time)}"#.utf8),
                   written, isBinary: false, transport: .websocket, parser: &parser)
        } else {
            let text = String(decoding: message, as: UTF8.self)
            var quoted: [UInt8] = []
            JSONValue.writeString(text, into: &quoted)
            expect(Array(#"{"type":"message",\#(time),"seq":1,"transport":"longpoll","text":"#.utf8) + quoted + [0x7D],
                   Array(text.utf8), isBinary: false, transport: .longpoll, parser: &parser)
        }
        let base64 = Data(message).base64EncodedString()
        expect(Array(#"{"type":"message",\#(time),"transport":"stream","base64":"\#(base64)"}"#.utf8),
               message, isBinary: true, transport: .stream, parser: &parser)
    }

    static func expect(_ line: [UInt8], _ payload: [UInt8], isBinary: Bool, transport: Transport, parser: inout RecordingParser) {
        var general = RecordingParser()
        let (fast, slow) = line.withUnsafeBufferPointer { (parser.parse($0), general.parseAnyLayout($0)) }
        if fast != slow { fail("the fast reading differs from the general one", line) }
        let outcome = line.withUnsafeBufferPointer { parser.entry($0) }
        guard outcome == .entry(.message(time: nanoseconds, transport: transport, payload: payload, isBinary: isBinary)) else {
            fail("read back as \(outcome)", line)
        }
    }

    static func fail(_ why: String, _ bytes: [UInt8]) -> Never {
        fatalError("\(why): \(String(decoding: bytes.prefix(300), as: UTF8.self).debugDescription)")
    }
}
