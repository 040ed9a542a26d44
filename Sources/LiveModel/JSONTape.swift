/// One token of a parsed message. Strings and numbers point back into the message bytes.
public struct JSONToken: Sendable {
    public enum Kind: UInt8, Sendable {
        case object, array, key, string, int, double, `true`, `false`, null
        /// A key that a later duplicate in the same object overrides ("last wins").
        case shadowedKey
    }

    public var kind: Kind
    /// The string or key contains backslash escapes and must be decoded before use.
    public var escaped: Bool
    /// Offset of a string's content (after the quote) or of a number's first byte.
    public var start: Int32
    /// Byte length of a string's content or of a number's text.
    public var length: Int32
    /// Index one past this token's subtree: for scalars `self + 1`, for containers past the last member.
    public var end: Int32
    /// Members of an object or elements of an array.
    public var count: Int32
    /// An int's value, a double's bit pattern, or a key's hash.
    public var bits: UInt64

    public var intValue: Int64 { Int64(bitPattern: bits) }
    public var doubleValue: Double { Double(bitPattern: bits) }
}

/// Token storage behind a tape: raw memory, written without per-token uniqueness or bounds checks.
/// The tape checks uniqueness once per message (copy-on-write) and its parser never writes past
/// `capacity`: it grows the buffer and starts over instead.
final class TokenBuffer: @unchecked Sendable {
    private(set) var base: UnsafeMutablePointer<JSONToken>
    private(set) var capacity: Int
    var count = 0
    /// The parser's stack of open containers, one entry per level of nesting.
    private(set) var stack: UnsafeMutablePointer<Int32> = .allocate(capacity: 64)
    /// The parser's per-object key bloom, one word per level of nesting.
    private(set) var keyBits: UnsafeMutablePointer<UInt64> = .allocate(capacity: 64)
    private var stackCapacity = 64

    func reserveStack(_ depth: Int) {
        guard depth > stackCapacity else { return }
        stack.deallocate()
        keyBits.deallocate()
        stack = .allocate(capacity: depth)
        keyBits = .allocate(capacity: depth)
        stackCapacity = depth
    }

    init(capacity: Int) {
        self.capacity = capacity
        base = .allocate(capacity: capacity)
    }

    func copy() -> TokenBuffer {
        let other = TokenBuffer(capacity: capacity)
        other.base.initialize(from: base, count: count)
        other.count = count
        return other
    }

    func grow() {
        let bigger = UnsafeMutablePointer<JSONToken>.allocate(capacity: capacity * 2)
        bigger.initialize(from: base, count: count)
        base.deallocate()
        base = bigger
        capacity *= 2
    }

    deinit {
        base.deallocate()
        stack.deallocate()
        keyBits.deallocate()
    }
}

/// A flat tape of tokens for one message, reused from message to message so that
/// parsing allocates nothing once the tape has grown to the size of the feed's messages.
///
/// The tape does not keep the bytes; every accessor takes them again.
public struct JSONTape: Sendable {
    private var buffer = TokenBuffer(capacity: 64)
    /// Tokens of the last message parsed.
    public var count: Int { buffer.count }
    public subscript(index: Int) -> JSONToken {
        @inline(__always) get { buffer.base[index] }
    }
    /// A copy of the tokens (for tests and inspection; the fold reads them in place).
    public var tokens: [JSONToken] { Array(UnsafeBufferPointer(start: buffer.base, count: buffer.count)) }
    /// Nothing but the value: no whitespace outside strings, so the bytes can be passed through as they are.
    public private(set) var isCompact = true
    /// A string holds DEL, a C1 control or a bidi control raw (valid JSON, unsafe on a terminal).
    public private(set) var hasUnsafeText = false
    /// Some object repeats a key; the earlier occurrences are marked `.shadowedKey`.
    public private(set) var hasShadowedKeys = false
    private var scratch: [UInt8] = []

    public init() {}

    public var isEmpty: Bool { buffer.count == 0 }

    @inline(__always)
    private var tok: UnsafeMutablePointer<JSONToken> { buffer.base }

    // MARK: - Parsing

    public mutating func parse(_ bytes: [UInt8], limits: JSONLimits = JSONLimits()) throws(JSONError) {
        try bytes.withUnsafeBufferPointer { (b) throws(JSONError) in try parse(b, limits: limits) }
    }

    public mutating func parse(_ bytes: UnsafeBufferPointer<UInt8>, limits: JSONLimits = JSONLimits()) throws(JSONError) {
        if !isKnownUniquelyReferenced(&buffer) { buffer = buffer.copy() }
        buffer.reserveStack(limits.maxDepth)
        while true {
            var scanner = JSONScanner(bytes: bytes, tokens: buffer.base, capacity: buffer.capacity, stack: buffer.stack,
                                      keyBits: buffer.keyBits)
            let outcome = scanner.run(limits: limits)
            buffer.count = scanner.count
            isCompact = scanner.isCompact
            hasUnsafeText = scanner.hasUnsafeText
            hasShadowedKeys = scanner.hasShadowedKeys
            switch outcome {
            case .done: return
            case .failed(let error):
                buffer.count = 0
                throw error
            case .outOfTokens:
                buffer.grow()  // start over with twice the room
            }
        }
    }

    /// A 64-bit hash of a key's bytes. A key of up to 8 bytes is its own hash (its bytes as a
    /// little-endian word), so two such keys of the same length are equal exactly when their hashes
    /// are; longer keys are mixed eight bytes at a time and confirmed on the bytes.
    @inline(__always)
    public static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        guard let p = bytes.baseAddress else { return 0 }
        if bytes.count <= 8 {
            if bytes.count == 8 { return UnsafeRawPointer(p).loadUnaligned(as: UInt64.self) }
            var w: UInt64 = 0
            var shift: UInt64 = 0
            for b in bytes {
                w |= UInt64(b) << shift
                shift += 8
            }
            return w
        }
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
        var i = 0
        while i + 8 <= bytes.count {
            h = (h ^ UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 32
            i += 8
        }
        if i < bytes.count {
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while i < bytes.count {
                tail |= UInt64(p[i]) << shift
                shift += 8
                i += 1
            }
            h = (h ^ tail) &* 0xC4CE_B9FE_1A85_EC53
            h ^= h >> 29
        }
        return h
    }

    static let powersOfTen: [Double] = (0...22).map { e in (0..<e).reduce(1.0) { acc, _ in acc * 10 } }

    @inline(__always)
    static func hexValue(_ b: UInt8) -> UInt32? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(b - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(b - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(b - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    // MARK: - Reading

    /// The bytes of token `index` as they stand in the message (a string's or key's without its
    /// quotes; a number's or literal's text), or nil for a string that holds escapes (then
    /// `withStringBytes` decodes it): for callers whose closure would capture a large `self`.
    @inline(__always)
    public func literalBytes(_ index: Int, in bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8>? {
        let t = tok[index]
        guard !t.escaped else { return nil }
        return UnsafeBufferPointer(rebasing: bytes[Int(t.start)..<Int(t.start + t.length)])
    }

    /// Calls `body` with the decoded bytes of a string or key token, without allocating when it has no escapes.
    @inline(__always)
    public mutating func withStringBytes<R>(_ index: Int, in bytes: UnsafeBufferPointer<UInt8>,
                                            _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let t = tok[index]
        let raw = UnsafeBufferPointer(rebasing: bytes[Int(t.start)..<Int(t.start + t.length)])
        guard t.escaped else { return body(raw) }
        scratch.removeAll(keepingCapacity: true)
        JSONTape.unescape(raw, into: &scratch)
        return scratch.withUnsafeBufferPointer(body)
    }

    public func string(_ index: Int, in bytes: UnsafeBufferPointer<UInt8>) -> String {
        let t = tok[index]
        let raw = UnsafeBufferPointer(rebasing: bytes[Int(t.start)..<Int(t.start + t.length)])
        guard t.escaped else { return String(decoding: raw, as: UTF8.self) }
        var out: [UInt8] = []
        JSONTape.unescape(raw, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes JSON escapes of an already validated string; lone surrogates become U+FFFD.
    static func unescape(_ raw: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        out.reserveCapacity(out.count + raw.count)
        var i = 0
        let n = raw.count
        func hex4(_ at: Int) -> UInt32 {
            var v: UInt32 = 0
            for j in 0..<4 { v = v << 4 | (hexValue(raw[at + j]) ?? 0) }
            return v
        }
        while i < n {
            let b = raw[i]
            guard b == UInt8(ascii: "\\") else {
                out.append(b)
                i += 1
                continue
            }
            let e = raw[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = hex4(i)
                i += 4
                if (0xD800...0xDBFF).contains(scalar) {
                    if i + 5 < n + 0, raw[i] == UInt8(ascii: "\\"), raw[i + 1] == UInt8(ascii: "u") {
                        let low = hex4(i + 2)
                        if (0xDC00...0xDFFF).contains(low) {
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                            i += 6
                        } else {
                            scalar = 0xFFFD
                        }
                    } else {
                        scalar = 0xFFFD
                    }
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    scalar = 0xFFFD
                }
                let s = Unicode.Scalar(scalar) ?? "\u{FFFD}"
                out.append(contentsOf: UTF8.encode(s)!)
            default: out.append(e)  // \" \\ \/
            }
        }
    }

    /// Index of the value of `key` in the object at `object`, or nil.
    public mutating func member(_ key: String, ofObject object: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard tok[object].kind == .object else { return nil }
        // A native String's UTF-8 is contiguous: no copy of the key per lookup (this runs per message for upsert).
        if let found = key.utf8.withContiguousStorageIfAvailable({ member($0, ofObject: object, in: bytes) }) { return found }
        return Array(key.utf8).withUnsafeBufferPointer { member($0, ofObject: object, in: bytes) }
    }

    /// Index of the value of the key with these UTF-8 bytes in the object at `object`, or nil.
    public mutating func member(_ keyBytes: UnsafeBufferPointer<UInt8>, ofObject object: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard tok[object].kind == .object else { return nil }
        let h = JSONTape.hash(keyBytes)
        var k = object + 1
        let end = Int(tok[object].end)
        while k < end {
            if tok[k].kind == .key && tok[k].bits == h {
                let equal = withStringBytes(k, in: bytes) { $0.elementsEqual(keyBytes) }
                if equal { return k + 1 }
            }
            k = Int(tok[k + 1].end)
        }
        return nil
    }

    /// The token a JSON pointer designates, starting from the value at `from`, or nil if there is none.
    public mutating func resolve(_ pointer: JSONPointer, from: Int = 0, in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var at = from
        for token in pointer.tokens {
            guard at < buffer.count else { return nil }
            switch tok[at].kind {
            case .object:
                guard let v = member(token, ofObject: at, in: bytes) else { return nil }
                at = v
            case .array:
                guard let index = JSONPointer.arrayIndex(token), index < Int(tok[at].count) else { return nil }
                var e = at + 1
                for _ in 0..<index { e = Int(tok[e].end) }
                at = e
            default:
                return nil
            }
        }
        return at
    }

    /// Builds a `JSONValue` for the token at `index` (recursion bounded by the depth limit).
    public func value(at index: Int = 0, in bytes: UnsafeBufferPointer<UInt8>) -> JSONValue {
        let t = tok[index]
        switch t.kind {
        case .null: return .null
        case .true: return .bool(true)
        case .false: return .bool(false)
        case .int: return .int(t.intValue)
        case .double: return .double(t.doubleValue)
        case .string, .key, .shadowedKey: return .string(string(index, in: bytes))
        case .array:
            var items: [JSONValue] = []
            items.reserveCapacity(Int(t.count))
            var e = index + 1
            while e < Int(t.end) {
                items.append(value(at: e, in: bytes))
                e = Int(tok[e].end)
            }
            return .array(items)
        case .object:
            var object = JSONObject()
            var k = index + 1
            while k < Int(t.end) {
                if tok[k].kind == .key { object[string(k, in: bytes)] = value(at: k + 1, in: bytes) }
                k = Int(tok[k + 1].end)
            }
            return .object(object)
        }
    }
}

extension JSONValue {
    /// Parses one JSON text (RFC 8259) with the given limits.
    public init(parsing bytes: [UInt8], limits: JSONLimits = JSONLimits()) throws(JSONError) {
        var tape = JSONTape()
        try tape.parse(bytes, limits: limits)
        self = bytes.withUnsafeBufferPointer { tape.value(at: 0, in: $0) }
    }

    public init(parsing text: String, limits: JSONLimits = JSONLimits()) throws(JSONError) {
        try self.init(parsing: Array(text.utf8), limits: limits)
    }
}
