/// The parser behind `JSONTape.parse`: one pass over the bytes, writing tokens through a raw pointer.
///
/// All of its state is in this struct, used as a local variable, so the hot loop works on
/// registers and the stack instead of class properties and arrays (measured: 2.1 M msg/s when the
/// same loop appended to arrays, several times that this way). It never writes past `capacity`;
/// when the tape is too small it answers `.outOfTokens` and the caller grows it and starts over.
struct JSONScanner {
    enum Outcome { case done, failed(JSONError), outOfTokens }

    private struct Stop: Error { let outcome: Outcome }

    let base: UnsafePointer<UInt8>?
    let n: Int
    let out: UnsafeMutablePointer<JSONToken>
    let capacity: Int
    let stack: UnsafeMutablePointer<Int32>
    /// Per open object: one bit per key hash seen. A key whose bit is already set may repeat an
    /// earlier one, and only then does the object get the pairwise duplicate check on close.
    let keyBits: UnsafeMutablePointer<UInt64>
    private(set) var count = 0
    private var depth = 0
    private(set) var isCompact = true
    private(set) var hasUnsafeText = false
    private(set) var hasShadowedKeys = false

    init(bytes: UnsafeBufferPointer<UInt8>, tokens: UnsafeMutablePointer<JSONToken>, capacity: Int,
         stack: UnsafeMutablePointer<Int32>, keyBits: UnsafeMutablePointer<UInt64>) {
        self.keyBits = keyBits
        base = bytes.baseAddress
        n = bytes.count
        out = tokens
        self.capacity = capacity
        self.stack = stack
    }

    mutating func run(limits: JSONLimits) -> Outcome {
        guard n <= limits.maxMessageBytes else { return .failed(JSONError(.messageTooLarge(limits.maxMessageBytes), at: 0)) }
        guard let base, n > 0 else { return .failed(JSONError(.unexpectedEnd, at: 0)) }
        do {
            try scan(base, limits: limits)
            return .done
        } catch {
            return error.outcome
        }
    }

    @inline(__always)
    private func fail(_ kind: JSONError.Kind, at offset: Int) -> Stop { Stop(outcome: .failed(JSONError(kind, at: offset))) }

    @inline(__always)
    private mutating func push(_ kind: JSONToken.Kind, start: Int, length: Int, bits: UInt64 = 0, escaped: Bool = false) throws(Stop) {
        guard count < capacity else { throw Stop(outcome: .outOfTokens) }
        out[count] = JSONToken(kind: kind, escaped: escaped, start: Int32(truncatingIfNeeded: start),
                               length: Int32(truncatingIfNeeded: length), end: Int32(truncatingIfNeeded: count + 1), count: 0, bits: bits)
        count += 1
    }

    /// Skips JSON whitespace, noting that the message is not compact.
    @inline(__always)
    private mutating func skipSpace(_ base: UnsafePointer<UInt8>, _ i: inout Int) {
        while i < n {
            let b = base[i]
            guard b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 else { return }
            isCompact = false
            i += 1
        }
    }

    /// Reads `"key" :` at `i`, leaving `i` at the value.
    @inline(__always)
    private mutating func scanKey(_ base: UnsafePointer<UInt8>, _ i: inout Int, limits: JSONLimits) throws(Stop) {
        if i < n && base[i] != UInt8(ascii: "\"") { skipSpace(base, &i) }
        guard i < n else { throw fail(.unexpectedEnd, at: n) }
        guard base[i] == UInt8(ascii: "\"") else { throw fail(.unexpectedByte(base[i]), at: i) }
        i = try scanString(base, from: i + 1, kind: .key, limits: limits)
        // Bit 0 means "maybe a duplicate"; the other 63 bits record hashes seen.
        let bit: UInt64 = 2 << ((out[count - 1].bits &* 0x9E37_79B9_7F4A_7C15) % 63)
        keyBits[depth - 1] |= (keyBits[depth - 1] & bit != 0) ? bit | 1 : bit
        if i < n && base[i] != UInt8(ascii: ":") { skipSpace(base, &i) }
        guard i < n else { throw fail(.unexpectedEnd, at: n) }
        guard base[i] == UInt8(ascii: ":") else { throw fail(.unexpectedByte(base[i]), at: i) }
        i += 1
    }

    /// One pass in two alternating steps: read a value, then what may follow it (a comma and the
    /// next member, or closing brackets), with the open containers on an explicit stack so that
    /// nesting costs no recursion.
    private mutating func scan(_ base: UnsafePointer<UInt8>, limits: JSONLimits) throws(Stop) {
        var i = 0
        // A leading UTF-8 byte order mark is skipped, as jq does (Windows tools write one); the
        // message is then not its own compact text, so it is rewritten without it.
        if n >= 3 && base[0] == 0xEF && base[1] == 0xBB && base[2] == 0xBF {
            i = 3
            isCompact = false
        }
        value: while true {
            if i < n && base[i] <= 0x20 { skipSpace(base, &i) }
            guard i < n else { throw fail(.unexpectedEnd, at: n) }
            let b = base[i]
            switch b {
            case UInt8(ascii: "\""):
                i = try scanString(base, from: i + 1, kind: .string, limits: limits)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                i = try scanNumber(base, from: i)
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                guard depth < limits.maxDepth else { throw fail(.depthLimit(limits.maxDepth), at: i) }
                let isObject = b == UInt8(ascii: "{")
                try push(isObject ? .object : .array, start: i, length: 0)
                stack[depth] = Int32(count - 1)
                keyBits[depth] = 0
                depth += 1
                i += 1
                if i < n && base[i] <= 0x20 { skipSpace(base, &i) }
                guard i < n else { throw fail(.unexpectedEnd, at: n) }
                if base[i] == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    i += 1
                    closeContainer(base)
                } else {
                    if isObject { try scanKey(base, &i, limits: limits) }
                    continue value
                }
            case UInt8(ascii: "t"):
                try literal(base, at: i, 0x74_72_75_65, 4)  // "true"
                try push(.true, start: i, length: 4)
                i += 4
            case UInt8(ascii: "f"):
                try literal(base, at: i + 1, 0x61_6C_73_65, 4)  // "alse"
                try push(.false, start: i, length: 5)
                i += 5
            case UInt8(ascii: "n"):
                try literal(base, at: i, 0x6E_75_6C_6C, 4)  // "null"
                try push(.null, start: i, length: 4)
                i += 4
            default:
                throw fail(.unexpectedByte(b), at: i)
            }
            // After a value: count it as a member of its container, then a comma or a close.
            while true {
                guard depth > 0 else {
                    if i < n { skipSpace(base, &i) }
                    if i < n { throw fail(.trailingData, at: i) }
                    return
                }
                let container = Int(stack[depth - 1])
                out[container].count += 1
                if i < n && base[i] <= 0x20 { skipSpace(base, &i) }
                guard i < n else { throw fail(.unexpectedEnd, at: n) }
                let c = base[i]
                let isObject = out[container].kind == .object
                if c == UInt8(ascii: ",") {
                    i += 1
                    if isObject { try scanKey(base, &i, limits: limits) }
                    continue value
                }
                guard c == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) else { throw fail(.unexpectedByte(c), at: i) }
                i += 1
                closeContainer(base)
            }
        }
    }

    /// Checks four bytes against a big-endian packed word.
    @inline(__always)
    private func literal(_ base: UnsafePointer<UInt8>, at i: Int, _ word: UInt32, _ length: Int) throws(Stop) {
        guard i + length <= n else { throw fail(.unexpectedEnd, at: n) }
        for j in 0..<length where base[i + j] != UInt8(truncatingIfNeeded: word >> (8 * UInt32(length - 1 - j))) {
            throw fail(.unexpectedByte(base[i + j]), at: i + j)
        }
    }

    private mutating func closeContainer(_ base: UnsafePointer<UInt8>) {
        depth -= 1
        let index = Int(stack[depth])
        out[index].end = Int32(truncatingIfNeeded: count)
        if out[index].kind == .object && keyBits[depth] & 1 != 0 { shadowDuplicateKeys(ofObject: index, base: base) }
    }

    @inline(__always)
    private mutating func scanString(_ base: UnsafePointer<UInt8>, from start: Int, kind: JSONToken.Kind,
                                     limits: JSONLimits) throws(Stop) -> Int {
        var i = start
        var escaped = false
        while true {
            // Eight bytes at a time: skip to the first quote, backslash, control, DEL or non-ASCII byte.
            if i + 8 <= n {
                let special = JSONScanner.specialBytes(UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self))
                if special == 0 {
                    i += 8
                    continue
                }
                i += special.trailingZeroBitCount >> 3
            } else if i >= n {
                throw fail(.unexpectedEnd, at: n)
            }
            let b = base[i]
            if b == UInt8(ascii: "\"") { break }
            if b == UInt8(ascii: "\\") {
                escaped = true
                guard i + 1 < n else { throw fail(.unexpectedEnd, at: n) }
                switch base[i + 1] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                     UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    i += 2
                case UInt8(ascii: "u"):
                    guard i + 5 < n else { throw fail(.unexpectedEnd, at: n) }
                    for j in 2...5 where JSONTape.hexValue(base[i + j]) == nil { throw fail(.invalidEscape, at: i) }
                    // A surrogate escape (\uD800-\uDFFF) may stand alone, which RFC 8259 allows but jq
                    // and most decoders refuse: such a string is decoded and written again (a lone
                    // one becomes U+FFFD) rather than copied.
                    if base[i + 2] | 0x20 == UInt8(ascii: "d"), (JSONTape.hexValue(base[i + 3]) ?? 0) >= 8 { hasUnsafeText = true }
                    i += 6
                default:
                    throw fail(.invalidEscape, at: i)
                }
                continue
            }
            if b < 0x20 { throw fail(.controlCharacterInString, at: i) }
            if b < 0x80 {
                if b == 0x7F { hasUnsafeText = true }
                i += 1
                continue
            }
            i = try scanMultiByte(base, at: i)
        }
        let length = i - start
        guard length <= limits.maxStringBytes else { throw fail(.stringTooLong(limits.maxStringBytes), at: start) }
        var hash: UInt64 = 0
        if kind == .key {
            // Escaped keys hash by their decoded bytes, so that "\u0061" and "a" find the same slot.
            if escaped {
                var decoded: [UInt8] = []
                JSONTape.unescape(UnsafeBufferPointer(start: base + start, count: length), into: &decoded)
                hash = decoded.withUnsafeBufferPointer { JSONTape.hash($0) }
            } else if length < 8 && start + 8 <= n {
                // The same word JSONTape.hash builds byte by byte, in one load: the buffer goes on past the key.
                let word = UnsafeRawPointer(base + start).loadUnaligned(as: UInt64.self)
                hash = word & ((1 << (UInt64(length) << 3)) &- 1)
            } else {
                hash = JSONTape.hash(UnsafeBufferPointer(start: base + start, count: length))
            }
        }
        try push(kind, start: start, length: length, bits: hash, escaped: escaped)
        return i + 1
    }

    /// The high bit of each byte of `w` that is `"`, `\\`, below 0x20, 0x7F or above 0x7F
    /// (little-endian, so the lowest set bit marks the first such byte). Byte-wise tests from
    /// "Bit Twiddling Hacks"; borrows only run upward, so the lowest flag is always exact.
    @inline(__always)
    static func specialBytes(_ w: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        @inline(__always) func zeroBytes(_ x: UInt64) -> UInt64 { (x &- ones) & ~x & highs }
        let below20 = (w &- ones &* 0x20) & ~w & highs
        return (w & highs) | below20 | zeroBytes(w ^ (ones &* 0x22)) | zeroBytes(w ^ (ones &* 0x5C)) | zeroBytes(w ^ (ones &* 0x7F))
    }

    /// Validates one UTF-8 sequence (RFC 3629: no overlongs, no surrogates, nothing past U+10FFFF)
    /// and notes C1 and bidi controls, which are valid text but must not reach a terminal raw.
    @inline(__always)
    private mutating func scanMultiByte(_ base: UnsafePointer<UInt8>, at i: Int) throws(Stop) -> Int {
        let b0 = base[i]
        let width = b0 >= 0xF0 ? 4 : b0 >= 0xE0 ? 3 : 2
        guard b0 >= 0xC2 && b0 <= 0xF4, i + width <= n else { throw fail(.invalidUTF8, at: i) }
        for k in 1..<width where base[i + k] & 0xC0 != 0x80 { throw fail(.invalidUTF8, at: i) }
        let b1 = base[i + 1]
        switch b0 {
        case 0xC2 where b1 <= 0x9F:
            hasUnsafeText = true  // C1 controls U+0080–U+009F
        case 0xE0 where b1 < 0xA0, 0xED where b1 > 0x9F, 0xF0 where b1 < 0x90, 0xF4 where b1 > 0x8F:
            throw fail(.invalidUTF8, at: i)  // overlong, surrogate, or past U+10FFFF
        case 0xE2:
            let b2 = base[i + 2]
            // U+202A–U+202E and U+2066–U+2069: bidi embedding, override and isolate controls.
            if (b1 == 0x80 && b2 >= 0xAA && b2 <= 0xAE) || (b1 == 0x81 && b2 >= 0xA6 && b2 <= 0xA9) { hasUnsafeText = true }
        default:
            break
        }
        return i + width
    }

    @inline(__always)
    private mutating func scanNumber(_ base: UnsafePointer<UInt8>, from start: Int) throws(Stop) -> Int {
        var i = start
        let negative = base[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        guard i < n, base[i] &- UInt8(ascii: "0") < 10 else { throw fail(.invalidNumber, at: start) }
        var mantissa: UInt64 = 0
        let integerStart = i
        if base[i] == UInt8(ascii: "0") {
            i += 1
        } else {
            while i < n {
                let d = base[i] &- UInt8(ascii: "0")
                if d >= 10 { break }
                mantissa = mantissa &* 10 &+ UInt64(d)
                i += 1
            }
        }
        var digits = i - integerStart
        var fractionDigits = 0
        var isInteger = true
        if i < n && base[i] == UInt8(ascii: ".") {
            isInteger = false
            i += 1
            let fractionStart = i
            while i < n {
                let d = base[i] &- UInt8(ascii: "0")
                if d >= 10 { break }
                mantissa = mantissa &* 10 &+ UInt64(d)
                i += 1
            }
            fractionDigits = i - fractionStart
            guard fractionDigits > 0 else { throw fail(.invalidNumber, at: start) }
            digits += fractionDigits
        }
        var exponent = 0
        if i < n && base[i] | 0x20 == UInt8(ascii: "e") {
            isInteger = false
            i += 1
            var expNegative = false
            if i < n && (base[i] == UInt8(ascii: "+") || base[i] == UInt8(ascii: "-")) {
                expNegative = base[i] == UInt8(ascii: "-")
                i += 1
            }
            let exponentStart = i
            while i < n {
                let d = base[i] &- UInt8(ascii: "0")
                if d >= 10 { break }
                if exponent < 100_000 { exponent = exponent * 10 + Int(d) }
                i += 1
            }
            guard i > exponentStart else { throw fail(.invalidNumber, at: start) }
            if expNegative { exponent = -exponent }
        }
        let length = i - start
        // Integers stay integers while they fit in Int64.
        if isInteger && digits <= 19 {
            if !negative && mantissa <= UInt64(Int64.max) {
                try push(.int, start: start, length: length, bits: mantissa)
                return i
            }
            if negative && mantissa <= UInt64(Int64.max) + 1 {
                try push(.int, start: start, length: length, bits: (~mantissa) &+ 1)  // two's complement negation
                return i
            }
        }
        // Clinger's fast path: an exact mantissa scaled by an exact power of ten rounds once, correctly.
        var value: Double
        let e10 = exponent - fractionDigits
        if digits <= 19 && mantissa <= (1 << 53) && e10 >= -22 && e10 <= 22 {
            value = Double(mantissa)
            if e10 >= 0 { value *= JSONTape.powersOfTen[e10] } else { value /= JSONTape.powersOfTen[-e10] }
            if negative { value = -value }
        } else {
            let text = String(decoding: UnsafeBufferPointer(start: base + start, count: length), as: UTF8.self)
            guard let parsed = Double(text) else { throw fail(.invalidNumber, at: start) }
            value = parsed
        }
        try push(.double, start: start, length: length, bits: value.bitPattern)
        return i
    }

    // MARK: Duplicate keys

    /// Marks every key that a later key of the same object repeats as `.shadowedKey` ("last wins").
    private mutating func shadowDuplicateKeys(ofObject object: Int, base: UnsafePointer<UInt8>) {
        let end = Int(out[object].end)
        if out[object].count > 32 { return shadowDuplicateKeysByTable(ofObject: object, base: base) }
        // Small objects: compare hashes pairwise in place; equal hashes are confirmed on the bytes.
        var a = object + 1
        while a < end {
            let nextA = Int(out[a + 1].end)
            var b = nextA
            while b < end {
                if out[a].bits == out[b].bits && sameKey(a, b, base: base) {
                    out[a].kind = .shadowedKey
                    hasShadowedKeys = true
                    break
                }
                b = Int(out[b + 1].end)
            }
            a = nextA
        }
    }

    /// Large objects: one pass from the last member back, remembering the keys seen in a chained
    /// hash table of member positions, so that an object with a million members costs linear time
    /// and 16 bytes a member (a dictionary of arrays cost over 100 bytes a member: 170 MB for one
    /// hostile message of a million keys).
    private mutating func shadowDuplicateKeysByTable(ofObject object: Int, base: UnsafePointer<UInt8>) {
        var keys: [Int32] = []
        keys.reserveCapacity(Int(out[object].count))
        var k = object + 1
        let end = Int(out[object].end)
        while k < end {
            keys.append(Int32(truncatingIfNeeded: k))
            k = Int(out[k + 1].end)
        }
        var shift = 64
        while (1 << (64 - shift)) < keys.count * 2 { shift -= 1 }
        // Bucket heads and, per member position, the next position in the same bucket (-1: none).
        var heads = [Int32](repeating: -1, count: 1 << (64 - shift))
        var chain = [Int32](repeating: -1, count: keys.count)
        for position in keys.indices.reversed() {
            let key = Int(keys[position])
            let h = out[key].bits
            // Fibonacci hashing: the top bits of the product spread any key hash over the table.
            let bucket = Int(truncatingIfNeeded: (h &* 0x9E37_79B9_7F4A_7C15) >> UInt64(shift))
            var p = heads[bucket]
            var repeated = false
            while p >= 0 {
                let later = Int(keys[Int(p)])
                if out[later].bits == h && sameKey(later, key, base: base) {
                    repeated = true
                    break
                }
                p = chain[Int(p)]
            }
            if repeated {
                out[key].kind = .shadowedKey
                hasShadowedKeys = true
            } else {
                chain[position] = heads[bucket]
                heads[bucket] = Int32(truncatingIfNeeded: position)
            }
        }
    }

    private func sameKey(_ a: Int, _ b: Int, base: UnsafePointer<UInt8>) -> Bool {
        func decoded(_ t: JSONToken) -> [UInt8] {
            let raw = UnsafeBufferPointer(start: base + Int(t.start), count: Int(t.length))
            guard t.escaped else { return Array(raw) }
            var bytes: [UInt8] = []
            JSONTape.unescape(raw, into: &bytes)
            return bytes
        }
        return decoded(out[a]) == decoded(out[b])
    }
}
