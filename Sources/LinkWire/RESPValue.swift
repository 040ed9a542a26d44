/// A Redis reply or command in RESP2, the protocol of redis-server (hand-written: no Redis client
/// library is available to the build, and livetop needs only this small part of one).
public enum RESPValue: Hashable, Sendable {
    /// `+OK`: a short status line.
    case simple(String)
    /// `-ERR ...`: the server refused a command; the first word is its kind (ERR, NOAUTH, LOADING...).
    case error(String)
    /// `:42`.
    case integer(Int64)
    /// `$5\r\nhello`: binary-safe bytes; nil is RESP2's null bulk (`$-1`).
    case bulk([UInt8]?)
    /// `*2\r\n...`; nil is RESP2's null array (`*-1`).
    case array([RESPValue]?)

    /// A command as Redis wants it from a client: an array of bulk strings.
    public static func command(_ words: String...) -> RESPValue {
        .array(words.map { .bulk(Array($0.utf8)) })
    }

    /// The bytes of a bulk string, or the text of a simple string (pub/sub pushes use bulk strings).
    public var bytes: [UInt8]? {
        switch self {
        case .bulk(let bytes): return bytes
        case .simple(let text): return Array(text.utf8)
        default: return nil
        }
    }

    /// The bytes of a bulk or simple string as text (replacing bytes that are not UTF-8).
    public var text: String? { bytes.map { String(decoding: $0, as: UTF8.self) } }

    /// The value in RESP2 form.
    public var encoded: [UInt8] {
        var out: [UInt8] = []
        encode(into: &out)
        return out
    }

    /// Appends the value in RESP2 form.
    public func encode(into out: inout [UInt8]) {
        switch self {
        case .simple(let text): Self.line(UInt8(ascii: "+"), text, into: &out)
        case .error(let text): Self.line(UInt8(ascii: "-"), text, into: &out)
        case .integer(let n): Self.line(UInt8(ascii: ":"), String(n), into: &out)
        case .bulk(nil): Self.line(UInt8(ascii: "$"), "-1", into: &out)
        case .bulk(let bytes?): Self.encodeBulk(bytes, into: &out)
        case .array(nil): Self.line(UInt8(ascii: "*"), "-1", into: &out)
        case .array(let items?):
            Self.line(UInt8(ascii: "*"), String(items.count), into: &out)
            for item in items { item.encode(into: &out) }
        }
    }

    /// Appends a command of bulk strings without building a `RESPValue` first: the publisher
    /// writes one `PUBLISH channel line` per line it sends.
    public static func encodeCommand(_ words: [some Collection<UInt8>], into out: inout [UInt8]) {
        line(UInt8(ascii: "*"), String(words.count), into: &out)
        for word in words { encodeBulk(word, into: &out) }
    }

    private static func encodeBulk(_ bytes: some Collection<UInt8>, into out: inout [UInt8]) {
        line(UInt8(ascii: "$"), String(bytes.count), into: &out)
        out.append(contentsOf: bytes)
        out.append(contentsOf: [UInt8(ascii: "\r"), UInt8(ascii: "\n")])
    }

    private static func line(_ type: UInt8, _ text: String, into out: inout [UInt8]) {
        out.append(type)
        out.append(contentsOf: text.utf8)
        out.append(contentsOf: [UInt8(ascii: "\r"), UInt8(ascii: "\n")])
    }
}
