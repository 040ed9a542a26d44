/// Checks that bytes are well-formed UTF-8 (RFC 3629 §4: no overlong forms, no surrogates,
/// nothing above U+10FFFF), in place, without building a String.
///
/// RFC 6455 §8.1 asks a client to fail the connection (1007) when a text message is not UTF-8.
/// It runs on every text message, at more than a million a second: ASCII, which is what most
/// JSON is, goes eight bytes per step; only the bytes of a multi-byte sequence are looked at one
/// by one.
enum UTF8Validator {
    static func isValid(_ bytes: ArraySlice<UInt8>) -> Bool {
        bytes.withUnsafeBufferPointer { isValid($0) }
    }

    static func isValid(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let end = bytes.count
        var i = 0
        while i < end {
            // Eight ASCII bytes at a time: no byte has its high bit set.
            while i + 8 <= end {
                let word = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                if word & 0x8080_8080_8080_8080 != 0 { break }
                i += 8
            }
            guard i < end else { return true }
            let lead = base[i]
            if lead < 0x80 {
                i += 1
                continue
            }
            // The allowed range of the second byte depends on the lead byte (Table 3-7 of Unicode).
            let length: Int
            var low: UInt8 = 0x80, high: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; high = 0x9F
            case 0xF0: length = 4; low = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; high = 0x8F
            default: return false  // a continuation byte, C0/C1 (overlong) or F5 and above
            }
            guard i + length <= end else { return false }
            let second = base[i + 1]
            guard second >= low && second <= high else { return false }
            var k = 2
            while k < length {
                guard base[i + k] & 0xC0 == 0x80 else { return false }
                k += 1
            }
            i += length
        }
        return true
    }
}
