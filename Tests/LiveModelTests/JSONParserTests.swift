import Testing
import TestSupport
@testable import LiveModel

@Suite struct JSONParserTests {
    @Test(arguments: [
        ("0", JSONValue.int(0)),
        ("-0", .int(0)),
        ("42", .int(42)),
        ("-9223372036854775808", .int(Int64.min)),
        ("9223372036854775807", .int(Int64.max)),
        ("9223372036854775808", .double(9223372036854775808.0)),
        ("1.5", .double(1.5)),
        ("-0.000123", .double(-0.000123)),
        ("1e3", .double(1000)),
        ("2.5E-3", .double(0.0025)),
        ("64123.5", .double(64123.5)),
        ("123456789012345678901234567890", .double(123456789012345678901234567890.0)),
        ("true", .bool(true)),
        ("false", .bool(false)),
        ("null", .null),
        ("\"\"", .string("")),
        ("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"", .string("a\"b\\c/d\u{8}\u{c}\n\r\t")),
        ("\"\\u00e9\\u4e2d\"", .string("é中")),
        ("\"\\ud83d\\ude00\"", .string("😀")),
        ("\"\\ud83d x\"", .string("\u{FFFD} x")),
        ("\"héllo 中文 😀\"", .string("héllo 中文 😀")),
        (" [1, 2 ,3] ", .array([1, 2, 3])),
        ("[]", .array([])),
        ("{}", .object(JSONObject())),
        ("{\"a\":{\"b\":[null,{\"c\":true}]}}", JSONValue.object(JSONObject(["a": .object(JSONObject(["b": .array([.null, .object(JSONObject(["c": .bool(true)]))])]))]))),
    ])
    func parses(_ text: String, _ expected: JSONValue) throws {
        #expect(try JSONValue(parsing: text) == expected)
    }

    /// A leading UTF-8 byte order mark is skipped, as jq does; the text is then not compact (its
    /// rewrite drops the mark), and a mark anywhere else is still an error.
    @Test func aLeadingByteOrderMarkIsSkipped() throws {
        #expect(try JSONValue(parsing: "\u{FEFF}{\"a\":1}") == .object(JSONObject(["a": .int(1)])))
        var tape = JSONTape()
        try tape.parse(Array("\u{FEFF}[1]".utf8))
        #expect(!tape.isCompact)
        #expect(throws: JSONError.self) { try JSONValue(parsing: "[\u{FEFF}1]") }
    }

    @Test func integersStayIntegers() throws {
        let value = try JSONValue(parsing: "{\"seq\":1795708529685,\"px\":1.0}")
        #expect(value[JSONPointer("/seq")!] == .int(1_795_708_529_685))
        #expect(value[JSONPointer("/px")!] == .double(1.0))
    }

    @Test(arguments: [
        ("", JSONError.unexpectedEnd),
        ("   ", .unexpectedEnd),
        ("{", .unexpectedEnd),
        ("[1,", .unexpectedEnd),
        ("\"abc", .unexpectedEnd),
        ("{\"a\" 1}", .unexpectedByte(UInt8(ascii: "1"))),
        ("{\"a\":1,}", .unexpectedByte(UInt8(ascii: "}"))),
        ("[1,]", .unexpectedByte(UInt8(ascii: "]"))),
        ("{1:2}", .unexpectedByte(UInt8(ascii: "1"))),
        ("[1 2]", .unexpectedByte(UInt8(ascii: "2"))),
        ("[1}", .unexpectedByte(UInt8(ascii: "}"))),
        ("tru", .unexpectedEnd),
        ("trux", .unexpectedByte(UInt8(ascii: "x"))),
        ("nul", .unexpectedEnd),
        ("01", .trailingData),
        ("1 2", .trailingData),
        ("{} x", .trailingData),
        ("-", .invalidNumber),
        ("1.", .invalidNumber),
        ("1.e5", .invalidNumber),
        ("1e", .invalidNumber),
        ("1e+", .invalidNumber),
        ("+1", .unexpectedByte(UInt8(ascii: "+"))),
        (".5", .unexpectedByte(UInt8(ascii: "."))),
        ("\"\\x\"", .invalidEscape),
        ("\"\\u12G4\"", .invalidEscape),
        ("\"a\u{01}b\"", .controlCharacterInString),
        ("\"a\nb\"", .controlCharacterInString),
    ])
    func rejects(_ text: String, _ expected: JSONError) {
        #expect {
            _ = try JSONValue(parsing: text)
        } throws: { error in
            (error as? JSONError)?.isSameKind(as: expected) == true
        }
    }

    @Test(arguments: [
        [0x22, 0xC0, 0x80, 0x22],             // overlong NUL
        [0x22, 0xE0, 0x80, 0x80, 0x22],       // overlong 3-byte
        [0x22, 0xED, 0xA0, 0x80, 0x22],       // UTF-16 surrogate D800
        [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], // past U+10FFFF
        [0x22, 0xFF, 0x22],                   // never valid
        [0x22, 0xC3, 0x22],                   // truncated sequence
        [0x22, 0x80, 0x22],                   // lone continuation byte
    ] as [[UInt8]])
    func rejectsInvalidUTF8(_ bytes: [UInt8]) {
        #expect {
            _ = try JSONValue(parsing: bytes)
        } throws: { error in
            (error as? JSONError)?.isSameKind(as: .invalidUTF8) == true
        }
    }

    @Test(.offPool) func duplicateKeysLastWins() throws {
        #expect(try JSONValue(parsing: "{\"a\":1,\"b\":2,\"a\":3}") == ["a": 3, "b": 2])
        #expect(try JSONValue(parsing: "{\"a\":{\"x\":1},\"a\":{\"y\":2}}") == ["a": ["y": 2]])
        // An escaped key is the same key as its unescaped spelling.
        #expect(try JSONValue(parsing: "{\"a\":1,\"\\u0061\":2}") == ["a": 2])
        // Large objects go through the table path.
        let members = (0..<100).map { "\"k\($0)\":\($0)" } + ["\"k7\":\"last\""]
        let big = try JSONValue(parsing: "{" + members.joined(separator: ",") + "}")
        #expect(big.objectValue?.count == 100)
        #expect(big[JSONPointer("/k7")!] == "last")
        // Every key of a 20,000-member object twice (the second time escaped): the later wins each time.
        let twice = (0..<10_000).map { "\"k\($0)\":0" } + (0..<10_000).map { "\"\\u006b\($0)\":\($0)" }
        let repeated = try JSONValue(parsing: "{" + twice.joined(separator: ",") + "}")
        #expect(repeated.objectValue?.count == 10_000)
        #expect((0..<10_000).allSatisfy { repeated[JSONPointer("/k\($0)")!] == .int(Int64($0)) })
    }

    /// RFC 8259 allows a lone surrogate escape, but jq and most decoders stop at it: a string with a
    /// surrogate escape is not copied as it came but decoded and written again, a lone one as U+FFFD.
    @Test func loneSurrogateEscapesAreWrittenAgainForJq() throws {
        var tape = JSONTape()
        let input = Array(#"{"lone":"\ud800 x \udfff","pair":"\uD83D\uDE00","plain":"\u0041"}"#.utf8)
        try tape.parse(input)
        #expect(tape.hasUnsafeText)
        var out: [UInt8] = []
        input.withUnsafeBufferPointer { tape.writeCompact(in: $0, into: &out) }
        #expect(String(decoding: out, as: UTF8.self) == "{\"lone\":\"\u{FFFD} x \u{FFFD}\",\"pair\":\"😀\",\"plain\":\"A\"}")
        try tape.parse(Array(#"{"plain":"\u0041\u00e9"}"#.utf8))
        #expect(!tape.hasUnsafeText, "only surrogate escapes need the rewrite")
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let deep = [UInt8](repeating: UInt8(ascii: "["), count: 100_000)
        #expect {
            _ = try JSONValue(parsing: deep)
        } throws: { error in
            (error as? JSONError)?.isSameKind(as: .depthLimit(64)) == true
        }
        // Exactly at the limit is fine.
        let atLimit = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(throws: Never.self) { _ = try JSONValue(parsing: atLimit) }
        #expect(throws: JSONError.self) { _ = try JSONValue(parsing: "[" + atLimit + "]") }
    }

    @Test(.offPool) func sizeLimitsAreNamedErrors() {
        let tenMegabytes = "\"" + String(repeating: "x", count: 10_000_000) + "\""
        #expect {
            _ = try JSONValue(parsing: tenMegabytes)
        } throws: { error in
            (error as? JSONError)?.isSameKind(as: .stringTooLong(1 << 20)) == true
        }
        let limits = JSONLimits(maxMessageBytes: 100)
        #expect {
            _ = try JSONValue(parsing: "[" + String(repeating: "1,", count: 60) + "1]", limits: limits)
        } throws: { error in
            (error as? JSONError)?.isSameKind(as: .messageTooLarge(100)) == true
        }
    }

    @Test func errorsDescribeThemselvesOnOneLine() {
        for text in ["{", "[1,]", "\"\\x\"", "01", "\"a\u{01}\""] {
            do {
                _ = try JSONValue(parsing: text)
                Issue.record("parsed \(text)")
            } catch {
                #expect(!error.description.contains("\n"))
                #expect(error.description.hasPrefix("invalid JSON"))
            }
        }
    }

    @Test func tapeFlagsCompactAndUnsafeText() throws {
        var tape = JSONTape()
        try tape.parse(Array("{\"a\":[1,2]}".utf8))
        #expect(tape.isCompact && !tape.hasUnsafeText)
        try tape.parse(Array("{\"a\": 1}".utf8))
        #expect(!tape.isCompact)
        for unsafe in ["\"\u{7F}\"", "\"\u{9B}[31m\"", "\"\u{202E}evil\"", "\"\u{2066}\""] {
            try tape.parse(Array(unsafe.utf8))
            #expect(tape.hasUnsafeText, "\(unsafe.unicodeScalars.map { $0.value })")
        }
        try tape.parse(Array("\"café ✓ 中\"".utf8))
        #expect(!tape.hasUnsafeText)
    }

    @Test func tapeGrowsForLargeMessagesAndIsReusable() throws {
        var tape = JSONTape()
        let many = "[" + (0..<10_000).map(String.init).joined(separator: ",") + "]"
        try tape.parse(Array(many.utf8))
        #expect(tape.count == 10_001)
        try tape.parse(Array("[1]".utf8))
        #expect(tape.count == 2)
        // A copy of a tape is independent of the original (copy on write).
        var copy = tape
        try copy.parse(Array("{\"x\":true}".utf8))
        #expect(tape.count == 2 && copy.count == 3)
    }

    @Test func serializationRoundTripsAndEscapesTerminalControls() throws {
        let value: JSONValue = ["s": "a\"b\\c\n\u{1B}[2J\u{9B}\u{202E}é", "n": 1.5, "i": -3, "big": 1e300, "list": [true, nil]]
        let text = value.jsonText
        #expect(!text.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) || $0.value == 0x202E })
        #expect(text.contains("\\u001b") && text.contains("\\u009b") && text.contains("\\u202e"))
        #expect(try JSONValue(parsing: text) == value)
        #expect(JSONValue.double(2).jsonText == "2.0")
        #expect(JSONValue.double(.infinity).jsonText == "1e999")
    }
}
