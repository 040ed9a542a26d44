/// A validator for JSON text as RFC 8259 defines it, in one pass over the bytes, with no
/// recursion: objects, arrays, strings with their escapes, numbers and the three literals.
///
/// Stricter than the RFC in two documented ways, so whatever it accepts every decoder accepts:
/// - strings must be valid UTF-8 (RFC 8259 section 8.1 requires it for exchanged text);
/// - a `\u` escape of a UTF-16 surrogate must be a high one followed by a low one (a lone
///   surrogate is allowed by the grammar but refused by Foundation and others).
///
/// Nesting deeper than `maxDepth` containers makes the text invalid (it is then left as text).
struct JSONValidator {
    /// Containers open at once beyond which the text counts as not JSON.
    var maxDepth: Int

    init(maxDepth: Int = TextLimits().maxJSONDepth) {
        self.maxDepth = maxDepth
    }

    /// The text compacted (whitespace outside strings removed) when `b` holds exactly one JSON
    /// value with optional whitespace around it; nil otherwise.
    func compacted(_ b: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(b.count)
        return scan(b, into: &out) ? out : nil
    }

    /// Whether `b` holds exactly one JSON value (whitespace around it allowed).
    func isValid(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        var out: [UInt8]? = nil
        return scan(b, into: &out)
    }

    // MARK: - The scanner

    private static let space = UInt8(ascii: " "), tab = UInt8(ascii: "\t"), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")

    @inline(__always)
    private static func isSpace(_ c: UInt8) -> Bool { c == space || c == lf || c == cr || c == tab }

    /// The output is either an array that receives the compacted text or nil (validate only).
    private func scan<Sink: ByteSink>(_ b: UnsafeBufferPointer<UInt8>, into out: inout Sink) -> Bool {
        let n = b.count
        var i = 0
        // One bit per open container: true for an object. Bounded by maxDepth.
        var stack: [Bool] = []
        @inline(__always) func skipSpace() { while i < n && Self.isSpace(b[i]) { i += 1 } }
        /// A member's `"key" :` at i (the first one and those after a comma), leaving i at its value.
        func memberKey() -> Bool {
            guard i < n, b[i] == UInt8(ascii: "\""), let end = Self.stringEnd(b, from: i) else { return false }
            out.put(b, i..<end)
            i = end
            skipSpace()
            guard i < n, b[i] == UInt8(ascii: ":") else { return false }
            out.put(b[i])
            i += 1
            skipSpace()
            return true
        }

        skipSpace()
        value: while true {
            // A value starts at i.
            guard i < n else { return false }
            switch b[i] {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let isObject = b[i] == UInt8(ascii: "{")
                guard stack.count < maxDepth else { return false }
                out.put(b[i])
                i += 1
                skipSpace()
                guard i < n else { return false }
                if b[i] == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    out.put(b[i])
                    i += 1
                    break  // an empty container is a complete value
                }
                stack.append(isObject)
                if isObject && !memberKey() { return false }
                continue value
            case UInt8(ascii: "\""):
                guard let end = Self.stringEnd(b, from: i) else { return false }
                out.put(b, i..<end)
                i = end
            case UInt8(ascii: "t"):
                guard Self.literal(b, at: i, "true") else { return false }
                out.put(b, i..<(i + 4)); i += 4
            case UInt8(ascii: "f"):
                guard Self.literal(b, at: i, "false") else { return false }
                out.put(b, i..<(i + 5)); i += 5
            case UInt8(ascii: "n"):
                guard Self.literal(b, at: i, "null") else { return false }
                out.put(b, i..<(i + 4)); i += 4
            default:
                guard let end = Self.numberEnd(b, from: i) else { return false }
                out.put(b, i..<end)
                i = end
            }
            // After a complete value: close containers or move to the next member.
            while true {
                skipSpace()
                guard let isObject = stack.last else { break value }
                guard i < n else { return false }
                let c = b[i]
                if c == UInt8(ascii: ",") {
                    out.put(c)
                    i += 1
                    skipSpace()
                    if isObject && !memberKey() { return false }
                    continue value
                }
                guard c == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) else { return false }
                out.put(c)
                i += 1
                stack.removeLast()
            }
        }
        skipSpace()
        return i == n
    }

    @inline(__always)
    private static func literal(_ b: UnsafeBufferPointer<UInt8>, at i: Int, _ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard i + count <= b.count else { return false }
        let w = word.utf8Start
        for k in 0..<count where b[i + k] != w[k] { return false }
        return true
    }

    @inline(__always)
    private static func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

    /// The end of the number starting at `i` (RFC 8259 grammar: `-? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?`).
    static func numberEnd(_ b: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        let n = b.count
        var i = start
        if i < n && b[i] == UInt8(ascii: "-") { i += 1 }
        guard i < n, isDigit(b[i]) else { return nil }
        if b[i] == UInt8(ascii: "0") {
            i += 1
        } else {
            while i < n && isDigit(b[i]) { i += 1 }
        }
        if i < n && b[i] == UInt8(ascii: ".") {
            i += 1
            guard i < n, isDigit(b[i]) else { return nil }
            while i < n && isDigit(b[i]) { i += 1 }
        }
        if i < n && (b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E")) {
            i += 1
            if i < n && (b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-")) { i += 1 }
            guard i < n, isDigit(b[i]) else { return nil }
            while i < n && isDigit(b[i]) { i += 1 }
        }
        return i
    }

    /// Whether `b` is exactly one JSON number whose value a Double holds without overflowing
    /// (`1e999` is JSON by the grammar, but would reach a dashboard as infinity: it stays text).
    static func isFiniteNumber(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !b.isEmpty, numberEnd(b, from: 0) == b.count else { return false }
        // Only an exponent can overflow a Double here: plain digits up to the 1 MiB line limit
        // stay below 1e309 only when short, so check anything with an exponent or many digits.
        if b.count < 300 && !b.contains(UInt8(ascii: "e")) && !b.contains(UInt8(ascii: "E")) { return true }
        guard let value = Double(String(decoding: b, as: UTF8.self)) else { return false }
        return value.isFinite
    }

    @inline(__always)
    private static func hexValue(_ c: UInt8) -> UInt16? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt16(c - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt16(c - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt16(c - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    /// The `\uXXXX` code unit at `i` (which holds the backslash), if it is one.
    @inline(__always)
    private static func unicodeEscape(_ b: UnsafeBufferPointer<UInt8>, at i: Int) -> UInt16? {
        guard i + 5 < b.count, b[i] == UInt8(ascii: "\\"), b[i + 1] == UInt8(ascii: "u") else { return nil }
        var v: UInt16 = 0
        for k in 2...5 {
            guard let h = hexValue(b[i + k]) else { return nil }
            v = v << 4 | h
        }
        return v
    }

    /// The index after the closing quote of the string that opens at `start`, or nil when it is
    /// not a valid string (bad escape, control character, invalid UTF-8, lone surrogate, no end).
    static func stringEnd(_ b: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        let n = b.count
        var i = start + 1
        while i < n {
            let c = b[i]
            if c == UInt8(ascii: "\"") { return i + 1 }
            if c == UInt8(ascii: "\\") {
                guard i + 1 < n else { return nil }
                switch b[i + 1] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                     UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    i += 2
                case UInt8(ascii: "u"):
                    guard let unit = unicodeEscape(b, at: i) else { return nil }
                    if unit >= 0xD800 && unit <= 0xDBFF {
                        guard let low = unicodeEscape(b, at: i + 6), low >= 0xDC00, low <= 0xDFFF else { return nil }
                        i += 12
                    } else if unit >= 0xDC00 && unit <= 0xDFFF {
                        return nil
                    } else {
                        i += 6
                    }
                default:
                    return nil
                }
                continue
            }
            if c < 0x20 { return nil }
            if c < 0x80 { i += 1; continue }
            let len = UTF8Check.sequenceLength(b, at: i)
            guard len > 0 else { return nil }
            i += len
        }
        return nil
    }
}

/// Where the validator writes what it keeps: an array (compacting) or nothing (validating).
private protocol ByteSink {
    mutating func put(_ byte: UInt8)
    mutating func put(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>)
}

extension Array: ByteSink where Element == UInt8 {
    @inline(__always) mutating func put(_ byte: UInt8) { append(byte) }
    @inline(__always) mutating func put(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) {
        append(contentsOf: UnsafeBufferPointer(rebasing: b[range]))
    }
}

extension Optional: ByteSink where Wrapped == [UInt8] {
    @inline(__always) mutating func put(_ byte: UInt8) {}
    @inline(__always) mutating func put(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) {}
}
