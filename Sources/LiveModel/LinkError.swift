/// Why a connection could not be made or was lost. One line, fit for a status line.
///
/// A struct wrapping a private enum, so adding a case breaks no caller. It lives in LiveModel
/// because the connection states the link emits and the store folds carry it (one vocabulary,
/// docs/architecture.md "Connection states"): the store keeps the typed error, not its text.
/// Its kind is `package`, so the link's own rules (in PushLink) can read it.
public struct LinkError: Error, Hashable, Sendable, CustomStringConvertible {
    package enum Kind: Hashable, Sendable {
        case badURL(String, String)
        case refused
        case reset
        case resolve(String)
        case connectTimeout(seconds: Double)
        case tls(String)
        case upgradeRefused(status: Int, reason: String)
        case upgradeInvalid(String)
        case notEventStream(status: Int, contentType: String)
        case notStream(status: Int, contentType: String)
        case closedByPeer(code: Int?, reason: String)
        /// livetop itself failed the connection (a protocol violation it detected) with this code.
        case closedByUs(code: Int, reason: String)
        case droppedWithoutClose
        case dead(seconds: Double)
        case messageTooLarge(limit: Int)
        /// Something an HTTP transport reads (an event stream line, a long-poll answer) passed a
        /// limit; `option` names the option that sets it.
        case tooLarge(what: String, limit: Int, option: String)
        case io(String)
        /// An HTTP answer that means "later" (429, 5xx) from `what` ("the poll URL"), with the wait
        /// its `Retry-After` asks for.
        case httpStatus(Int, what: String, retryAfter: Duration?)
        /// The server refused us in its own protocol (a Socket.IO connect error, HTTP 401/403).
        case refusedByServer(String)
        /// The proxy refused, failed or could not be reached (its URL is in the text).
        case proxy(String, fatal: Bool)
        /// The server sent bytes its protocol does not allow (a "Redis" server that is not one).
        case badReply(String)
        /// A command could not be started (not found, not executable).
        case spawn(String)
        /// A command ended (streaming: its stdout closed and it exited).
        case commandEnded(name: String, status: String, success: Bool)
        /// A local source (stdin, a file) reached its end.
        case endOfInput(String)
        /// The server speaks a version of the protocol livetop does not (Engine.IO v3): retrying
        /// cannot help, so the link fails once and stops.
        case unsupportedVersion(String)
    }

    package let kind: Kind

    package init(_ kind: Kind) { self.kind = kind }

    public static func badURL(_ url: String, _ why: String) -> LinkError { LinkError(.badURL(url, why)) }
    public static let refused = LinkError(.refused)
    public static let reset = LinkError(.reset)
    public static func resolve(_ host: String) -> LinkError { LinkError(.resolve(host)) }
    public static func connectTimeout(seconds: Double) -> LinkError { LinkError(.connectTimeout(seconds: seconds)) }
    public static func tls(_ detail: String) -> LinkError { LinkError(.tls(detail)) }
    public static func upgradeRefused(status: Int, reason: String) -> LinkError { LinkError(.upgradeRefused(status: status, reason: reason)) }
    public static func upgradeInvalid(_ detail: String) -> LinkError { LinkError(.upgradeInvalid(detail)) }
    public static func notEventStream(status: Int, contentType: String) -> LinkError {
        LinkError(.notEventStream(status: status, contentType: contentType))
    }
    public static func notStream(status: Int, contentType: String) -> LinkError {
        LinkError(.notStream(status: status, contentType: contentType))
    }
    public static func closedByPeer(code: Int?, reason: String) -> LinkError { LinkError(.closedByPeer(code: code, reason: reason)) }
    public static func refusedByServer(_ detail: String) -> LinkError { LinkError(.refusedByServer(detail)) }
    public static func closedByUs(code: Int, reason: String) -> LinkError { LinkError(.closedByUs(code: code, reason: reason)) }
    public static let droppedWithoutClose = LinkError(.droppedWithoutClose)
    public static func dead(seconds: Double) -> LinkError { LinkError(.dead(seconds: seconds)) }
    public static func messageTooLarge(limit: Int) -> LinkError { LinkError(.messageTooLarge(limit: limit)) }
    public static func tooLarge(_ what: String, limit: Int, option: String = "--max-message") -> LinkError {
        LinkError(.tooLarge(what: what, limit: limit, option: option))
    }
    public static func io(_ detail: String) -> LinkError { LinkError(.io(detail)) }
    public static func httpStatus(_ status: Int, from what: String, retryAfter: Duration? = nil) -> LinkError {
        LinkError(.httpStatus(status, what: what, retryAfter: retryAfter))
    }
    public static func badReply(_ detail: String) -> LinkError { LinkError(.badReply(detail)) }
    public static func spawn(_ detail: String) -> LinkError { LinkError(.spawn(detail)) }
    /// `status`: how it ended, as `ChildProcess.Status` says it ("exited with status 3"); `success`: it exited 0.
    public static func commandEnded(_ name: String, status: String, success: Bool) -> LinkError {
        LinkError(.commandEnded(name: name, status: status, success: success))
    }
    public static func endOfInput(_ what: String) -> LinkError { LinkError(.endOfInput(what)) }
    public static func unsupportedVersion(_ detail: String) -> LinkError { LinkError(.unsupportedVersion(detail)) }
    /// A Socket.IO 2.x server: its Engine.IO v3 is not livetop's v4.
    public static let engineIOv3 = LinkError.unsupportedVersion("the server speaks Engine.IO v3 (Socket.IO 2.x); livetop speaks v4")

    /// Retrying cannot help: the server does not speak livetop's version of its protocol. The link
    /// reports `failed` once, without a retry, and ends.
    public var isPermanent: Bool {
        if case .unsupportedVersion = kind { return true }
        return false
    }

    /// The WebSocket close code, when the peer closed with one.
    public var closeCode: Int? {
        switch kind {
        case .closedByPeer(let code, _): return code
        case .closedByUs(let code, _): return code
        case .messageTooLarge: return 1009
        default: return nil
        }
    }

    /// The HTTP status of a refused upgrade.
    public var upgradeStatus: Int? {
        if case .upgradeRefused(let status, _) = kind { return status }
        return nil
    }

    /// How long the server asked us to wait before the next request (`Retry-After` on a 429 or
    /// 503): no request goes out sooner, whatever the backoff says.
    public var retryAfter: Duration? {
        if case .httpStatus(_, _, let retryAfter) = kind { return retryAfter }
        return nil
    }

    /// How the link should react.
    public enum Severity: Sendable {
        /// The peer ended the connection on purpose (1000, 1001, no code): reconnect, or end with --exit-on-close.
        case normal
        /// A network fault or a server-side condition that may pass: retry with backoff.
        case transient
        /// Retrying soon will not help (bad URL, auth, TLS verification, protocol violations): retry only at the cap.
        case fatal
    }

    public var severity: Severity {
        switch kind {
        case .closedByPeer(let code, _):
            switch code {
            case nil, 1000, 1001, 1005: return .normal
            case 1002, 1003, 1007, 1008, 1009, 1010, 1015: return .fatal
            default: return .transient  // 1006, 1011, 1012, 1013 and application codes
            }
        case .messageTooLarge, .tooLarge, .badURL, .tls, .upgradeInvalid, .closedByUs, .refusedByServer, .badReply, .spawn,
             .unsupportedVersion: return .fatal
        case .commandEnded(_, _, let success): return success ? .normal : .transient
        case .endOfInput: return .normal
        case .upgradeRefused(let status, _), .notEventStream(let status, _), .notStream(let status, _):
            return status == 401 || status == 403 ? .fatal : .transient
        case .refused, .reset, .resolve, .connectTimeout, .droppedWithoutClose, .dead, .io, .httpStatus: return .transient
        case .proxy(_, let fatal): return fatal ? .fatal : .transient
        }
    }

    /// A definite "no JSON stream here".
    public var meansNoStream: Bool {
        guard case .notStream(let status, _) = kind else { return false }
        return (200..<300).contains(status) || [400, 404, 405, 406, 415, 501].contains(status)
    }

    /// The stream's cursor is no longer known (HTTP 410 or 412 to a resumed stream).
    public var meansCursorGone: Bool {
        guard case .notStream(let status, _) = kind else { return false }
        return status == 410 || status == 412
    }

    /// A definite "no event stream here": the URL answered with something else.
    public var meansNoEventStream: Bool {
        guard case .notEventStream(let status, _) = kind else { return false }
        return (200..<300).contains(status) || [400, 404, 405, 406, 415, 501].contains(status)
    }

    /// A definite "no WebSocket here": the server answered the upgrade with plain HTTP.
    public var meansNoWebSocket: Bool {
        guard let status = upgradeStatus else { return false }
        return [400, 404, 405, 426, 501].contains(status) || (200..<300).contains(status)
    }

    public var description: String {
        switch kind {
        case .badURL(let url, let why): return "bad URL '\(url)': \(why)"
        case .refused: return "connection refused"
        case .reset: return "connection reset by peer"
        case .resolve(let host): return "cannot resolve host '\(host)'"
        case .connectTimeout(let s): return "connect timed out after \(LinkError.seconds(s))"
        case .tls(let detail): return "TLS: \(detail)"
        case .upgradeRefused(let status, let reason): return "websocket upgrade answered HTTP \(status)\(reason.isEmpty ? "" : " \(reason)")"
        case .upgradeInvalid(let detail): return "invalid websocket upgrade answer: \(detail)"
        case .notEventStream(let status, let type):
            return "event stream answered HTTP \(status)" + (type.isEmpty ? "" : " with Content-Type \(type)")
        case .notStream(let status, let type):
            return "JSON stream answered HTTP \(status)" + (type.isEmpty ? "" : " with Content-Type \(type)")
        case .closedByPeer(let code?, let reason): return "closed by server with code \(code)\(reason.isEmpty ? "" : ": \(reason)")"
        case .closedByPeer(nil, _): return "closed by server"
        case .closedByUs(let code, let reason): return "livetop closed the connection with code \(code): \(reason)"
        case .droppedWithoutClose: return "connection dropped without a close frame (1006)"
        case .dead(let s): return "no answer to ping within \(LinkError.seconds(s))"
        case .messageTooLarge(let limit): return "message larger than \(limit) bytes; closed with 1009"
        case .tooLarge(let what, let limit, let option): return "\(what) larger than \(limit) bytes (\(option)); livetop closed the connection"
        case .io(let detail): return detail
        case .httpStatus(let status, let what, let retryAfter):
            return "HTTP \(status) from \(what)" + (retryAfter.map { " (Retry-After \(LinkError.seconds($0.seconds)))" } ?? "")
        case .proxy(let detail, _): return detail
        case .refusedByServer(let detail): return detail
        case .badReply(let detail): return detail
        case .spawn(let detail): return detail
        case .commandEnded(let name, let status, _): return "\(name) \(status)"
        case .endOfInput(let what): return "end of \(what)"
        case .unsupportedVersion(let detail): return detail
        }
    }

    package static func seconds(_ s: Double) -> String {
        s == s.rounded() ? "\(Int(s)) s" : "\(s) s"
    }
}
