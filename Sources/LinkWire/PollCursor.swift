import Foundation
import LiveModel

/// How a long-poll client asks for "what came after what I have", and what each answer means.
/// Pure: requests out, responses in, no I/O (docs/transports.md).
public struct PollCursor: Sendable {
    /// Where the next cursor value comes from.
    public enum Source: Hashable, Sendable {
        case header(String)
        case body(String)  // a JSON pointer into the response body
    }

    /// The cursor convention.
    public enum Convention: Hashable, Sendable {
        /// Whatever the server shows: HTTP validators if it sends `Last-Modified`/`Etag` (as Nchan
        /// does), else the reference server's `?cursor=` from `X-Next-Cursor`.
        case automatic
        /// `If-Modified-Since` = last `Last-Modified` and `If-None-Match` = last `Etag`.
        case validators
        /// A query parameter fed from a response header or a body field
        /// (Consul `?index=` from `X-Consul-Index`, CouchDB `?since=` from `/last_seq`).
        case query(name: String, from: Source)

        /// Parses `query:NAME,header:HEADER`, `query:NAME,body:/POINTER` or `validators`.
        public init?(_ text: String) {
            if text == "validators" { self = .validators; return }
            if text == "auto" { self = .automatic; return }
            guard text.hasPrefix("query:"), let comma = text.firstIndex(of: ",") else { return nil }
            let name = String(text[text.index(text.startIndex, offsetBy: 6)..<comma])
            let source = text[text.index(after: comma)...]
            guard !name.isEmpty else { return nil }
            if source.hasPrefix("header:"), source.count > 7 {
                self = .query(name: name, from: .header(String(source.dropFirst(7))))
            } else if source.hasPrefix("body:"), source.dropFirst(5).first == "/" {
                self = .query(name: name, from: .body(String(source.dropFirst(5))))
            } else {
                return nil
            }
        }
    }

    /// What to do after a response.
    public enum Outcome: Hashable, Sendable {
        /// New messages (each one's bytes); poll again at once.
        case messages([[UInt8]])
        /// Nothing new (204, 304, 408, an empty array): poll again at once with the same cursor.
        case nothingNew
        /// The server no longer knows the cursor (410, 412): it was reset, messages may be missing.
        case gap(String)
        /// A fault that may pass (5xx, 429): back off and retry, not before a `Retry-After` (429, 503).
        case retry(LinkError)
        /// Retrying will not help soon (401, 403, other 4xx).
        case fatal(LinkError)
    }

    public let convention: Convention
    /// Where the messages are in a body (`--poll-items`, a JSON pointer); nil: the body is one
    /// message, a JSON array or JSON lines.
    public let items: String?
    private(set) var lastModified: String?
    private(set) var etag: String?
    private(set) var cursor: String?
    private var detected: Convention?

    /// Where the cursor stands. The same before and after an answer: the answer did not move it.
    public struct Position: Hashable, Sendable {
        package let lastModified: String?
        package let etag: String?
        package let cursor: String?
    }

    public var position: Position { Position(lastModified: lastModified, etag: etag, cursor: cursor) }

    public init(convention: Convention = .automatic, items: String? = nil) {
        self.convention = convention
        self.items = items
    }

    private static let referenceHeader = "X-Next-Cursor"

    private var effective: Convention {
        switch convention {
        case .automatic: return detected ?? .automatic
        default: return convention
        }
    }

    /// The request target and headers for the next poll of `target`.
    public func request(target: String) -> (target: String, headers: [(String, String)]) {
        switch effective {
        case .validators, .automatic:
            var headers: [(String, String)] = []
            if let lastModified { headers.append(("If-Modified-Since", lastModified)) }
            if let etag { headers.append(("If-None-Match", etag)) }
            return (target, headers)
        case .query(let name, _):
            guard let cursor else { return (target, []) }
            return (PollCursor.setting(name, to: cursor, in: target), [])
        }
    }

    /// Folds a response in; `header` looks a header up case-insensitively.
    public mutating func response(status: Int, header: (String) -> String?, body: [UInt8]) -> Outcome {
        switch status {
        case 204:
            // "Nothing yet" may still say where to poll from (the reference server's first answer).
            learn(header)
            return .nothingNew
        case 304, 408:
            return .nothingNew
        case 410, 412:
            lastModified = nil
            etag = nil
            cursor = nil
            return .gap("cursor no longer known (HTTP \(status)); resumed from the oldest kept message")
        case 200..<300:
            break
        case 429, 503:
            // The server says when to come back; an unreadable Retry-After backs off as usual.
            let retryAfter = header("Retry-After").flatMap { RetryAfter.delay($0, date: header("Date")) }
            return .retry(.httpStatus(status, from: "the poll URL", retryAfter: retryAfter))
        case 500..<600:
            return .retry(.httpStatus(status, from: "the poll URL"))
        default:
            return .fatal(.io("HTTP \(status) from the poll URL"))
        }
        learn(header)
        var parsed: Any?
        if case .query(_, .body(let pointerText)) = effective {
            parsed = JSONBody.parse(body)
            switch parsed.flatMap({ JSONBody.value(at: pointerText, in: $0) }) {
            case let s as String: cursor = s
            case let n as NSNumber: cursor = n.stringValue
            default: break
            }
        }
        let messages = split(body, parsed: parsed)
        return messages.isEmpty ? .nothingNew : .messages(messages)
    }

    /// The server's time of each of an answer's `count` messages (docs/transports.md, "Server
    /// time"): the reference server's `X-Message-Times` (Unix milliseconds, one per message), else,
    /// when the cursor is HTTP validators, the answer's `Last-Modified` (Nchan stamps each message
    /// with its publish second) for all of them. Empty when the answer carries none.
    public func messageTimes(count: Int, header: (String) -> String?) -> [Int64?] {
        if let list = header("X-Message-Times") {
            let times = ServerTime.milliseconds(list: list)
            return times.count == count ? times : []
        }
        if case .validators = effective, let modified = header("Last-Modified"), let time = ServerTime.httpDate(modified) {
            return Array(repeating: time, count: count)
        }
        return []
    }

    /// A streamed message (`--transport stream`): a body-field cursor is taken from it.
    public mutating func streamed(_ message: [UInt8]) {
        guard case .query(_, .body(let pointerText)) = convention else { return }
        switch JSONBody.parse(message).flatMap({ JSONBody.value(at: pointerText, in: $0) }) {
        case let s as String: cursor = s
        case let n as NSNumber: cursor = n.stringValue
        default: break
        }
    }

    /// A stream's answer said the cursor is no longer known (410, 412): start from what the
    /// server has.
    public mutating func reset() {
        lastModified = nil
        etag = nil
        cursor = nil
    }

    /// Detects the convention (once, with `auto`) and takes the cursor from the headers that carry it.
    private mutating func learn(_ header: (String) -> String?) {
        if convention == .automatic && detected == nil {
            if header("Last-Modified") != nil || header("Etag") != nil {
                detected = .validators
            } else if header(PollCursor.referenceHeader) != nil {
                detected = .query(name: "cursor", from: .header(PollCursor.referenceHeader))
            }
        }
        switch effective {
        case .validators, .automatic:
            if let v = header("Last-Modified") { lastModified = v }
            if let v = header("Etag") { etag = v }
        case .query(_, .header(let name)):
            if let v = header(name) { cursor = v }
        case .query(_, .body):
            break
        }
    }

    /// The messages in a body: the array at `items`, or the elements of a JSON array, or JSON
    /// lines, or else the whole body as one message.
    package func split(_ body: [UInt8], parsed: Any?) -> [[UInt8]] {
        if let items {
            guard let list = (parsed ?? JSONBody.parse(body)).flatMap({ JSONBody.value(at: items, in: $0) }) as? [Any] else { return [] }
            return list.map(JSONBody.serialize)
        }
        let trimmed = body.drop { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
        if trimmed.isEmpty { return [] }
        if trimmed.first == UInt8(ascii: "["), JSONBody.parse(Array(trimmed)) is [Any] {
            // Each element's own bytes: keys keep their order and numbers their spelling.
            return JSONBody.elements(ofArray: Array(trimmed))
        }
        let lines = body.split(whereSeparator: { $0 == 0x0A || $0 == 0x0D })
        if lines.count > 1 && lines.allSatisfy({ JSONBody.parse(Array($0)) != nil }) {
            return lines.map(Array.init)
        }
        return [body]
    }

    /// `target` with query parameter `name` set to `value` (percent-encoded).
    public static func setting(_ name: String, to value: String, in target: String) -> String {
        let encoded = value.utf8.map { b -> String in
            let c = Character(Unicode.Scalar(b))
            return (c.isLetter || c.isNumber || "-._~".contains(c)) && b < 0x80 ? String(c) : "%" + String(b, radix: 16, uppercase: true).leftPadded
        }.joined()
        var path = target
        var query = ""
        if let q = target.firstIndex(of: "?") {
            path = String(target[..<q])
            query = String(target[target.index(after: q)...])
        }
        var parts = query.split(separator: "&").map(String.init).filter { !$0.hasPrefix(name + "=") && $0 != name }
        parts.append("\(name)=\(encoded)")
        return path + "?" + parts.joined(separator: "&")
    }
}

extension String {
    fileprivate var leftPadded: String { count < 2 ? "0" + self : self }
}
