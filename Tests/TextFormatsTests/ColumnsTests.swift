import Testing
import TextFormats

struct ColumnsLineTests {
    /// Lines fed to one parser, and what each became.
    static let sequences: [([String], [String])] = [
        // Repeated column names get suffixes, skipping names already taken.
        (["a a b a", "1 2 3 4"], ["skip", #"{"a":1,"a_2":2,"b":3,"a_3":4}"#]),
        (["a a_2 a", "1 2 3"], ["skip", #"{"a":1,"a_2":2,"a_3":3}"#]),
        // A header longer than the row joins its trailing names; a longer row joins its fields as written.
        (["name size mount point", "x 1 /"], ["skip", #"{"x":{"size":1,"mount point":"/"}}"#]),
        (["pid cmd", "1 sh -c  'x  y'"], ["skip", #"{"pid":1,"cmd":"sh -c  'x  y'"}"#]),
        // No header yet: text.
        (["1 2 3"], ["text"]),
        // The last line without numbers before the first row is the header.
        (["group ---", "a b", "1 2"], ["skip", "skip", #"{"a":1,"b":2}"#]),
        // A blank line starts a section with its own header.
        (["a b", "1 2", "", "c d", "3 4"], ["skip", #"{"a":1,"b":2}"#, "skip", "skip", #"{"c":3,"d":4}"#]),
        // After rows, a new line without numbers is a row (keyed by its first field)...
        (["a b", "1 2", "c d"], ["skip", #"{"a":1,"b":2}"#, #"{"c":{"b":"d"}}"#]),
        // ...but a header seen before is skipped and re-armed.
        (["h1 h2", "1 2", "h1 h2", "3 4"], ["skip", #"{"h1":1,"h2":2}"#, "skip", #"{"h1":3,"h2":4}"#]),
        (["x ---", "h1 h2", "1 2", "x ---", "h1 h2", "3 4"],
         ["skip", "skip", #"{"h1":1,"h2":2}"#, "skip", "skip", #"{"h1":3,"h2":4}"#]),
        // Keyed rows: a repeated key within one section gets a suffix; a new section starts over.
        (["dev r", "sda 1", "sda 2", "dev r", "sda 3"],
         ["skip", #"{"sda":{"r":1}}"#, #"{"sda_2":{"r":2}}"#, "skip", #"{"sda":{"r":3}}"#]),
        // A header naming its section (iostat's avg-cpu:).
        (["avg-cpu:  %user %idle", "  1.5 98.5"], ["skip", #"{"avg-cpu":{"%user":1.5,"%idle":98.5}}"#]),
        // A labelled header (free): rows start with `name:`, shorter rows fill from the left.
        (["  total used free", "Mem: 10 2 8", "Swap: 0 0"], ["skip", #"{"Mem":{"total":10,"used":2,"free":8}}"#, #"{"Swap":{"total":0,"used":0}}"#]),
        // Numbers are JSON numbers; everything else is a string, with its bytes escaped.
        (["k v w n", "x 0x1F 1e999 5", "y \"q\\ -0.5 12%"], ["skip", #"{"x":{"v":"0x1F","w":"1e999","n":5}}"#, #"{"y":{"v":"\"q\\","w":-0.5,"n":12}}"#]),
        // A line without a number before the first row is a header candidate, even under a header.
        (["k v", "x y", "z 1"], ["skip", "skip", #"{"z":{"y":1}}"#]),
        (["a\tb", "1\t\t2\r"], ["skip", #"{"a":1,"b":2}"#]),
        (["   ", "a b"], ["skip", "skip"]),
    ]

    @Test(arguments: sequences)
    func columnsLines(lines: [String], expected: [String]) {
        #expect(messages(.columns, lines) == expected)
    }

    @Test func invalidUTF8InNamesAndValues() {
        let lines: [[UInt8]] = [Array("n".utf8) + [0xFF] + Array(" v".utf8), Array("1 ".utf8) + [0xC3]]
        #expect(messages(.columns, lines) == ["skip", "{\"n\u{FFFD}\":1,\"v\":\"\u{FFFD}\"}"])
    }

    @Test func limits() {
        var limits = TextLimits()
        limits.maxColumns = 3
        limits.maxLineBytes = 20
        var parser = TextParser(format: .columns, limits: limits)
        #expect(parser.line(Array("a b c d e".utf8)).shown == "text")  // too many columns for a header
        #expect(parser.line(Array("a b c".utf8)).shown == "skip")
        #expect(parser.line(Array("1 2 3 4 5 6 7".utf8)).shown == #"{"a":1,"b":2,"c":"3 4 5 6 7"}"#)
        #expect(parser.line(Array("1 2 3 4 5 6 7 8 9 10 11".utf8)).shown == "text")  // over 20 bytes
    }
}

struct ColumnsDocumentTests {
    static let documents: [(String, String)] = [
        // One run of `vmstat`: its one row, flat.
        (String(decoding: Fixture.bytes("vmstat-once.txt"), as: UTF8.self),
         #"{"r":3,"b":0,"swpd":0,"free":22538696,"buff":17832,"cache":1812004,"si":0,"so":0,"bi":1650,"bo":2077,"in":323,"cs":442,"us":53,"sy":8,"id":38,"wa":0,"st":0}"#),
        ("a b\n1 2\n", #"{"a":1,"b":2}"#),
        // Several rows: keyed by the first field, even a number.
        ("pid cpu\n1 0.5\n2 1.5\n", #"{"1":{"cpu":0.5},"2":{"cpu":1.5}}"#),
        // No field of the section is a number: the first line is the header.
        ("USER COMMAND\nroot bash\nalice vim\n", #"{"root":{"COMMAND":"bash"},"alice":{"COMMAND":"vim"}}"#),
        // The first line of a section is its header even when it holds numbers.
        ("name 2023 2024\nx 1 2\n", #"{"x":{"2023":1,"2024":2}}"#),
        // A banner standing alone is dropped; sections merge.
        ("Linux 6.1.0 (host) \t12/06/26 \t_x86_64_\t(2 CPU)\n\nk:  a b\n  1 2\n\ndev r\nsda 1\nsdb 2\n\n",
         #"{"k":{"a":1,"b":2},"sda":{"r":1},"sdb":{"r":2}}"#),
        ("\n\n  \n", "skip"),
        ("only a header\n", "text"),
    ]

    @Test(arguments: documents)
    func columnsDocuments(text: String, expected: String) {
        #expect(document(.columns, text).shown == expected)
    }

    @Test func aLineOverTheLimitIsLeftOutAndCounted() {
        var limits = TextLimits()
        limits.maxLineBytes = 10
        var parser = TextParser(format: .columns, limits: limits)
        let message = parser.document(Array("a b\n1 2\n3 4 5 6 7 8 9\n".utf8), contentType: nil)
        #expect(message.shown == #"{"a":1,"b":2}"#)
        #expect(message.skippedLines == 1)
        #expect(message.problem == "line 3: longer than 10 bytes, left out")
    }
}
