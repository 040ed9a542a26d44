import Foundation
import LiveModel

/// A feed address: ws, wss, http, https, socketio(s) or redis, with host, port and the request target.
public struct FeedURL: Hashable, Sendable, CustomStringConvertible {
    public enum Scheme: String, Sendable {
        case ws, wss, http, https
        /// Socket.IO over http (`socketio://host:port/namespace`) or https (`socketios://`).
        case socketio, socketios
        /// A Redis pub/sub channel (`redis://[user:password@]host[:port][/db]/channel`, see `RedisAddress`).
        case redis
    }

    public var scheme: Scheme
    public var host: String
    public var port: Int
    /// Path and query, e.g. `/feed?x=1`; always starts with `/`.
    public var target: String
    /// What came before `@` in the authority, still percent-encoded (a Redis user and password).
    /// Never part of `description`, which the status line and the JSON output show.
    public var userInfo: String?

    public var isSecure: Bool { scheme == .wss || scheme == .https || scheme == .socketios }

    /// Parses `ws://host[:port]/path?query` (and wss, http, https). IPv6 hosts go in brackets.
    public init(_ text: String) throws(LinkError) {
        guard let schemeEnd = text.range(of: "://") else {
            throw .badURL(text, "missing scheme (ws://, wss://, http://, https://, socketio:// or redis://)")
        }
        guard let scheme = Scheme(rawValue: text[..<schemeEnd.lowerBound].lowercased()) else {
            throw .badURL(text, "unsupported scheme '\(text[..<schemeEnd.lowerBound])'")
        }
        self.scheme = scheme
        let rest = text[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        var target = String(rest[authorityEnd...])
        if let hash = target.firstIndex(of: "#") { target = String(target[..<hash]) }
        if target.isEmpty || target.first == "?" { target = "/" + target }
        self.target = target
        if let at = authority.lastIndex(of: "@") {
            userInfo = String(authority[..<at])
            authority = authority[authority.index(after: at)...]
        }
        var portText: Substring?
        if authority.first == "[" {
            guard let close = authority.firstIndex(of: "]") else { throw .badURL(text, "unclosed '[' in host") }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            if after.first == ":" { portText = after.dropFirst() } else if !after.isEmpty { throw .badURL(text, "bad host") }
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            portText = authority[authority.index(after: colon)...]
        } else {
            host = String(authority)
        }
        guard !host.isEmpty else { throw .badURL(text, "missing host") }
        if let portText {
            guard let port = Int(portText), (1...65535).contains(port) else { throw .badURL(text, "bad port '\(portText)'") }
            self.port = port
        } else {
            port = scheme == .redis ? 6379 : (scheme == .wss || scheme == .https) ? 443 : 80
        }
    }

    /// Host and port as the Host header wants them (port only when not the scheme's default).
    public var hostHeader: String {
        let h = host.contains(":") ? "[\(host)]" : host
        let defaultPort = scheme == .redis ? 6379 : isSecure ? 443 : 80
        return port == defaultPort ? h : "\(h):\(port)"
    }

    /// The same address over plain HTTP(S), for a fallback: ws becomes http, wss becomes https.
    public var httpEquivalent: FeedURL {
        var u = self
        switch scheme {
        case .ws, .socketio: u.scheme = .http
        case .wss, .socketios: u.scheme = .https
        default: break
        }
        return u
    }

    public var description: String { "\(scheme.rawValue)://\(hostHeader)\(target)" }
}
