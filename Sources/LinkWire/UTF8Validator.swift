/// Checks that a text message is UTF-8 (RFC 3629) as its fragments arrive, so a bad byte fails the
/// connection with 1007 at once (RFC 6455 §8.1), not only when the last fragment is in. Rejects
/// overlong forms, surrogates (U+D800–DFFF) and code points above U+10FFFF. A sequence may be split
/// between fragments; `isComplete` says whether the bytes so far end on a character boundary.
package struct UTF8Validator {
    /// Continuation bytes still expected for the character under way.
    private var pending = 0
    /// The range the next continuation byte must be in: narrower than 0x80–0xBF only right after a
    /// lead byte whose second byte is restricted (E0, ED, F0, F4).
    private var low: UInt8 = 0x80
    private var high: UInt8 = 0xBF

    /// The bytes so far end on a character boundary.
    package var isComplete: Bool { pending == 0 }

    /// Feeds the next bytes of the message; false as soon as they cannot be UTF-8.
    package mutating func feed(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        let count = bytes.count
        while i < count {
            if pending == 0 {
                // Feeds are mostly ASCII: skip 8 bytes at a time while no high bit is set.
                while i + 8 <= count, bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                    i += 8
                }
                guard i < count else { return true }
                let byte = bytes[i]
                i += 1
                switch byte {
                case 0x00...0x7F: continue
                case 0xC2...0xDF: expect(1, 0x80, 0xBF)
                case 0xE0: expect(2, 0xA0, 0xBF)  // no overlong three-byte forms
                case 0xED: expect(2, 0x80, 0x9F)  // no surrogates
                case 0xE1...0xEF: expect(2, 0x80, 0xBF)
                case 0xF0: expect(3, 0x90, 0xBF)  // no overlong four-byte forms
                case 0xF4: expect(3, 0x80, 0x8F)  // nothing above U+10FFFF
                case 0xF1...0xF3: expect(3, 0x80, 0xBF)
                default: return false  // 80–C1 (continuation or overlong lead), F5–FF
                }
            } else {
                let byte = bytes[i]
                i += 1
                guard byte >= low, byte <= high else { return false }
                expect(pending - 1, 0x80, 0xBF)
            }
        }
        return true
    }

    package mutating func feed(_ bytes: some Collection<UInt8>) -> Bool {
        if let result = bytes.withContiguousStorageIfAvailable({ feed(UnsafeRawBufferPointer($0)) }) { return result }
        return Array(bytes).withUnsafeBytes { feed($0) }
    }

    /// True when `bytes` is a whole UTF-8 text.
    package static func isValid(_ bytes: some Collection<UInt8>) -> Bool {
        var validator = UTF8Validator()
        return validator.feed(bytes) && validator.isComplete
    }

    private mutating func expect(_ count: Int, _ low: UInt8, _ high: UInt8) {
        pending = count
        self.low = low
        self.high = high
    }
}
