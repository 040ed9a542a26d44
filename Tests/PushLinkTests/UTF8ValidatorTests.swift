import Testing
@testable import PushLink

/// The UTF-8 check of text messages (RFC 3629), whole and split at every byte.
@Suite struct UTF8ValidatorTests {
    static let valid: [[UInt8]] = [
        [], Array("plain ASCII, longer than eight bytes".utf8), Array("κόσμε".utf8), Array("€ 𝄞 \u{10FFFF}".utf8),
        [0xED, 0x9F, 0xBF],  // U+D7FF, just below the surrogates
        [0xEE, 0x80, 0x80],  // U+E000, just above them
        [0xF4, 0x8F, 0xBF, 0xBF],  // U+10FFFF
    ]
    static let invalid: [[UInt8]] = [
        [0x80], [0xBF], [0xC0, 0xAF], [0xC1, 0xBF],  // a lone continuation, overlong two-byte forms
        [0xE0, 0x80, 0xAF], [0xF0, 0x80, 0x80, 0xAF],  // overlong three- and four-byte forms
        [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF],  // surrogates
        [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xFF],  // above U+10FFFF, never-used bytes
        [0xCE, 0xBA, 0xE1],  // a character cut at the end
        Array("0123456789".utf8) + [0xC3, 0x28],  // a bad continuation after the ASCII fast path
    ]

    @Test(arguments: valid) func acceptsUTF8(_ bytes: [UInt8]) {
        #expect(UTF8Validator.isValid(bytes))
        #expect(Self.splitEverywhere(bytes).allSatisfy { $0 })
    }

    @Test(arguments: invalid) func rejectsWhatIsNotUTF8(_ bytes: [UInt8]) {
        #expect(!UTF8Validator.isValid(bytes))
        #expect(Self.splitEverywhere(bytes).allSatisfy { !$0 })
    }

    /// The same check fed in two parts, split at each position: a character may span fragments.
    static func splitEverywhere(_ bytes: [UInt8]) -> [Bool] {
        (0...bytes.count).map { cut in
            var validator = UTF8Validator()
            return validator.feed(bytes[..<cut]) && validator.feed(bytes[cut...]) && validator.isComplete
        }
    }
}
