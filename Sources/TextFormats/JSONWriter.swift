/// Builds compact JSON text. Strings are escaped so the output is always valid UTF-8 JSON,
/// whatever bytes they came from: `"` and `\` are escaped, every control character below 0x20
/// and DEL (0x7F) is written as `\u00XX`, and bytes that are not valid UTF-8 become U+FFFD.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []

    init(reservingCapacity capacity: Int = 64) {
        bytes.reserveCapacity(capacity)
    }

    mutating func raw(_ text: some Sequence<UInt8>) {
        bytes.append(contentsOf: text)
    }

    mutating func raw(_ byte: UInt8) {
        bytes.append(byte)
    }

    /// Writes `text` as a JSON string, quotes included.
    mutating func string(_ text: some Collection<UInt8>) {
        bytes.append(UInt8(ascii: "\""))
        let done: Void? = text.withContiguousStorageIfAvailable { appendEscaped($0) }
        if done == nil {
            let copy = Array(text)
            copy.withUnsafeBufferPointer { appendEscaped($0) }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    private mutating func appendEscaped(_ b: UnsafeBufferPointer<UInt8>) {
        var i = 0
        var runStart = 0  // bytes[runStart..<i] need no escaping and are copied in one go
        @inline(__always) func flush(_ to: Int) {
            if runStart < to { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: b[runStart..<to])) }
        }
        while i < b.count {
            let c = b[i]
            if c >= 0x20 && c < 0x7F && c != UInt8(ascii: "\"") && c != UInt8(ascii: "\\") {
                i += 1
                continue
            }
            if c >= 0x80 {
                let len = UTF8Check.sequenceLength(b, at: i)
                if len > 0 { i += len; continue }
                flush(i)
                bytes.append(contentsOf: [0xEF, 0xBF, 0xBD])
                i += 1
                runStart = i
                continue
            }
            flush(i)
            if c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") {
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(c)
            } else {
                // Control characters and DEL.
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                          Self.hex[Int(c >> 4)], Self.hex[Int(c & 0xF)]])
            }
            i += 1
            runStart = i
        }
        flush(i)
    }
}
