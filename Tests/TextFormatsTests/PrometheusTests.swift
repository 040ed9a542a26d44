import Testing
import TextFormats

struct PrometheusTests {
    /// One-sample bodies and the object each becomes.
    static let samples: [(String, String)] = [
        ("node_load1 2.35", #"{"node_load1":2.35}"#),
        (#"node_cpu_seconds_total{cpu="0",mode="idle"} 71.78"#, #"{"node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"}":71.78}"#),
        (#"m{ b = "2" , a="1", } 3"#, #"{"m{b=\"2\",a=\"1\"}":3}"#),
        (#"m{} 1"#, #"{"m":1}"#),
        ("m {a=\"x\"} 1", #"{"m{a=\"x\"}":1}"#),
        (#"m{path="C:\\dir",q="say \"hi\"",nl="a\nb"} 1"#, #"{"m{path=\"C:\\\\dir\",q=\"say \\\"hi\\\"\",nl=\"a\\nb\"}":1}"#),
        (#"m{v="{},= #"} 1"#, #"{"m{v=\"{},= #\"}":1}"#),
        ("m 1.711264e+06", #"{"m":1.711264e+06}"#),
        ("m +5", #"{"m":5}"#), ("m .5", #"{"m":0.5}"#), ("m 5.", #"{"m":5}"#), ("m -007.50", #"{"m":-7.50}"#),
        ("m 1E3", #"{"m":1E3}"#), ("m +1.5e-3", #"{"m":1.5e-3}"#),
        ("m NaN", #"{"m":"NaN"}"#), ("m +Inf", #"{"m":"+Inf"}"#), ("m -Inf", #"{"m":"-Inf"}"#), ("m inf", #"{"m":"+Inf"}"#),
        ("m 12 1700000000000", #"{"m":12}"#),
        ("m -1 -5", #"{"m":-1}"#),
        ("requests_total 12 1.7e9 # {trace_id=\"abc\"} 1.0 1.7e9", #"{"requests_total":12}"#),
        ("requests_total 12 # {trace_id=\"abc\"} 1.0", #"{"requests_total":12}"#),
        (":colon_name:x 1", #"{":colon_name:x":1}"#),
        ("  \tm\t1  ", #"{"m":1}"#),
        ("m 1\r", #"{"m":1}"#),
        ("m 1\nm 2", #"{"m":2}"#),
        ("# EOF\nm 1", "skip"),
        ("# HELP m Help text.\n# just a comment\n\n", "skip"),
    ]

    @Test(arguments: samples)
    func samplesBecomeMembers(body: String, shown: String) {
        let message = document(.prometheus, body)
        #expect(message.shown == shown)
        #expect(message.skippedLines == 0)
        #expect(message.problem == nil)
    }

    /// Malformed lines: skipped, counted, and the first described with its line number.
    static let malformed: [(String, String)] = [
        ("1m 1", "line 2: expected a metric name, found '1m'"),
        ("m", "line 2: expected a value after 'm'"),
        ("m{a=\"1\"}", #"line 2: expected a value after 'm{a="1"}'"#),
        ("m{a=\"1\" 2", "line 2: expected ',' or '}' after label 'a' of 'm'"),
        ("m{a=\"1\"", #"line 2: unclosed label set in 'm{a="1"'"#),
        ("m{a=\"1 2", "line 2: unclosed label set in 'm{'"),
        ("m{a} 1", "line 2: expected '=' after label 'a' of 'm'"),
        ("m{a=1} 1", "line 2: expected a quoted value for label 'a' of 'm'"),
        ("m{1a=\"x\"} 1", "line 2: expected a label name in 'm{...}', found '1a=\"x\"} 1'"),
        ("m{a=\"x\" b=\"y\"} 1", "line 2: expected ',' or '}' after label 'a' of 'm'"),
        ("m abc", "line 2: 'abc' is not a number (the value of 'm')"),
        ("m 0x1p3", "line 2: '0x1p3' is not a number (the value of 'm')"),
        ("m 1e999", "line 2: '1e999' is not a number (the value of 'm')"),
        ("m 1_000", "line 2: '1_000' is not a number (the value of 'm')"),
        ("m 1 2 3", "line 2: unexpected '3' after the timestamp of 'm'"),
        ("m 1 ts", "line 2: unexpected 'ts' after the value of 'm'"),
        ("m-x 1", "line 2: expected a blank after 'm', found '-x 1'"),
        ("{\"utf8.name\"} 1", "line 2: expected a metric name, found '{\"utf8.name\"}'"),
    ]

    @Test(arguments: malformed)
    func aMalformedLineIsSkippedAndCounted(line: String, problem: String) {
        let message = document(.prometheus, "# TYPE up gauge\n\(line)\nup 1\n")
        #expect(message.shown == #"{"up":1}"#)
        #expect(message.skippedLines == 1)
        #expect(message.problem == problem)
    }

    @Test func keysOverTheLimitAreSkipped() {
        let long = "m{a=\"" + String(repeating: "x", count: 5000) + "\"} 1"
        let message = document(.prometheus, "\(long)\nok 1\n\(long)\n")
        #expect(message.shown == #"{"ok":1}"#)
        #expect(message.skippedLines == 2)
        #expect(message.problem == "line 1: the key of 'm' is longer than 4096 bytes")
    }

    @Test func onlyMalformedLinesIsText() {
        let message = document(.prometheus, "not a sample\n")
        #expect(message.kind == .text)
        #expect(message.skippedLines == 1)
    }

    @Test func theNodeExporterBody() throws {
        var parser = TextParser(format: .prometheus)
        let message = parser.document(Fixture.bytes("node-exporter.prom"), contentType: "text/plain; version=0.0.4; charset=utf-8")
        // node-exporter.json was written by a separate reading of the body (Fixtures/README.md).
        var expected = Fixture.bytes("node-exporter.json")
        if expected.last == UInt8(ascii: "\n") { expected.removeLast() }
        #expect(message.shown == String(decoding: expected, as: UTF8.self))
        #expect(message.skippedLines == 0)
        #expect(parser.types.count == 29)
        #expect(parser.types["go_gc_duration_seconds"] == "summary")
        #expect(parser.types["node_cpu_seconds_total"] == "counter")
        #expect(parser.types["node_netstat_Tcp_CurrEstab"] == "untyped")
        #expect(message.shown.contains(#""go_gc_duration_seconds{quantile=\"0.75\"}":0,"#))
    }

    @Test func typesAreInTheMessageWhenAsked() {
        var parser = TextParser(format: .prometheus)
        parser.includeTypes = true
        let body = "# HELP up Whether.\n# TYPE up gauge\nup 1\n# TYPE rt histogram\nrt_bucket{le=\"0.1\"} 3\nrt_bucket{le=\"+Inf\"} 5\nrt_sum 0.7\nrt_count 5\n"
        #expect(parser.document(Array(body.utf8), contentType: nil).shown
            == ##"{"up":1,"rt_bucket{le=\"0.1\"}":3,"rt_bucket{le=\"+Inf\"}":5,"rt_sum":0.7,"rt_count":5,"# TYPE":{"up":"gauge","rt":"histogram"}}"##)
        #expect(parser.types == ["up": "gauge", "rt": "histogram"])
        // Types are the last document's.
        _ = parser.document(Array("# TYPE other counter\nother 1\n".utf8), contentType: nil)
        #expect(parser.types == ["other": "counter"])
    }

    @Test func openMetricsEndsAtEOF() {
        let body = "# TYPE a counter\n# UNIT a seconds\na_total 1\na_created 1.7e9\n# EOF\nb 2\n"
        #expect(document(.prometheus, body).shown == #"{"a_total":1,"a_created":1.7e9}"#)
    }

    static let lines: [(String, String)] = [
        ("node_load1 0.5", #"{"node_load1":0.5}"#),
        ("# TYPE node_load1 gauge", "skip"),
        ("", "skip"),
        ("bad{", "text"),
    ]

    @Test(arguments: lines)
    func lineMode(line: String, shown: String) {
        #expect(messages(.prometheus, [line]) == [shown])
    }

    @Test func lineModeCountsLinesForProblems() {
        var parser = TextParser(format: .prometheus)
        _ = parser.line(Array("# TYPE up gauge".utf8))
        _ = parser.line(Array("up 1".utf8))
        let message = parser.line(Array("up".utf8))
        #expect(message.kind == .text)
        #expect(message.skippedLines == 1)
        #expect(message.problem == "line 3: expected a value after 'up'")
        #expect(parser.types == ["up": "gauge"])
    }
}
