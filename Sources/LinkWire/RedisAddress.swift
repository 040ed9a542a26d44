import LiveModel
/// A Redis channel as a URL names it: `redis://[user:password@]host[:port][/db]/channel`.
///
/// - port defaults to 6379; `user:` may be left out (`redis://:secret@host/ch`, AUTH with the
///   password only, as Redis before 6 wants it);
/// - a first path segment of digits followed by more path is the database number, as in other
///   Redis URLs (`redis://h/0/ch`). Pub/sub does not depend on it (a message published while one
///   database is selected reaches subscribers of every database), but it is SELECTed, so a wrong
///   number is an error rather than a silent no-op;
/// - the channel is the rest of the path, percent-decoded, and may hold `/` (`redis://h/a/b` is
///   channel `a/b`); one with `*`, `?` or `[` is a glob pattern (PSUBSCRIBE), unless it is escaped
///   with `\` as Redis itself reads patterns.
public struct RedisAddress: Hashable, Sendable {
    public var user: String?
    public var password: String?
    public var database: Int?
    public var channel: [UInt8]
    /// The channel is a glob pattern: the source uses PSUBSCRIBE.
    public var isPattern: Bool

    public init(_ url: FeedURL) throws(LinkError) {
        let text = url.description
        guard url.scheme == .redis else { throw .badURL(text, "not a redis:// URL") }
        if let userInfo = url.userInfo {
            if let colon = userInfo.firstIndex(of: ":") {
                let name = try Self.decode(userInfo[..<colon], in: text)
                user = name.isEmpty ? nil : String(decoding: name, as: UTF8.self)
                password = String(decoding: try Self.decode(userInfo[userInfo.index(after: colon)...], in: text), as: UTF8.self)
            } else {
                // `redis://secret@host`: a lone word is the password, as redis-cli -u reads it.
                password = String(decoding: try Self.decode(userInfo[...], in: text), as: UTF8.self)
            }
        }
        guard !url.target.contains("?") else { throw .badURL(text, "a redis:// URL takes no query") }
        var path = url.target.dropFirst()  // the leading "/"
        if let slash = path.firstIndex(of: "/"), !path[..<slash].isEmpty, path[..<slash].allSatisfy(\.isASCIIDigit),
           path.index(after: slash) < path.endIndex {
            guard let db = Int(path[..<slash]), db < 1 << 16 else { throw .badURL(text, "bad database number '\(path[..<slash])'") }
            database = db
            path = path[path.index(after: slash)...]
        }
        guard !path.isEmpty else { throw .badURL(text, "missing channel: redis://host:port/channel") }
        channel = try Self.decode(path, in: text)
        isPattern = Self.isGlob(channel)
    }

    /// The channel as text (for messages; a channel that is not UTF-8 is shown with replacements).
    public var channelName: String { String(decoding: channel, as: UTF8.self) }

    /// `*`, `?` or `[` not escaped with a backslash.
    private static func isGlob(_ bytes: [UInt8]) -> Bool {
        var escaped = false
        for b in bytes {
            if escaped { escaped = false; continue }
            if b == UInt8(ascii: "\\") { escaped = true; continue }
            if b == UInt8(ascii: "*") || b == UInt8(ascii: "?") || b == UInt8(ascii: "[") { return true }
        }
        return false
    }

    private static func decode(_ text: Substring, in url: String) throws(LinkError) -> [UInt8] {
        var out: [UInt8] = []
        var bytes = Array(text.utf8)[...]
        while let b = bytes.popFirst() {
            guard b == UInt8(ascii: "%") else { out.append(b); continue }
            guard bytes.count >= 2, let hi = hexValue(bytes[bytes.startIndex]), let lo = hexValue(bytes[bytes.startIndex + 1]) else {
                throw .badURL(url, "bad percent-escape in '\(text)'")
            }
            out.append(hi << 4 | lo)
            bytes = bytes.dropFirst(2)
        }
        return out
    }

    private static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return b - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
