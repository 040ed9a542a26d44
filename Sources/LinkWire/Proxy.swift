import LiveModel
/// A proxy a link goes through: HTTP CONNECT (with `user:pass@` as Basic proxy auth), or SOCKS5
/// with the name resolved here (`socks5://`) or by the proxy (`socks5h://`).
public struct Proxy: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Hashable, Sendable {
        case http, socks5, socks5h
    }

    public var kind: Kind
    public var host: String
    public var port: Int
    public var username: String?
    public var password: String?

    /// Parses a proxy URL as curl reads one: `http://[user:pass@]host[:port]`, `socks5://host:port`,
    /// `socks5h://host:port`; no scheme means http; the port defaults to 1080.
    public init(_ text: String) throws(LinkError) {
        var rest = Substring(text)
        if let range = rest.range(of: "://") {
            let scheme = rest[..<range.lowerBound].lowercased()
            guard let kind = Kind(rawValue: scheme) else {
                throw .badURL(text, "a proxy must be http://, socks5:// or socks5h://")
            }
            self.kind = kind
            rest = rest[range.upperBound...]
        } else {
            kind = .http
        }
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
            let parts = credentials.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            username = parts.first.map { Proxy.percentDecoded(String($0)) }
            password = parts.count > 1 ? Proxy.percentDecoded(String(parts[1])) : ""
        }
        var port = 1080
        if rest.hasPrefix("[") {
            // [IPv6]:port
            guard let close = rest.firstIndex(of: "]") else { throw .badURL(text, "an IPv6 proxy address needs its closing ]") }
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") {
                guard let p = Int(after.dropFirst()), (1...65535).contains(p) else { throw .badURL(text, "bad proxy port") }
                port = p
            }
        } else if let colon = rest.lastIndex(of: ":") {
            host = String(rest[..<colon])
            guard let p = Int(rest[rest.index(after: colon)...]), (1...65535).contains(p) else { throw .badURL(text, "bad proxy port") }
            port = p
        } else {
            host = String(rest)
        }
        guard !host.isEmpty else { throw .badURL(text, "the proxy has no host") }
        self.port = port
    }

    public var description: String { "\(kind.rawValue)://\(host.contains(":") ? "[\(host)]" : host):\(port)" }

    private static func percentDecoded(_ text: String) -> String {
        var bytes: [UInt8] = []
        var it = Array(text.utf8)[...]
        while let b = it.popFirst() {
            if b == UInt8(ascii: "%"), it.count >= 2, let v = UInt8(String(decoding: it.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(v)
                it = it.dropFirst(2)
            } else {
                bytes.append(b)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Which proxy a URL goes through, as curl decides it: `--proxy` (or `--no-proxy`) first; else the
/// environment: `http_proxy` for http and ws, `https_proxy` for https and wss (each also in upper
/// case; curl ignores `HTTP_PROXY` for CGI reasons, which do not apply here), then `all_proxy`;
/// `no_proxy` lists hosts that go direct (`*` for all; `example.com` also covers its subdomains;
/// an IP address, or a CIDR range such as `10.0.0.0/8`).
public struct ProxySettings: Hashable, Sendable {
    public enum Choice: Hashable, Sendable {
        /// From the environment.
        case environment([String: String])
        /// `--proxy URL`: every URL, except those `no_proxy` lists.
        case explicit(Proxy, noProxy: String?)
        /// `--no-proxy`: never.
        case none
    }

    public var choice: Choice

    public init(_ choice: Choice) { self.choice = choice }

    /// The settings `--proxy`/`--no-proxy` and the environment give.
    public static func from(proxy: String?, noProxy: Bool, environment: [String: String]) throws(LinkError) -> ProxySettings {
        if noProxy { return ProxySettings(.none) }
        if let proxy { return ProxySettings(.explicit(try Proxy(proxy), noProxy: lookup(environment, "no_proxy"))) }
        return ProxySettings(.environment(environment))
    }

    /// The proxy for `url`, or nil to connect directly.
    public func proxy(for url: FeedURL) throws(LinkError) -> Proxy? {
        switch choice {
        case .none:
            return nil
        case .explicit(let proxy, let noProxy):
            return ProxySettings.bypasses(url.host, noProxy: noProxy) ? nil : proxy
        case .environment(let env):
            if ProxySettings.bypasses(url.host, noProxy: ProxySettings.lookup(env, "no_proxy")) { return nil }
            // As curl reads them: http_proxy and https_proxy are for web URLs; Redis goes through ALL_PROXY only.
            let specific = url.scheme == .redis ? nil
                : url.isSecure ? ProxySettings.lookup(env, "https_proxy") : ProxySettings.lookup(env, "http_proxy")
            guard let text = specific ?? ProxySettings.lookup(env, "all_proxy") else { return nil }
            return try Proxy(text)
        }
    }

    /// Lower case first, then upper; empty counts as unset.
    package static func lookup(_ env: [String: String], _ name: String) -> String? {
        for key in [name, name.uppercased()] {
            if let value = env[key], !value.isEmpty { return value }
        }
        return nil
    }

    /// Whether `host` is in a `no_proxy` list.
    package static func bypasses(_ host: String, noProxy: String?) -> Bool {
        guard let noProxy else { return false }
        let host = host.lowercased().trimmingCharacters(in: ["[", "]"])
        for raw in noProxy.split(separator: ",") {
            var entry = raw.trimmingCharacters(in: .whitespaces).lowercased()
            if entry == "*" { return true }
            if entry.isEmpty { continue }
            if entry.hasPrefix(".") { entry.removeFirst() }
            if entry.contains("/"), let inRange = cidr(entry, contains: host) {
                if inRange { return true }
                continue
            }
            if host == entry || host.hasSuffix("." + entry) { return true }
        }
        return false
    }

    /// IPv4 CIDR match; nil when either side is not IPv4.
    private static func cidr(_ entry: String, contains host: String) -> Bool? {
        let parts = entry.split(separator: "/")
        guard parts.count == 2, let bits = Int(parts[1]), (0...32).contains(bits),
              let network = ipv4(String(parts[0])), let address = ipv4(host) else { return nil }
        let mask: UInt32 = bits == 0 ? 0 : ~UInt32(0) << (32 - UInt32(bits))
        return network & mask == address & mask
    }

    private static func ipv4(_ text: String) -> UInt32? {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return nil }
        var value: UInt32 = 0
        for octet in octets {
            guard let v = UInt8(octet) else { return nil }
            value = value << 8 | UInt32(v)
        }
        return value
    }
}

extension LinkError {
    /// The proxy refused, failed or could not be reached; `fatal` when retrying cannot help.
    public static func proxy(_ proxy: Proxy, _ problem: String, fatal: Bool = false) -> LinkError {
        LinkError(.proxy("proxy \(proxy): \(problem)", fatal: fatal))
    }
}
