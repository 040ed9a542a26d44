import LiveModel

/// Turns link events into JSON lines (README "JSON lines"): one object per line, snake_case,
/// each with `type` and `time`. A message whose bytes are already compact, valid and safe JSON is
/// passed through as it is; any other is written again from its parsed form.
public struct HeadlessWriter: Sendable {
    public enum Emit: String, CaseIterable, Sendable { case all, messages }

    public let emit: Emit
    /// The source's name in a layout with several (`"source":"…"` on every line); nil without.
    public let source: String?
    /// Messages written so far; the next one gets `seq + 1`.
    public private(set) var seq: Int64 = 0
    /// `seq` in decimal, counted up in place rather than formatted for every line.
    private var seqText = DecimalCounter()
    private var tape = JSONTape()
    private let limits: JSONLimits
    /// `","source":"NAME` written once, not per message.
    private let sourceField: [UInt8]
    /// What every message line of one burst has before its seq (its messages were received at the
    /// same moment) and after it: built once per burst, so a line is five copies and the payload.
    private var linePrefix: [UInt8] = []
    private var lineMiddle: [UInt8] = []
    /// `lineMiddle` and `"data":`: a line whose payload passes the check is five appends.
    private var lineMiddleData: [UInt8] = []
    private var middleTransport: Transport?

    public init(emit: Emit, source: String? = nil, limits: JSONLimits = JSONLimits()) {
        self.emit = emit
        self.source = source
        self.limits = limits
        var field: [UInt8] = []
        if let source {
            field.append(contentsOf: #"","source":"#.utf8)
            JSONValue.writeString(source, into: &field)
            field.removeLast()  // the closing quote comes with the next field's opening
        }
        sourceField = field
    }

    /// Writes the messages of a batch (`MessageLimit` cuts it first when there is a limit).
    /// `flushing: false` keeps every line of the batch in `out.buffer` (to copy them elsewhere too).
    public mutating func write(_ batch: MessageBatch, into out: inout StandardOutput, flushing: Bool = true) {
        if emit == .all {
            linePrefix.removeAll(keepingCapacity: true)
            linePrefix.append(contentsOf: #"{"type":"message","time":""#.utf8)
            Timestamp(nanoseconds: batch.receivedAt).writeRFC3339(into: &linePrefix)
            linePrefix.append(contentsOf: sourceField)
            linePrefix.append(contentsOf: #"","seq":"#.utf8)
            if middleTransport != batch.transport {
                middleTransport = batch.transport
                lineMiddle = Array(#","transport":""#.utf8) + Array(batch.transport.rawValue.utf8) + Array(#"","#.utf8)
                lineMiddleData = lineMiddle + Array(#""data":"#.utf8)
            }
        }
        // Borrowed once for the burst: appending an array property per line would retain and
        // release it every time (measured: 6% of the headless path).
        let prefix = linePrefix, middle = lineMiddle, middleData = lineMiddleData
        prefix.withUnsafeBufferPointer { prefix in
            middle.withUnsafeBufferPointer { middle in
                middleData.withUnsafeBufferPointer { middleData in
                    batch.bytes.withUnsafeBufferPointer { all in
                        let timed = !batch.times.isEmpty
                        for (n, frame) in batch.messages.enumerated() {
                            seq += 1
                            let bytes = UnsafeBufferPointer(rebasing: all[frame.offset..<(frame.offset + frame.length)])
                            let found = check(bytes, isBinary: frame.isBinary)
                            if emit == .all {
                                seqText.increment()
                                out.buffer.append(contentsOf: prefix)
                                seqText.write(into: &out.buffer)
                                // The server's time for the message, where it carried one (backlog is history).
                                if timed, let serverTime = batch.serverTime(n) {
                                    out.buffer.append(contentsOf: middle)
                                    out.buffer.append(contentsOf: #""server_time":""#.utf8)
                                    serverTime.writeRFC3339(into: &out.buffer)
                                    out.buffer.append(contentsOf: #"","#.utf8)
                                    writePayload(bytes, found, into: &out.buffer)
                                } else if case .passes = found {
                                    out.buffer.append(contentsOf: middleData)
                                    out.buffer.append(contentsOf: bytes)
                                } else {
                                    out.buffer.append(contentsOf: middle)
                                    writePayload(bytes, found, into: &out.buffer)
                                }
                                out.buffer.append(UInt8(ascii: "}"))
                            } else {
                                writePayload(bytes, found, into: &out.buffer)
                            }
                            out.buffer.append(UInt8(ascii: "\n"))
                            if flushing { out.flushIfFull() }
                        }
                    }
                }
            }
        }
    }

    /// What the check of a message found.
    private enum Check {
        /// Compact, valid JSON with nothing unsafe and no repeated key: its own bytes go out.
        case passes
        /// JSON, written again compact from the tape (escaped where unsafe, last of a repeated key).
        case rewrite
        case notJSON
        case binary
    }

    /// The JSON check that lets a message's bytes through (docs/benchmarks.md, HeadlessBench).
    @inline(__always)
    private mutating func check(_ bytes: UnsafeBufferPointer<UInt8>, isBinary: Bool) -> Check {
        if isBinary { return .binary }
        do {
            try tape.parse(bytes, limits: limits)
        } catch {
            return .notJSON
        }
        return tape.isCompact && !tape.hasUnsafeText && !tape.hasShadowedKeys ? .passes : .rewrite
    }

    /// `"data":…` for JSON, `"text":"…"` for other text, `"base64":"…"` for binary
    /// (with `--emit messages`, just the value).
    /// The tape holds the message when `found` is `.passes` or `.rewrite`.
    private mutating func writePayload(_ bytes: UnsafeBufferPointer<UInt8>, _ found: Check, into out: inout [UInt8]) {
        let bare = emit == .messages
        switch found {
        case .binary:
            if !bare { out.append(contentsOf: #""base64":"#.utf8) }
            out.append(UInt8(ascii: "\""))
            Base64.encode(bytes, into: &out)
            out.append(UInt8(ascii: "\""))
        case .passes:
            if !bare { out.append(contentsOf: #""data":"#.utf8) }
            out.append(contentsOf: bytes)
        case .rewrite:
            if !bare { out.append(contentsOf: #""data":"#.utf8) }
            tape.writeCompact(in: bytes, into: &out)
        case .notJSON:
            if !bare { out.append(contentsOf: #""text":"#.utf8) }
            JSONValue.writeString(String(decoding: bytes, as: UTF8.self), into: &out)
        }
    }

    /// A state change as one line (nothing with `--emit messages`).
    public func write(_ state: LinkState, at time: Int64, into out: inout StandardOutput) {
        guard emit == .all else { return }
        var fields: [(String, JSONValue)] = [("type", "state"), ("time", .string(Timestamp(nanoseconds: time).rfc3339))]
        if let source { fields.append(("source", .string(source))) }
        switch state {
        case .connecting(let transport, let url, let attempt):
            fields += [("state", "connecting"), ("transport", .string(transport.rawValue)), ("url", .string(url)),
                       ("attempt", .int(Int64(attempt)))]
        case .open(let transport, let every):
            fields += [("state", "open"), ("transport", .string(transport.rawValue))]
            if let every { fields.append(("every_ms", .int(Int64((every.seconds * 1000).rounded())))) }
        case .waiting(let transport, let attempt, let retryIn, let error):
            fields += [("state", "waiting"), ("transport", .string(transport.rawValue)), ("attempt", .int(Int64(attempt))),
                       ("retry_in_ms", .int(Int64((retryIn.seconds * 1000).rounded()))), ("error", .string(error.description))]
        case .failed(let transport, let error, let retryIn):
            fields += [("state", "failed"), ("transport", .string(transport.rawValue)), ("error", .string(error.description))]
            if let retryIn { fields.append(("retry_in_ms", .int(Int64((retryIn.seconds * 1000).rounded())))) }
        case .fallback(let transport, let reason):
            fields += [("state", "fallback"), ("transport", .string(transport.rawValue)), ("reason", .string(reason))]
        case .gap(let transport, let reason, let missed):
            fields += [("state", "gap"), ("transport", .string(transport.rawValue)), ("reason", .string(reason))]
            if let missed { fields.append(("missed", .int(Int64(missed)))) }
        case .repeated(let transport, let count, let reason):
            fields += [("state", "repeat"), ("transport", .string(transport.rawValue)), ("count", .int(Int64(count))),
                       ("reason", .string(reason))]
        case .note(let transport, let text):
            fields += [("state", "note"), ("transport", .string(transport.rawValue)), ("text", .string(text))]
        case .stale(let transport, let silentFor, let expected):
            fields += [("state", "stale"), ("transport", .string(transport.rawValue)),
                       ("silent_ms", .int(Int64((silentFor.seconds * 1000).rounded()))),
                       ("expect_ms", .int(Int64((expected.seconds * 1000).rounded())))]
        case .closed(let reason):
            fields += [("state", "closed")]
            if let reason { fields.append(("error", .string(reason))) }
        }
        var object = JSONObject()
        for (k, v) in fields { object[k] = v }
        JSONValue.object(object).write(into: &out.buffer)
        out.buffer.append(UInt8(ascii: "\n"))
    }

    /// What a source's store holds and has evicted, as one line (nothing with `--emit messages`).
    public func write(stats store: LiveStore, source: String, at time: Timestamp, into out: inout StandardOutput) {
        guard emit == .all else { return }
        var object = JSONObject()
        object["type"] = "stats"
        object["time"] = .string(time.rfc3339)
        object["source"] = .string(source)
        object["messages"] = .int(store.stats.messages)
        object["keys"] = .int(Int64(store.trackedKeys))
        object["evictions"] = .int(store.stats.evictions)
        object["max_keys"] = .int(Int64(store.configuration.maxKeys))
        JSONValue.object(object).write(into: &out.buffer)
        out.buffer.append(UInt8(ascii: "\n"))
    }
}

/// Standard base64 (RFC 4648 §4) for binary messages.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        var i = 0
        while i + 3 <= bytes.count {
            let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out.append(alphabet[Int(v >> 18 & 63)]); out.append(alphabet[Int(v >> 12 & 63)])
            out.append(alphabet[Int(v >> 6 & 63)]); out.append(alphabet[Int(v & 63)])
            i += 3
        }
        let rest = bytes.count - i
        if rest > 0 {
            let v = UInt32(bytes[i]) << 16 | (rest == 2 ? UInt32(bytes[i + 1]) << 8 : 0)
            out.append(alphabet[Int(v >> 18 & 63)]); out.append(alphabet[Int(v >> 12 & 63)])
            out.append(rest == 2 ? alphabet[Int(v >> 6 & 63)] : UInt8(ascii: "="))
            out.append(UInt8(ascii: "="))
        }
    }
}
