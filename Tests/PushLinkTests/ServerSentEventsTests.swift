import LinkWire
import LiveModel
import Testing
@testable import PushLink

@Suite struct ServerSentEventsTests {
    static func parse(_ chunks: [String], finish: Bool = false) -> (events: [String], parser: ServerSentEvents) {
        var parser = ServerSentEvents()
        var out: [String] = []
        for chunk in chunks {
            parser.feed(Array(chunk.utf8)) { e in out.append("\(e.type)|\(String(decoding: e.data, as: UTF8.self))|\(e.lastEventID)") }
        }
        if finish { parser.finish() }
        return (out, parser)
    }

    @Test(arguments: [
        (["data: hello\n\n"], ["message|hello|"]),
        (["data:no space\n\n"], ["message|no space|"]),
        (["data:  two spaces\n\n"], ["message| two spaces|"]),
        (["data: a\ndata: b\n\n"], ["message|a\nb|"]),
        (["data\n\n"], ["message||"]),
        (["event: tick\ndata: x\n\n"], ["tick|x|"]),
        (["id: 7\ndata: x\n\n", "data: y\n\n"], ["message|x|7", "message|y|7"]),
        (["id: 1\n\n", "data: z\n\n"], ["message|z|1"]),
        (["id: a\u{0}b\ndata: x\n\n"], ["message|x|"]),
        ([": comment\ndata: x\n\n"], ["message|x|"]),
        (["data: x\r\n\r\n", "data: y\r\r", "data: z\n\n"], ["message|x|", "message|y|", "message|z|"]),
        (["data: x\r", "\n\r", "\n"], ["message|x|"]),
        (["\u{FEFF}data: bom\n\n"], ["message|bom|"]),
        (["unknown: field\ndata: x\n\n"], ["message|x|"]),
        (["event: only\n\n"], []),
        (["da", "ta: spl", "it\n", "\n"], ["message|split|"]),
        (["data: 中文 ✓\n\n"], ["message|中文 ✓|"]),
    ])
    func parsesPerTheWHATWGRules(_ chunks: [String], _ expected: [String]) {
        #expect(Self.parse(chunks).events == expected)
    }

    @Test func anEventWithoutItsBlankLineIsDiscardedAtTheEnd() {
        let (events, _) = Self.parse(["data: complete\n\n", "data: incomplete\n"], finish: true)
        #expect(events == ["message|complete|"])
    }

    @Test(arguments: [("retry: 1500\n\n", 1500), ("retry: 15a\n\n", nil), ("retry: -1\n\n", nil), ("retry:\n\n", nil)] as [(String, Int?)])
    func retryTakesDigitsOnly(_ text: String, _ expected: Int?) {
        #expect(Self.parse([text]).parser.retry == expected)
    }

    @Test func aBOMLaterInTheStreamIsData() {
        #expect(Self.parse(["data: a\n\n", "\u{FEFF}data: b\n\n"]).events == ["message|a|"])
    }

    static func parse(bytes: [UInt8], chunk: Int) -> (events: [String], retry: Int?, lastEventID: String) {
        var parser = ServerSentEvents()
        var out: [String] = []
        for start in stride(from: 0, to: bytes.count, by: chunk) {
            parser.feed(Array(bytes[start..<min(bytes.count, start + chunk)])) { e in
                out.append("\(e.type)|\(String(decoding: e.data, as: UTF8.self))|\(e.lastEventID)")
            }
        }
        return (out, parser.retry, parser.lastEventID)
    }

    /// Found by `Scripts/fuzz.sh` (target sse): a BOM split over reads was kept as part of the
    /// first field's name, so the stream's first line (here its event id) was lost.
    @Test(arguments: 1...7)
    func aBOMSplitOverReadsIsStillDropped(chunk: Int) {
        let stream: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("id: 7\r\nevent: tick\r\ndata: one\r\ndata:two\r\nretry: 1500\r\n\r\n".utf8)
        let parsed = Self.parse(bytes: stream, chunk: chunk)
        #expect(parsed.events == ["tick|one\ntwo|7"])
        #expect(parsed.retry == 1500)
        #expect(parsed.lastEventID == "7")
    }

    @Test(arguments: 1...3)
    func thePrefixOfABOMThatIsNotOneStaysInTheFirstLine(chunk: Int) {
        // EF BB then "d": not a BOM, so the first line's field is "\u{EF}\u{BB}data" (unknown, ignored).
        let stream: [UInt8] = [0xEF, 0xBB] + Array("data: x\n\ndata: y\n\n".utf8)
        #expect(Self.parse(bytes: stream, chunk: chunk).events == ["message|y|"])
    }
}

@Suite struct PollCursorTests {
    static func headers(_ pairs: [String: String]) -> (String) -> String? {
        { name in pairs.first { $0.key.lowercased() == name.lowercased() }?.value }
    }

    @Test func validatorsAsNchanUsesThem() {
        var cursor = PollCursor()
        #expect(cursor.request(target: "/sub/a").headers.isEmpty)
        let outcome = cursor.response(status: 200, header: Self.headers(["Last-Modified": "Thu, 26 Nov 2026 17:53:01 GMT", "Etag": "0"]),
                                      body: Array("hi".utf8))
        #expect(outcome == .messages([Array("hi".utf8)]))
        let next = cursor.request(target: "/sub/a")
        #expect(next.target == "/sub/a")
        #expect(next.headers.map { "\($0.0): \($0.1)" } == ["If-Modified-Since: Thu, 26 Nov 2026 17:53:01 GMT", "If-None-Match: 0"])
    }

    @Test(arguments: [204, 304, 408])
    func nothingNewKeepsTheCursor(_ status: Int) {
        var cursor = PollCursor(convention: .query(name: "cursor", from: .header("X-Next-Cursor")))
        _ = cursor.response(status: 200, header: Self.headers(["X-Next-Cursor": "41"]), body: Array("[1]".utf8))
        #expect(cursor.response(status: status, header: Self.headers([:]), body: []) == .nothingNew)
        #expect(cursor.request(target: "/poll").target == "/poll?cursor=41")
    }

    @Test(arguments: [410, 412])
    func aCursorTheServerForgotIsResetWithAGap(_ status: Int) {
        var cursor = PollCursor(convention: .query(name: "cursor", from: .header("X-Next-Cursor")))
        _ = cursor.response(status: 200, header: Self.headers(["X-Next-Cursor": "41"]), body: Array("[1]".utf8))
        guard case .gap(let reason) = cursor.response(status: status, header: Self.headers([:]), body: []) else {
            Issue.record("no gap"); return
        }
        #expect(reason.contains("HTTP \(status)"))
        #expect(cursor.request(target: "/poll?x=1").target == "/poll?x=1")
    }

    @Test(arguments: [(500, true), (503, true), (429, true), (401, false), (403, false), (404, false)])
    func errorsRetryOrFail(_ status: Int, _ retries: Bool) {
        var cursor = PollCursor()
        switch cursor.response(status: status, header: Self.headers([:]), body: []) {
        case .retry: #expect(retries)
        case .fatal: #expect(!retries)
        default: Issue.record("status \(status)")
        }
    }

    /// Found by `Scripts/fuzz.sh` (target poll-body): Foundation read a body with NUL bytes as
    /// UTF-16 (`[\0]\0` is `[]`), and the element cutter, reading UTF-8, then sent a lone NUL on
    /// as a message of that "array". Such a body is not UTF-8 JSON: it is one non-JSON message.
    @Test(arguments: [[0x5B, 0x00, 0x5D, 0x00], [0x00, 0x5B, 0x00, 0x5D], [0x5B, 0x00, 0x31, 0x00, 0x5D, 0x00]] as [[UInt8]])
    func aBodyInUTF16IsNotTakenForAJSONArray(_ body: [UInt8]) {
        #expect(JSONBody.parse(body) == nil)
        var cursor = PollCursor()
        #expect(cursor.response(status: 200, header: Self.headers([:]), body: body) == .messages([body]))
        var items = PollCursor(items: "/items")
        #expect(items.response(status: 200, header: Self.headers([:]), body: body) == .nothingNew)
    }

    @Test func consulStyleIndexFromAHeader() throws {
        var cursor = PollCursor(convention: try #require(PollCursor.Convention("query:index,header:X-Consul-Index")))
        let out = cursor.response(status: 200, header: Self.headers(["x-consul-index": "1234"]), body: Array(#"[{"n":1},{"n":2}]"#.utf8))
        #expect(out == .messages([Array(#"{"n":1}"#.utf8), Array(#"{"n":2}"#.utf8)]))
        #expect(cursor.request(target: "/v1/kv/x?wait=5s").target == "/v1/kv/x?wait=5s&index=1234")
        #expect(cursor.response(status: 200, header: Self.headers(["X-Consul-Index": "1234"]), body: Array("[]".utf8)) == .nothingNew)
    }

    @Test func couchDBStyleSinceFromTheBody() throws {
        var cursor = PollCursor(convention: try #require(PollCursor.Convention("query:since,body:/last_seq")), items: "/results")
        let body = #"{"results":[{"seq":"9-g1A","id":"doc"}],"last_seq":"9-g1A"}"#
        let out = cursor.response(status: 200, header: Self.headers([:]), body: Array(body.utf8))
        guard case .messages(let list) = out, list.count == 1 else { Issue.record("\(out)"); return }
        #expect(cursor.request(target: "/db/_changes?feed=longpoll").target == "/db/_changes?feed=longpoll&since=9-g1A")
    }

    @Test func theReferenceServersConventionIsFoundByItself() {
        var cursor = PollCursor()
        _ = cursor.response(status: 200, header: Self.headers(["X-Next-Cursor": "a b/c"]), body: Array("[1]".utf8))
        #expect(cursor.request(target: "/poll").target == "/poll?cursor=a%20b%2Fc")
    }

    @Test(arguments: [
        ("one message", ["one message"]),
        (#"{"a":1}"#, [#"{"a":1}"#]),
        ("[1,2]", ["1", "2"]),
        ("  []  ", []),
        ("", []),
        ("{\"a\":1}\n{\"a\":2}\n", [#"{"a":1}"#, #"{"a":2}"#]),
        ("line one\nline two", ["line one\nline two"]),
        // An array's elements keep their own bytes: key order, number spelling, escapes, nesting.
        (#"[ {"z":1.0,"a":[1,{"b":"],\"}"}]} , "x,y" ,[[],{}] ]"#, [#"{"z":1.0,"a":[1,{"b":"],\"}"}]}"#, #""x,y""#, "[[],{}]"]),
    ])
    func bodiesHoldOneMessageAnArrayOrJSONLines(_ body: String, _ expected: [String]) {
        #expect(PollCursor().split(Array(body.utf8), parsed: nil).map { String(decoding: $0, as: UTF8.self) } == expected)
    }

    @Test(arguments: ["query:cursor,header:X-Next-Cursor", "query:since,body:/last_seq", "validators", "auto"])
    func parsesConventions(_ text: String) { #expect(PollCursor.Convention(text) != nil) }

    @Test(arguments: ["query:", "query:x", "query:x,header:", "query:x,body:nopointer", "cursor", "query:,header:H"])
    func rejectsBadConventions(_ text: String) { #expect(PollCursor.Convention(text) == nil) }
}

@Suite struct TransportPlanTests {
    @Test func autoMovesDownOnlyOnDefiniteAnswers() throws {
        var plan = TransportPlan(forced: nil, url: try FeedURL("ws://h/feed"))
        #expect(plan.candidates == [.websocket, .sse, .stream, .longpoll])
        #expect(plan.fallback(after: .refused) == nil && plan.current == .websocket)
        #expect(plan.fallback(after: .upgradeRefused(status: 503, reason: "")) == nil)
        #expect(plan.fallback(after: .upgradeRefused(status: 404, reason: "Not Found")) == "websocket upgrade answered HTTP 404 Not Found")
        #expect(plan.current == .sse)
        #expect(plan.fallback(after: .connectTimeout(seconds: 1)) == nil)
        #expect(plan.fallback(after: .notEventStream(status: 200, contentType: "application/json"))
            == "event stream answered HTTP 200 with Content-Type application/json")
        #expect(plan.current == .longpoll)
        #expect(plan.fallback(after: .upgradeRefused(status: 404, reason: "")) == nil)
    }

    @Test(arguments: [400, 404, 405, 426, 501, 200])
    func nonUpgradeAnswersMeanNoWebSocket(_ status: Int) {
        #expect(LinkError.upgradeRefused(status: status, reason: "").meansNoWebSocket)
    }

    @Test func forcedTransportsNeverMove() throws {
        var plan = TransportPlan(forced: .websocket, url: try FeedURL("ws://h/"))
        #expect(plan.fallback(after: .upgradeRefused(status: 404, reason: "")) == nil)
        #expect(TransportPlan(forced: nil, url: try FeedURL("https://h/")).candidates == [.sse, .stream, .longpoll])
    }

    @Test func wssFallsBackOverHTTPSNeverHTTP() throws {
        let c = LinkConfiguration(url: try FeedURL("wss://h:8443/feed"))
        #expect(c.url(for: .sse).description == "https://h:8443/feed")
        #expect(c.url(for: .longpoll).scheme == .https)
    }
}
