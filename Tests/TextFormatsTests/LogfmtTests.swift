import Testing
import TextFormats

struct LogfmtTests {
    static let lines: [(String, String)] = [
        (#"k=v k2="v 2" flag"#, #"{"k":"v","k2":"v 2","flag":true}"#),
        (#"msg="say \"hi\" \\ bye""#, #"{"msg":"say \"hi\" \\ bye"}"#),
        (#"msg="a\nb\tc\q""#, #"{"msg":"a\u000ab\u0009c\\q"}"#),
        ("n=12 f=-3.5 e=1e3 z=0 nz=-0", #"{"n":12,"f":-3.5,"e":1e3,"z":0,"nz":-0}"#),
        ("hex=0x1F pct=12% lead=01 plus=+5 dot=.5 big=1e999", #"{"hex":"0x1F","pct":"12%","lead":"01","plus":"+5","dot":".5","big":"1e999"}"#),
        ("t=true f=false n=null q=\"12\"", #"{"t":"true","f":"false","n":"null","q":"12"}"#),
        ("a=1 b=2 a=3", #"{"a":3,"b":2}"#),
        ("empty= next=x", #"{"empty":"","next":"x"}"#),
        ("\t  lead=1   trail=2  \t", #"{"lead":1,"trail":2}"#),
        ("url=http://h/p?a=b&c=d", #"{"url":"http://h/p?a=b&c=d"}"#),
        ("hello world a=1", #"{"hello":true,"world":true,"a":1}"#),
        ("ctl=\u{1}x", #"{"ctl":"\u0001x"}"#),
        ("", "skip"),
        ("   ", "skip"),
        ("no pairs at all", "text"),
        ("k=\"unclosed", "text"),
        ("k=\"closed\"tail", "text"),
        ("=v", "text"),
        ("a\"b=1", "text"),
        ("k\u{1}=1", "text"),
        ("k=v\r", #"{"k":"v"}"#),
    ]

    @Test(arguments: lines)
    func logfmtLines(line: String, shown: String) {
        #expect(messages(.logfmt, [line]) == [shown])
    }

    @Test func invalidUTF8BecomesReplacementCharacters() {
        var parser = TextParser(format: .logfmt)
        let line: [UInt8] = Array("k=".utf8) + [0xFF, 0x61] + Array(" \u{7F}=1".utf8)
        #expect(parser.line(line).shown == "text")  // DEL in a key: not logfmt
        #expect(parser.line(Array("k=".utf8) + [0xFF, 0x61]).shown == "{\"k\":\"\u{FFFD}a\"}")
    }

    @Test func aDocumentMergesItsLines() {
        let message = document(.logfmt, "a=1 b=2\nnot logfmt\n\nb=3 c=x\n")
        #expect(message.shown == #"{"a":1,"b":3,"c":"x"}"#)
        #expect(message.skippedLines == 1)
        #expect(message.problem == "line 2: not logfmt, left out")
    }

    @Test func aLineOverTheLimitIsText() {
        var limits = TextLimits()
        limits.maxLineBytes = 16
        var parser = TextParser(format: .logfmt, limits: limits)
        #expect(parser.line(Array("a=1 b=2 c=3 d=44".utf8)).shown == #"{"a":1,"b":2,"c":3,"d":44}"#)
        #expect(parser.line(Array("a=1 b=2 c=3 d=444".utf8)).shown == "text")
    }
}
