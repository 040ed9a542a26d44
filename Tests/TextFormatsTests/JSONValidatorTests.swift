import Testing
@testable import TextFormats

struct JSONValidatorTests {
    /// Valid JSON and its compacted form.
    static let valid: [(String, String)] = [
        ("0", "0"), ("-0", "-0"), ("12", "12"), ("-3.5e+10", "-3.5e+10"), ("1E-2", "1E-2"),
        ("true", "true"), ("false", "false"), ("null", "null"),
        (#""""#, #""""#), (#""a\"b\\c\/d\b\f\n\r\t""#, #""a\"b\\c\/d\b\f\n\r\t""#),
        (#""\u00e9\uD83D\uDE00""#, #""\u00e9\uD83D\uDE00""#), ("\"é😀\"", "\"é😀\""),
        ("[]", "[]"), ("{}", "{}"), (" [ 1 , 2 ,\n 3 ] ", "[1,2,3]"),
        (#"{ "a" : { "b" : [ true , null ] } , "c" : "x y" }"#, #"{"a":{"b":[true,null]},"c":"x y"}"#),
        ("\t\r\n{\"k\":[[],{}]}\n", #"{"k":[[],{}]}"#),
    ]

    @Test(arguments: valid)
    func validTextIsCompacted(text: String, compact: String) {
        let out = Array(text.utf8).withUnsafeBufferPointer { JSONValidator().compacted($0) }
        #expect(out.map { String(decoding: $0, as: UTF8.self) } == compact)
    }

    static let invalid: [String] = [
        "", " ", "01", "-", "1.", ".5", "+1", "1e", "1e+", "0x1F", "NaN", "Infinity", "tru", "nul", "True",
        "[", "]", "[1,]", "[,1]", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{a:1}", "{'a':1}", "[1 2]", "1 2",
        "\"abc", "\"a\\x\"", "\"\\u12\"", "\"\\uD800\"", "\"\\uDC00\"", "\"\\uD800\\u0041\"", "\"tab\there\"",
        "{\"a\":1}}", "[1]]", "\u{7F}", "[1]x",
    ]

    @Test(arguments: invalid)
    func invalidTextIsRefused(text: String) {
        #expect(!Array(text.utf8).withUnsafeBufferPointer { JSONValidator().isValid($0) })
    }

    static let invalidUTF8: [[UInt8]] = [
        [0x22, 0xFF, 0x22], [0x22, 0xC0, 0xAF, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xE2, 0x82, 0x22],
        [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], [0x22, 0x80, 0x22], [0xEF, 0xBB, 0xBF, 0x31],
    ]

    @Test(arguments: invalidUTF8)
    func invalidUTF8IsRefused(bytes: [UInt8]) {
        #expect(!bytes.withUnsafeBufferPointer { JSONValidator().isValid($0) })
    }

    @Test(arguments: [(512, true), (513, false)])
    func nestingIsBounded(depth: Int, valid: Bool) {
        let text = Array(repeating: UInt8(ascii: "["), count: depth) + Array(repeating: UInt8(ascii: "]"), count: depth)
        #expect(text.withUnsafeBufferPointer { JSONValidator().isValid($0) } == valid)
    }

    @Test func deepNestingBeyondTheLimitIsTextNotACrash() {
        let deep = Array(repeating: UInt8(ascii: "["), count: 1_000_000)
        var parser = TextParser(format: .json)
        #expect(parser.line(deep).kind == .text)
    }
}

struct JSONWriterTests {
    static let strings: [([UInt8], String)] = [
        (Array("plain".utf8), #""plain""#),
        (Array("q\"b\\".utf8), #""q\"b\\""#),
        ([0x00, 0x09, 0x0A, 0x1F, 0x7F], #""\u0000\u0009\u000a\u001f\u007f""#),
        (Array("é😀".utf8), "\"é😀\""),
        ([0x61, 0xFF, 0x62], "\"a\u{FFFD}b\""),
        ([0xED, 0xA0, 0x80], "\"\u{FFFD}\u{FFFD}\u{FFFD}\""),
        ([0xE2, 0x82], "\"\u{FFFD}\u{FFFD}\""),
    ]

    @Test(arguments: strings)
    func stringsAreEscapedAndRepaired(bytes: [UInt8], json: String) {
        var writer = JSONWriter()
        writer.string(bytes)
        #expect(String(decoding: writer.bytes, as: UTF8.self) == json)
        #expect(writer.bytes.withUnsafeBufferPointer { JSONValidator().isValid($0) })
    }
}
