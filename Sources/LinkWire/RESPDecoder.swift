/// Reads RESP2 values from bytes as they arrive: `decode` takes one whole value off the front of
/// the buffer, or nothing while the value is still incomplete, so a read may end anywhere.
///
/// Every size the server declares is checked before anything is kept for it, so garbage or a
/// hostile server costs bounded memory: a bulk string at most `maxBulkBytes` (the link's message
/// limit), an array at most `maxArrayCount` items and `maxDepth` levels deep, a status or number
/// line at most `maxLineBytes`.
public struct RESPDecoder: Sendable {
    public struct Limits: Hashable, Sendable {
        /// Largest bulk string (a pub/sub message's payload): the link's `--max-message`.
        public var maxBulkBytes = 16 << 20
        /// Most items in one array (pub/sub pushes have 3 or 4; a reply to our commands no more).
        public var maxArrayCount = 1024
        /// Deepest nesting of arrays (pub/sub pushes are 1 deep).
        public var maxDepth = 8
        /// Longest `+`, `-` or `:` line, and longest length header, without its CRLF.
        public var maxLineBytes = 64 << 10

        public init(maxBulkBytes: Int = 16 << 20, maxArrayCount: Int = 1024, maxDepth: Int = 8, maxLineBytes: Int = 64 << 10) {
            self.maxBulkBytes = maxBulkBytes
            self.maxArrayCount = maxArrayCount
            self.maxDepth = maxDepth
            self.maxLineBytes = maxLineBytes
        }
    }

    public var limits: Limits

    public init(limits: Limits = Limits()) { self.limits = limits }

    /// Decodes the first complete value of `bytes` and says how many bytes it took, or returns
    /// nil when the bytes so far are a correct start of one (more must come).
    public func decode(_ bytes: UnsafeRawBufferPointer) throws(RESPError) -> (value: RESPValue, consumed: Int)? {
        var cursor = Cursor(raw: bytes, limits: limits)
        guard let value = try cursor.value(depth: 0) else { return nil }
        return (value, cursor.index)
    }
}

/// A parse of the readable bytes from their start; nil results mean "not all there yet".
private struct Cursor {
    let raw: UnsafeRawBufferPointer
    let limits: RESPDecoder.Limits
    var index = 0

    init(raw: UnsafeRawBufferPointer, limits: RESPDecoder.Limits) {
        self.raw = raw
        self.limits = limits
    }

    private static let cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")

    mutating func value(depth: Int) throws(RESPError) -> RESPValue? {
        guard index < raw.count else { return nil }
        let type = raw[index]
        let at = index
        switch type {
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            index += 1
            guard let line = try line() else { return nil }
            let text = String(decoding: UnsafeRawBufferPointer(rebasing: raw[line]), as: UTF8.self)
            return type == UInt8(ascii: "+") ? .simple(text) : .error(text)
        case UInt8(ascii: ":"):
            index += 1
            guard let n = try integer(what: "integer reply") else { return nil }
            return .integer(n)
        case UInt8(ascii: "$"):
            index += 1
            guard let n = try integer(what: "bulk string length") else { return nil }
            if n == -1 { return .bulk(nil) }
            guard n >= 0 else { throw .badLength("bulk string", n) }
            guard n <= limits.maxBulkBytes else { throw .tooLarge("bulk string of \(n) bytes", limit: limits.maxBulkBytes) }
            let length = Int(n)
            guard raw.count - index >= length + 2 else { return nil }
            guard raw[index + length] == Self.cr, raw[index + length + 1] == Self.lf else {
                throw .malformed("a bulk string of \(length) bytes is not followed by CRLF")
            }
            let bytes = [UInt8](UnsafeRawBufferPointer(rebasing: raw[index..<(index + length)]))
            index += length + 2
            return .bulk(bytes)
        case UInt8(ascii: "*"):
            index += 1
            guard let n = try integer(what: "array length") else { return nil }
            if n == -1 { return .array(nil) }
            guard n >= 0 else { throw .badLength("array", n) }
            guard n <= limits.maxArrayCount else { throw .tooLarge("array of \(n) items", limit: limits.maxArrayCount, unit: "items") }
            guard depth < limits.maxDepth else { throw .tooDeep(limits.maxDepth) }
            var items: [RESPValue] = []
            items.reserveCapacity(Int(n))
            for _ in 0..<n {
                guard let item = try value(depth: depth + 1) else { return nil }
                items.append(item)
            }
            return .array(items)
        default:
            throw .unexpectedByte(type, offset: at)
        }
    }

    /// The bytes up to the next CRLF (which is consumed), or nil while it has not come.
    private mutating func line() throws(RESPError) -> Range<Int>? {
        let start = index
        let end = min(raw.count, start + limits.maxLineBytes + 1)
        var i = start
        while i < end {
            let byte = raw[i]
            if byte == Self.cr {
                guard i + 1 < raw.count else { return nil }
                guard raw[i + 1] == Self.lf else { throw .malformed("CR not followed by LF in a reply line") }
                index = i + 2
                return start..<i
            }
            if byte == Self.lf { throw .malformed("LF without CR in a reply line") }
            i += 1
        }
        if end - start > limits.maxLineBytes { throw .tooLarge("reply line", limit: limits.maxLineBytes) }
        return nil
    }

    /// A signed decimal line (RESP allows no sign but '-', no spaces, no empty number).
    private mutating func integer(what: String) throws(RESPError) -> Int64? {
        guard let line = try line() else { return nil }
        var digits = line[...]
        let negative = raw[line.lowerBound] == UInt8(ascii: "-")
        if negative { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.count <= 19 else { throw .malformed("\(what) is not a number") }
        var n: Int64 = 0
        for i in digits {
            let d = raw[i] &- UInt8(ascii: "0")
            guard d < 10 else { throw .malformed("\(what) is not a number") }
            let (m, o1) = n.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(Int64(d))
            guard !o1, !o2 else { throw .malformed("\(what) is out of range") }
            n = s
        }
        return negative ? -n : n
    }
}
