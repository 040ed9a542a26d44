import Foundation
import LiveModel
import PushLink

/// Reads one line of a recording (DESIGN.md "Headless output") back into an event.
///
/// A message line as `HeadlessWriter` writes it is compact with `data` last, so the message's own
/// bytes are sliced out of the line without building a value; any other layout (keys reordered
/// by jq, spaces) is parsed and written again. `text` is unescaped, `base64` decoded.
struct RecordingParser {
    enum Outcome: Equatable {
        case entry(Replay.Entry)
        case invalid(String)
    }

    private var tape = JSONTape()

    mutating func parse(_ line: UnsafeBufferPointer<UInt8>) -> Outcome {
        do {
            try tape.parse(line)
        } catch {
            return .invalid("not JSON (\(error))")
        }
        guard tape[0].kind == .object else { return .invalid("not a JSON object") }
        guard let typeIndex = tape.member("type", ofObject: 0, in: line), tape[typeIndex].kind == .string else {
            return .invalid("no \"type\"")
        }
        guard let timeIndex = tape.member("time", ofObject: 0, in: line), tape[timeIndex].kind == .string,
              let time = tape.withStringBytes(timeIndex, in: line, { Timestamp(rfc3339: $0) }) else {
            return .invalid("no RFC 3339 \"time\"")
        }
        let type = tape.string(typeIndex, in: line)
        let transport = string("transport", in: line).flatMap(Transport.init(rawValue:))
        switch type {
        case "message":
            return message(in: line, time: time.nanoseconds, transport: transport ?? .websocket)
        case "state":
            guard let state = state(in: line, transport: transport ?? .websocket) else {
                return .invalid("a state line this version does not know")
            }
            return .entry(.state(state, time: time.nanoseconds))
        default:
            return .invalid("unknown type '\(type)'")
        }
    }

    private mutating func message(in line: UnsafeBufferPointer<UInt8>, time: Int64, transport: Transport) -> Outcome {
        if let data = tape.member("data", ofObject: 0, in: line) {
            let keyToken = tape[data - 1]
            // Compact, and `data` is the last member: its value runs from after `"data":` to the final `}`.
            let valueStart = Int(keyToken.start + keyToken.length) + 2
            if tape.isCompact && !keyToken.escaped && Int(tape[data].end) == tape.count && valueStart < line.count {
                return .entry(.message(time: time, transport: transport, payload: Array(line[valueStart..<(line.count - 1)]),
                                       isBinary: false))
            }
            var bytes: [UInt8] = []
            tape.value(at: data, in: line).write(into: &bytes)
            return .entry(.message(time: time, transport: transport, payload: bytes, isBinary: false))
        }
        if let text = tape.member("text", ofObject: 0, in: line), tape[text].kind == .string {
            let bytes = tape.withStringBytes(text, in: line) { Array($0) }
            return .entry(.message(time: time, transport: transport, payload: bytes, isBinary: false))
        }
        if let base64 = tape.member("base64", ofObject: 0, in: line), tape[base64].kind == .string {
            guard let bytes = Data(base64Encoded: tape.string(base64, in: line)) else { return .invalid("bad base64") }
            return .entry(.message(time: time, transport: transport, payload: Array(bytes), isBinary: true))
        }
        return .invalid("a message without \"data\", \"text\" or \"base64\"")
    }

    private mutating func state(in line: UnsafeBufferPointer<UInt8>, transport: Transport) -> LinkState? {
        guard let name = string("state", in: line) else { return nil }
        let attempt = integer("attempt", in: line).map(Int.init) ?? 1
        let retryIn = integer("retry_in_ms", in: line).map { Duration.milliseconds($0) }
        let error = string("error", in: line)
        let reason = string("reason", in: line) ?? ""
        switch name {
        case "connecting": return .connecting(transport: transport, url: string("url", in: line) ?? "", attempt: attempt)
        case "open": return .open(transport: transport)
        case "waiting": return .waiting(transport: transport, attempt: attempt, retryIn: retryIn ?? .zero, error: .io(error ?? ""))
        case "failed": return .failed(transport: transport, error: .io(error ?? ""), retryIn: retryIn)
        case "fallback": return .fallback(transport: transport, reason: reason)
        case "gap": return .gap(transport: transport, reason: reason)
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
        case .double: return Int64(exactly: tape[i].doubleValue.rounded())
        default: return nil
        }
    }
}
