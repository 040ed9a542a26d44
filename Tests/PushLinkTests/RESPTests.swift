import LinkWire
import LiveModel
import NIOCore
import PushLink
import Testing

/// The RESP2 codec on bytes: what it writes, what it reads whole or split anywhere, and the
/// one-line errors for what is not RESP or passes a limit.
@Suite struct RESPTests {
    static func bytes(_ value: RESPValue) -> [UInt8] {
        var buffer = ByteBuffer()
        value.write(to: &buffer)
        return Array(buffer.readableBytesView)
    }

    @Test func aCommandIsAnArrayOfBulkStrings() {
        #expect(Self.bytes(.command("PUBLISH", "ch", "hi")) == Array("*3\r\n$7\r\nPUBLISH\r\n$2\r\nch\r\n$2\r\nhi\r\n".utf8))
        var buffer = ByteBuffer()
        RESPValue.writeCommand([Array("PUBLISH".utf8), Array("ch".utf8), [0x0D, 0x0A, 0x00]], to: &buffer)
        #expect(Array(buffer.readableBytesView) == Array("*3\r\n$7\r\nPUBLISH\r\n$2\r\nch\r\n$3\r\n".utf8) + [0x0D, 0x0A, 0x00] + [0x0D, 0x0A])
    }

    /// Every kind of value, with the edge cases: empty and null bulk, CRLF inside a bulk, a null
    /// array, nesting, negative and extreme integers.
    static let values: [RESPValue] = [
        .simple("OK"), .simple(""), .error("ERR unknown command 'X'"), .integer(0), .integer(-1),
        .integer(Int64.max), .integer(Int64.min + 1), .bulk(nil), .bulk([]), .bulk(Array("a\r\nb".utf8)),
        .bulk([0xFF, 0x00, 0x0D]), .array(nil), .array([]),
        .array([.bulk(Array("message".utf8)), .bulk(Array("ch".utf8)), .bulk(Array(#"{"n":1}"#.utf8))]),
        .array([.integer(1), .array([.simple("x"), .array([.bulk(nil)])]), .error("E")]),
    ]

    @Test func everyValueReadsBackAsWritten() throws {
        let decoder = RESPDecoder()
        for value in Self.values {
            var buffer = ByteBuffer(bytes: Self.bytes(value))
            #expect(try decoder.decode(&buffer) == value)
            #expect(buffer.readableBytes == 0)
        }
    }

    /// All the values in one stream, cut in two at every byte: what is decoded before the cut,
    /// then after the rest arrives, is every value once and in order; an incomplete value
    /// consumes nothing.
    @Test func aStreamSplitAtEveryByteDecodesTheSame() throws {
        let stream = Self.values.flatMap(Self.bytes)
        let decoder = RESPDecoder()
        for cut in 0...stream.count {
            var buffer = ByteBuffer(bytes: stream[..<cut])
            var decoded: [RESPValue] = []
            while let value = try decoder.decode(&buffer) { decoded.append(value) }
            let kept = buffer.readableBytes
            buffer.writeBytes(stream[cut...])
            while let value = try decoder.decode(&buffer) { decoded.append(value) }
            #expect(decoded == Self.values, "cut at \(cut)")
            #expect(buffer.readableBytes == 0, "cut at \(cut)")
            #expect(kept <= stream.count)
        }
    }

    @Test func oneByteAtATimeDecodesTheSame() throws {
        let stream = Self.values.flatMap(Self.bytes)
        let decoder = RESPDecoder()
        var buffer = ByteBuffer()
        var decoded: [RESPValue] = []
        for byte in stream {
            buffer.writeInteger(byte)
            while let value = try decoder.decode(&buffer) { decoded.append(value) }
        }
        #expect(decoded == Self.values)
    }

    @Test(arguments: [
        ("HTTP/1.1 400 Bad Request\r\n", "not a Redis reply: byte 0x48 'H' where a RESP type (+ - : $ *) should start"),
        ("\u{1B}[2J", "not a Redis reply: byte 0x1b where a RESP type (+ - : $ *) should start"),
        ("$abc\r\n", "bad Redis reply: bulk string length is not a number"),
        ("$\r\n", "bad Redis reply: bulk string length is not a number"),
        ("$-2\r\n", "bad Redis reply: bulk string length -2"),
        ("*-5\r\n", "bad Redis reply: array length -5"),
        (":12a\r\n", "bad Redis reply: integer reply is not a number"),
        (":99999999999999999999\r\n", "bad Redis reply: integer reply is not a number"),
        (":9999999999999999999\r\n", "bad Redis reply: integer reply is out of range"),
        ("$3\r\nabcXY", "bad Redis reply: a bulk string of 3 bytes is not followed by CRLF"),
        ("+OK\rX", "bad Redis reply: CR not followed by LF in a reply line"),
        ("+OK\n", "bad Redis reply: LF without CR in a reply line"),
        ("*2\r\n:1\r\n!", "not a Redis reply: byte 0x21 '!' where a RESP type (+ - : $ *) should start"),
    ])
    func garbageIsOneClearLine(_ input: String, _ expected: String) throws {
        var buffer = ByteBuffer(string: input)
        let error = try #require(throws: RESPError.self) { try RESPDecoder().decode(&buffer) }
        #expect(error.description == expected)
        #expect(!error.description.contains("\n") && !error.description.contains("\u{1B}"))
    }

    @Test func limitsAreCheckedBeforeTheBytesArrive() throws {
        let decoder = RESPDecoder(limits: .init(maxBulkBytes: 10, maxArrayCount: 3, maxDepth: 2, maxLineBytes: 8))
        var bulk = ByteBuffer(string: "$11\r\n")  // the 11 bytes never come: the header alone is refused
        let tooLarge = try #require(throws: RESPError.self) { try decoder.decode(&bulk) }
        #expect(tooLarge.description == "Redis reply too large: bulk string of 11 bytes, over the limit of 10 bytes")
        #expect(tooLarge.isBulkTooLarge)
        var fits = ByteBuffer(string: "$10\r\n0123456789\r\n")
        #expect(try decoder.decode(&fits) == .bulk(Array("0123456789".utf8)))

        var array = ByteBuffer(string: "*4\r\n")
        #expect(try #require(throws: RESPError.self) { try decoder.decode(&array) }.description
            == "Redis reply too large: array of 4 items, over the limit of 3 items")
        var deep = ByteBuffer(string: "*1\r\n*1\r\n*1\r\n")
        #expect(try #require(throws: RESPError.self) { try decoder.decode(&deep) }.description
            == "Redis reply too large: arrays nested deeper than 2")
        // A line that never ends is refused once it passes the limit, not kept growing.
        var endless = ByteBuffer(string: "+" + String(repeating: "x", count: 9))
        #expect(try #require(throws: RESPError.self) { try decoder.decode(&endless) }.description
            == "Redis reply too large: reply line, over the limit of 8 bytes")
        var short = ByteBuffer(string: "+" + String(repeating: "x", count: 8))
        #expect(try decoder.decode(&short) == nil)
    }

    @Test(arguments: [
        ("redis://127.0.0.1:7000/ch", nil, nil, nil, "ch", false),
        ("redis://h/0/feed", nil, nil, 0, "feed", false),
        ("redis://h/12", nil, nil, nil, "12", false),
        ("redis://h/a/b", nil, nil, nil, "a/b", false),
        ("redis://:s3cr%40t@h/ch", nil, "s3cr@t", nil, "ch", false),
        ("redis://alice:pw@h:6380/3/metrics.*", "alice", "pw", 3, "metrics.*", true),
        ("redis://h/host%20one", nil, nil, nil, "host one", false),
        ("redis://h/literal\\*star", nil, nil, nil, "literal\\*star", false),
    ] as [(String, String?, String?, Int?, String, Bool)])
    func redisURLs(_ text: String, _ user: String?, _ password: String?, _ db: Int?, _ channel: String, _ pattern: Bool) throws {
        let address = try RedisAddress(FeedURL(text))
        #expect(address.user == user)
        #expect(address.password == password)
        #expect(address.database == db)
        #expect(address.channelName == channel)
        #expect(address.isPattern == pattern)
    }

    @Test func theURLShownNeverHoldsThePassword() throws {
        let url = try FeedURL("redis://alice:hunter2@127.0.0.1/ch")
        #expect(url.description == "redis://127.0.0.1/ch")
        #expect(url.port == 6379)
        #expect(try FeedURL("redis://h:7000/ch").description == "redis://h:7000/ch")
        #expect(TransportPlan(forced: nil, url: url).candidates == [.redis])
    }

    /// As curl reads the environment: http_proxy is for web URLs; Redis goes through ALL_PROXY only.
    @Test func redisUsesOnlyAllProxy() throws {
        let url = try FeedURL("redis://feed.example/ch")
        #expect(try ProxySettings(.environment(["http_proxy": "http://p:1"])).proxy(for: url) == nil)
        #expect(try ProxySettings(.environment(["http_proxy": "http://p:1", "ALL_PROXY": "socks5://s:2"])).proxy(for: url)?.description
            == "socks5://s:2")
    }

    @Test(arguments: ["redis://h", "redis://h/", "redis://h/ch?x=1", "redis://h/bad%zz"])
    func badRedisURLs(_ text: String) throws {
        let error = try #require(throws: LinkError.self) { try RedisAddress(FeedURL(text)) }
        #expect(error.description.hasPrefix("bad URL"))
    }
}
