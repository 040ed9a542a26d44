@testable import LinkWire
import Testing
import TestSupport
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

/// The UTF-8 check on text messages agrees with the standard library's decoder.
@Suite struct UTF8ValidatorAgreementTests {
    @Test(arguments: [
        ([UInt8](), true), (Array("plain ascii, longer than eight bytes".utf8), true), (Array("café € 😀".utf8), true),
        ([0xC3, 0x28], false), ([0xC0, 0xAF], false), ([0xE0, 0x80, 0xAF], false), ([0xED, 0xA0, 0x80], false),
        ([0xF4, 0x90, 0x80, 0x80], false), ([0xF0, 0x9F, 0x98], false), ([0x80], false), ([0xFF], false),
        (Array("12345678".utf8) + [0xE2, 0x82, 0xAC], true), (Array("1234567".utf8) + [0xE2, 0x82], false),
    ])
    func knownSequences(_ bytes: [UInt8], _ valid: Bool) {
        #expect(UTF8Validator.isValid(bytes[...]) == valid)
    }

    /// Short strings over the bytes where the rules change (boundaries of lead and continuation
    /// ranges), so that every rule is hit many times. (One #expect for all: it runs on one of the
    /// test process's two cooperative threads, which other tests need too.)
    @Test(.offPool) func agreesWithTheStandardLibraryOnRandomBytes() {
        var generator = SystemRandomNumberGenerator()
        let alphabet: [UInt8] = [0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC2, 0xDF, 0xE0, 0xE1, 0xED, 0xEF, 0xF0, 0xF4, 0xF5]
        var disagreements: [[UInt8]] = []
        for _ in 0..<20_000 {
            let bytes = (0..<Int.random(in: 0...12, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }
            if UTF8Validator.isValid(bytes[...]) != (String(validating: bytes, as: UTF8.self) != nil) { disagreements.append(bytes) }
        }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(5).map { $0.map { String($0, radix: 16) } })")
    }
}
