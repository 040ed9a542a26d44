import Testing
import TextFormats

struct JSONFormatTests {
    static let lines: [([UInt8], String)] = [
        (Array(#"{"a": 1, "b": [true, null]}"#.utf8), #"{"a":1,"b":[true,null]}"#),
        ([0xEF, 0xBB, 0xBF] + Array(#"{"bom":1}"#.utf8), #"{"bom":1}"#),
        (Array("42".utf8), "42"),
        (Array(#"{"a":1}"#.utf8) + [0x0D], #"{"a":1}"#),
        (Array("a=1".utf8), "text"),
        (Array(#"{"a":1"#.utf8), "text"),
        (Array("".utf8), "text"),
        ([0xEF, 0xBB, 0xBF], "text"),
    ]

    @Test(arguments: lines)
    func jsonLines(line: [UInt8], shown: String) {
        var parser = TextParser(format: .json)
        #expect(parser.line(line).shown == shown)
        #expect(parser.picked == .json)
    }

    @Test func aPrettyDocumentIsCompacted() {
        #expect(document(.json, "{\n  \"a\": [\n    1,\n    2\n  ]\n}\n").shown == #"{"a":[1,2]}"#)
        #expect(document(.json, "{\"a\":1}\n{\"a\":2}\n").shown == "text")
    }
}

struct AutoFormatTests {
    /// One auto parser reading these lines: what each became, and what it then says it picked.
    static let lines: [(String, String, TextFormat?)] = [
        (#"{"level":"info"}"#, #"{"level":"info"}"#, .json),
        ("level=info msg=\"up\" took=12", #"{"level":"info","msg":"up","took":12}"#, .logfmt),
        ("plain words only", "text", .text),
        ("", "skip", nil),
        ("a=\"unclosed", "text", .text),
        ("=x", "text", .text),
    ]

    @Test(arguments: lines)
    func autoLines(line: String, shown: String, picked: TextFormat?) {
        var parser = TextParser(format: .auto)
        #expect(parser.line(Array(line.utf8)).shown == shown)
        #expect(parser.picked == picked)
    }

    @Test func pickedFollowsTheLastMessage() {
        var parser = TextParser(format: .auto)
        #expect(parser.picked == nil)
        _ = parser.line(Array("a=1".utf8))
        #expect(parser.picked == .logfmt)
        _ = parser.line(Array("".utf8))
        #expect(parser.picked == .logfmt)
        _ = parser.line(Array("[1]".utf8))
        #expect(parser.picked == .json)
    }

    static let contentTypes: [(String?, Bool)] = [
        ("text/plain; version=0.0.4; charset=utf-8", true),
        ("text/plain;version=0.0.4", true),
        ("application/openmetrics-text; version=1.0.0; charset=utf-8", true),
        ("Application/OpenMetrics-Text", true),
        ("text/plain", false),
        ("application/json", false),
        (nil, false),
    ]

    /// A body that does not look like exposition text by itself (a malformed line, no # TYPE):
    /// only its Content-Type makes it Prometheus.
    @Test(arguments: contentTypes)
    func documentsArePrometheusByContentType(contentType: String?, isPrometheus: Bool) {
        var parser = TextParser(format: .auto)
        let message = parser.document(Array("up 1\nnot a sample\n".utf8), contentType: contentType)
        #expect(message.shown == (isPrometheus ? #"{"up":1}"# : "text"))
        #expect(parser.picked == (isPrometheus ? .prometheus : .text))
    }

    static let documents: [(String, String, TextFormat)] = [
        ("{\"a\": 1}\n", #"{"a":1}"#, .json),
        ("# TYPE up gauge\nup 1\n", #"{"up":1}"#, .prometheus),
        ("node_load1 0.5\nnode_load5 0.25\n", #"{"node_load1":0.5,"node_load5":0.25}"#, .prometheus),
        ("# HELP up Whether.\nup 1\nbroken{ 2\n", #"{"up":1}"#, .prometheus),
        (" r  b\n 1  0\n", "text", .text),
        ("hello world\n", "text", .text),
    ]

    @Test(arguments: documents)
    func documentsByContent(text: String, shown: String, picked: TextFormat) {
        var parser = TextParser(format: .auto)
        #expect(parser.document(Array(text.utf8), contentType: nil).shown == shown)
        #expect(parser.picked == picked)
    }

    @Test func textIsAlwaysText() {
        var parser = TextParser(format: .text)
        #expect(parser.line(Array("{}".utf8)).kind == .text)
        #expect(parser.document(Array("a=1".utf8), contentType: "text/plain; version=0.0.4").kind == .text)
        #expect(parser.picked == .text)
    }
}

struct TextFormatArgumentTests {
    static let arguments: [(String, TextFormat?)] = [
        ("auto", .auto), ("json", .json), ("LOGFMT", .logfmt), ("columns", .columns),
        ("Prometheus", .prometheus), ("text", .text), ("csv", nil), ("", nil),
    ]

    @Test(arguments: arguments)
    func parsesArguments(argument: String, format: TextFormat?) {
        #expect((try? TextFormat(argument: argument)) == format)
    }

    @Test func theErrorListsTheChoices() {
        #expect(throws: TextFormatError.unknownFormat("csv")) { try TextFormat(argument: "csv") }
        #expect(TextFormatError.unknownFormat("csv").description
            == "unknown format 'csv' (choose one of auto, json, logfmt, columns, prometheus, text)")
    }
}
