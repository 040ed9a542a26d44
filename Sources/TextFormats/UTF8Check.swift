/// UTF-8 as RFC 3629 defines it: no overlong forms, no surrogates (U+D800-DFFF), nothing past
/// U+10FFFF. Shared by the JSON validator (which refuses invalid text) and the writer (which
/// repairs it).
enum UTF8Check {
    /// The length of the valid sequence starting at `i` (1 for ASCII), or 0 when the bytes there
    /// do not start one: a stray continuation byte, a cut sequence, an overlong form, a surrogate.
    @inline(__always)
    static func sequenceLength(_ b: UnsafeBufferPointer<UInt8>, at i: Int) -> Int {
        let n = b.count
        let c0 = b[i]
        if c0 < 0x80 { return 1 }
        @inline(__always) func cont(_ j: Int) -> Bool { j < n && b[j] & 0xC0 == 0x80 }
        switch c0 {
        case 0xC2...0xDF:
            return cont(i + 1) ? 2 : 0
        case 0xE0...0xEF:
            guard i + 1 < n else { return 0 }
            let c1 = b[i + 1]
            let low: UInt8 = c0 == 0xE0 ? 0xA0 : 0x80   // E0 80..9F would be overlong
            let high: UInt8 = c0 == 0xED ? 0x9F : 0xBF  // ED A0..BF would be a surrogate
            guard c1 >= low, c1 <= high, cont(i + 2) else { return 0 }
            return 3
        case 0xF0...0xF4:
            guard i + 1 < n else { return 0 }
            let c1 = b[i + 1]
            let low: UInt8 = c0 == 0xF0 ? 0x90 : 0x80   // F0 80..8F would be overlong
            let high: UInt8 = c0 == 0xF4 ? 0x8F : 0xBF  // F4 90.. would pass U+10FFFF
            guard c1 >= low, c1 <= high, cont(i + 2), cont(i + 3) else { return 0 }
            return 4
        default:
            return 0  // 80..C1 (continuation or overlong lead), F5..FF
        }
    }

    /// Whether all of `b` is valid UTF-8.
    static func isValid(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        while i < b.count {
            if b[i] < 0x80 { i += 1; continue }
            let len = sequenceLength(b, at: i)
            if len == 0 { return false }
            i += len
        }
        return true
    }

    /// `bytes` with every byte that does not start or belong to a valid sequence replaced by
    /// U+FFFD (one replacement per such byte); `bytes` itself when it is valid already.
    static func repaired(_ bytes: [UInt8]) -> [UInt8] {
        bytes.withUnsafeBufferPointer { b in
            if isValid(b) { return bytes }
            var out: [UInt8] = []
            out.reserveCapacity(b.count + 8)
            var i = 0
            while i < b.count {
                let len = sequenceLength(b, at: i)
                if len == 0 {
                    out.append(contentsOf: [0xEF, 0xBF, 0xBD])
                    i += 1
                } else {
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: b[i..<(i + len)]))
                    i += len
                }
            }
            return out
        }
    }
}
