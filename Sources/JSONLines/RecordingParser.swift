import Foundation
import LiveModel

/// Reads one line of a recording (README "JSON lines") back into an event.
///
/// The line is parsed once and its top-level members are read in one pass. A message line as
/// `HeadlessWriter` writes it is compact with `data` last, so the message is the line's own bytes
/// from after `"data":` to the final `}` (a range, not a copy); any other layout (keys reordered
/// by jq, spaces) is written again from its parsed form. `text` is unescaped, `base64` decoded.
public struct RecordingParser: Sendable {
    public enum Payload: Equatable, Sendable {
        /// These bytes of the line, as they are.
        case slice(Range<Int>)
        case owned([UInt8])
    }

    public enum Line: Equatable, Sendable {
        case message(time: Int64, transport: Transport, payload: Payload, isBinary: Bool)
        case state(LinkState, time: Int64)
        case invalid(String)
    }

    public enum Outcome: Equatable, Sendable {
        case entry(RecordingEntry)
        case invalid(String)
    }

    private var tape = JSONTape()

    public init() {}

    /// The line as an entry that owns its bytes.
    public mutating func entry(_ line: UnsafeBufferPointer<UInt8>) -> Outcome {
        switch parse(line) {
        case .message(let time, let transport, let payload, let isBinary):
            return .entry(.message(time: time, transport: transport, payload: Self.bytes(payload, in: line), isBinary: isBinary))
        case .state(let state, let time):
            return .entry(.state(state, time: time))
        case .invalid(let why):
            return .invalid(why)
        }
    }

    public static func bytes(_ payload: Payload, in line: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        switch payload {
        case .slice(let range): return Array(line[range])
        case .owned(let bytes): return bytes
        }
    }

    public mutating func parse(_ line: UnsafeBufferPointer<UInt8>) -> Line {
        parseWritten(line) ?? parseAnyLayout(line)
    }

    /// Any line: parsed whole, its top-level members read in one pass.
    public mutating func parseAnyLayout(_ line: UnsafeBufferPointer<UInt8>) -> Line {
        do {
            try tape.parse(line)
        } catch {
            return .invalid("not JSON (\(error))")
        }
        guard tape[0].kind == .object else { return .invalid("not a JSON object") }
        // One pass over the top-level members; the last of a duplicated key wins, as everywhere.
        var type: Int?, time: Int?, transport: Int?, data: Int?, text: Int?, base64: Int?
        var k = 1
        let end = Int(tape[0].end)
        while k < end {
            let value = k + 1
            if tape[k].kind == .key {
                switch keyName(k, in: line) {
                case .type: type = value
                case .time: time = value
                case .transport: transport = value
                case .data: data = value
                case .text: text = value
                case .base64: base64 = value
                case nil: break
                }
            }
            k = Int(tape[value].end)
        }
        guard let type, tape[type].kind == .string else { return .invalid("no \"type\"") }
        guard let time, tape[time].kind == .string,
              let at = tape.withStringBytes(time, in: line, { Timestamp(rfc3339Bytes: $0) })?.nanoseconds else {
            return .invalid("no RFC 3339 \"time\"")
        }
        let kind = transport.flatMap { tape[$0].kind == .string ? Transport(rawValue: tape.string($0, in: line)) : nil } ?? .websocket
        if stringIs(type, "message", in: line) {
            if let data {
                let keyToken = tape[data - 1]
                // Compact, and `data` is the last member: its value runs from after `"data":` to the final `}`.
                let valueStart = Int(keyToken.start + keyToken.length) + 2
                if tape.isCompact && !keyToken.escaped && Int(tape[data].end) == tape.count && valueStart < line.count {
                    return .message(time: at, transport: kind, payload: .slice(valueStart..<(line.count - 1)), isBinary: false)
                }
                var bytes: [UInt8] = []
                tape.value(at: data, in: line).write(into: &bytes)
                return .message(time: at, transport: kind, payload: .owned(bytes), isBinary: false)
            }
            if let text, tape[text].kind == .string {
                return .message(time: at, transport: kind, payload: .owned(tape.withStringBytes(text, in: line) { Array($0) }), isBinary: false)
            }
            if let base64, tape[base64].kind == .string {
                guard let bytes = Data(base64Encoded: tape.string(base64, in: line)) else { return .invalid("bad base64") }
                return .message(time: at, transport: kind, payload: .owned(Array(bytes)), isBinary: true)
            }
            return .invalid("a message without \"data\", \"text\" or \"base64\"")
        }
        if stringIs(type, "state", in: line) {
            guard let state = state(in: line, transport: kind) else { return .invalid("a state line this version does not know") }
            return .state(state, time: at)
        }
        return .invalid("unknown type '\(tape.string(type, in: line))'")
    }

    // MARK: The line as HeadlessWriter writes it

    /// The last `time` read and what it was: a burst's lines share one.
    private var lastTime: [UInt8] = []
    private var lastNanoseconds: Int64 = 0
    /// The last transport name read, and the transport it names.
    private var lastTransportName: [UInt8] = []
    private var lastTransport = Transport.websocket

    /// A message line in exactly the layout `HeadlessWriter` writes it
    /// (`{"type":"message","time":"…","seq":N,"transport":"…",["server_time":"…",]"data":…}`, no
    /// `source`), read with one parse of the payload instead of the whole line: the fixed members
    /// are matched as bytes and only `data`'s value goes through the JSON parser. The answer is
    /// the one the general path gives for such a line (prefix matched, payload one compact JSON
    /// value, `}` last: the whole line is a compact JSON object with `data` last); nil for
    /// anything else, which the general path then reads (and explains when it is bad). This was
    /// most of `replay`'s time (docs/benchmarks.md, Replay speed).
    private mutating func parseWritten(_ line: UnsafeBufferPointer<UInt8>) -> Line? {
        guard let base = line.baseAddress else { return nil }
        let n = line.count
        // Limits as the whole line would have: its own size, and one level of nesting more.
        let limits = JSONLimits()
        guard n <= limits.maxMessageBytes, n > 0, base[n - 1] == UInt8(ascii: "}") else { return nil }
        var i = 0
        @inline(__always) func expect(_ text: StaticString) -> Bool {
            let count = text.utf8CodeUnitCount
            guard i + count <= n, memcmp(base + i, text.utf8Start, count) == 0 else { return false }
            i += count
            return true
        }
        /// A string's content up to its closing quote, made of the bytes `allowed` accepts.
        @inline(__always) func plainString(_ allowed: (UInt8) -> Bool) -> Range<Int>? {
            let start = i
            while i < n, base[i] != UInt8(ascii: "\""), allowed(base[i]) { i += 1 }
            guard i < n, base[i] == UInt8(ascii: "\"") else { return nil }
            defer { i += 1 }
            return start..<i
        }
        guard expect(#"{"type":"message","time":""#) else { return nil }
        let timeChars: (UInt8) -> Bool = { b in
            (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "-") || b == UInt8(ascii: ":")
                || b == UInt8(ascii: ".") || b == UInt8(ascii: "+") || b == UInt8(ascii: "T") || b == UInt8(ascii: "Z")
                || b == UInt8(ascii: "z") || b == UInt8(ascii: " ")
        }
        guard let timeRange = plainString(timeChars) else { return nil }
        let timeBytes = UnsafeBufferPointer(rebasing: line[timeRange])
        let at: Int64
        if Self.same(timeBytes, lastTime) {
            at = lastNanoseconds
        } else {
            guard let parsed = Timestamp(rfc3339Bytes: timeBytes) else { return nil }
            at = parsed.nanoseconds
            lastTime = Array(timeBytes)
            lastNanoseconds = at
        }
        // seq: a JSON integer, not negative (what the writer counts).
        guard expect(#","seq":"#), i < n else { return nil }
        let digits = i
        while i < n, base[i] >= UInt8(ascii: "0"), base[i] <= UInt8(ascii: "9") { i += 1 }
        guard i > digits, base[digits] != UInt8(ascii: "0") || i == digits + 1 else { return nil }
        guard expect(#","transport":""#) else { return nil }
        guard let nameRange = plainString({ b in (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) }) else { return nil }
        let name = UnsafeBufferPointer(rebasing: line[nameRange])
        if !Self.same(name, lastTransportName) {
            lastTransportName = Array(name)
            lastTransport = Transport(rawValue: String(decoding: name, as: UTF8.self)) ?? .websocket
        }
        let transport = lastTransport
        guard expect(",") else { return nil }
        if expect(#""server_time":""#) {
            guard plainString(timeChars) != nil, expect(",") else { return nil }
        }
        guard expect(#""data":"#), i < n - 1 else { return nil }
        let payload = i..<(n - 1)
        do {
            try tape.parse(UnsafeBufferPointer(rebasing: line[payload]), limits: JSONLimits(maxDepth: limits.maxDepth - 1))
        } catch {
            return nil
        }
        guard tape.isCompact else { return nil }
        return .message(time: at, transport: transport, payload: .slice(payload), isBinary: false)
    }

    @inline(__always)
    private static func same(_ bytes: UnsafeBufferPointer<UInt8>, _ kept: [UInt8]) -> Bool {
        // Never an empty match: the first (empty) `lastTime` must not stand for a time.
        bytes.count > 0 && bytes.count == kept.count
            && kept.withUnsafeBufferPointer { memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0 }
    }

    private enum Key { case type, time, transport, data, text, base64 }

    private mutating func keyName(_ k: Int, in line: UnsafeBufferPointer<UInt8>) -> Key? {
        tape.withStringBytes(k, in: line) { b -> Key? in
            switch b.count {
            case 4: return b.elementsEqual("type".utf8) ? .type : b.elementsEqual("time".utf8) ? .time
                : b.elementsEqual("data".utf8) ? .data : b.elementsEqual("text".utf8) ? .text : nil
            case 6: return b.elementsEqual("base64".utf8) ? .base64 : nil
            case 9: return b.elementsEqual("transport".utf8) ? .transport : nil
            default: return nil
            }
        }
    }

    private mutating func stringIs(_ i: Int, _ expected: StaticString, in line: UnsafeBufferPointer<UInt8>) -> Bool {
        tape.withStringBytes(i, in: line) { $0.elementsEqual(UnsafeBufferPointer(start: expected.utf8Start, count: expected.utf8CodeUnitCount)) }
    }

    private mutating func state(in line: UnsafeBufferPointer<UInt8>, transport: Transport) -> LinkState? {
        guard let name = string("state", in: line) else { return nil }
        let attempt = integer("attempt", in: line).map { Int(min(max($0, 0), 1_000_000_000)) } ?? 1
        // A countdown longer than a day is not one livetop writes; clamp what a hostile file says.
        let retryIn = integer("retry_in_ms", in: line).map { Duration.milliseconds(min(max($0, 0), 86_400_000)) }
        let error = string("error", in: line)
        let reason = string("reason", in: line) ?? ""
        switch name {
        case "connecting": return .connecting(transport: transport, url: string("url", in: line) ?? "", attempt: attempt)
        case "open":
            let every = integer("every_ms", in: line).map { Duration.milliseconds(min(max($0, 1), 86_400_000)) }
            return .open(transport: transport, every: every)
        case "waiting": return .waiting(transport: transport, attempt: attempt, retryIn: retryIn ?? .zero, error: .io(error ?? ""))
        case "failed": return .failed(transport: transport, error: .io(error ?? ""), retryIn: retryIn)
        case "fallback": return .fallback(transport: transport, reason: reason)
        case "gap":
            let missed = integer("missed", in: line).map { Int(min(max($0, 0), 1_000_000_000_000)) }
            return .gap(transport: transport, reason: reason, missed: missed)
        case "repeat":
            let count = integer("count", in: line).map { Int(min(max($0, 0), 1_000_000_000_000)) } ?? 1
            return .repeated(transport: transport, count: count, reason: reason)
        case "note": return .note(transport: transport, text: string("text", in: line) ?? "")
        case "stale":
            let silent = integer("silent_ms", in: line).map { Duration.milliseconds(min(max($0, 0), 86_400_000)) } ?? .zero
            let expected = integer("expect_ms", in: line).map { Duration.milliseconds(min(max($0, 0), 86_400_000)) } ?? .zero
            return .stale(transport: transport, silentFor: silent, expected: expected)
        case "closed": return .closed(reason: error)
        default: return nil
        }
    }

    private mutating func string(_ key: String, in line: UnsafeBufferPointer<UInt8>) -> String? {
        guard let i = tape.member(key, ofObject: 0, in: line), tape[i].kind == .string else { return nil }
        return tape.string(i, in: line)
    }

    private mutating func integer(_ key: String, in line: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard let i = tape.member(key, ofObject: 0, in: line) else { return nil }
        switch tape[i].kind {
        case .int: return tape[i].intValue
        case .double:
            let d = tape[i].doubleValue.rounded()
            return d.isFinite && abs(d) < 9e18 ? Int64(d) : nil
        default: return nil
        }
    }
}
