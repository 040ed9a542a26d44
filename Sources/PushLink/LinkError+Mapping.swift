import LiveModel
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOWebSocket

#if canImport(Glibc)
import Glibc
#endif

/// Turns the errors NIO, NIOSSL and the OS raise into `LinkError`s at the edge of PushLink.
extension LinkError {
    package static func map(_ error: Error, host: String = "") -> LinkError {
        if let e = error as? LinkError { return e }
        if let e = error as? IOError { return fromErrno(e.errnoCode, detail: "\(e)") }
        if let e = error as? NIOConnectionError {
            if let first = e.connectionErrors.first { return map(first.error, host: host) }
            if e.dnsAError != nil || e.dnsAAAAError != nil { return .resolve(host) }
            return .resolve(host)
        }
        if let e = error as? ChannelError {
            switch e {
            case .connectTimeout(let t): return .connectTimeout(seconds: Double(t.nanoseconds) / 1e9)
            case .eof, .ioOnClosedChannel, .alreadyClosed: return .droppedWithoutClose
            default: return .io("\(e)")
            }
        }
        if let e = error as? NIOSSLError {
            switch e {
            case .handshakeFailed(let inner):
                let text = "\(inner)"
                if text.contains("CERTIFICATE_VERIFY_FAILED") || text.contains("certificate verify failed") {
                    if text.contains("expired") { return .tls("the server's certificate has expired") }
                    return .tls("certificate verification failed (use --cacert FILE, or --insecure to skip)")
                }
                return .tls("handshake failed: \(text)")
            case .uncleanShutdown: return .droppedWithoutClose
            default: return .tls("\(e)")
            }
        }
        if let e = error as? NIOSSLExtraError {
            // Fatal, in curl's words: retrying cannot make the certificate name this host.
            if e == .failedToValidateHostname {
                return .tls("no alternative certificate subject name matches target host name" + (host.isEmpty ? "" : " '\(host)'"))
            }
            return .tls("\(e)")
        }
        if let e = error as? BoringSSLError { return .tls("\(e)") }
        if let e = error as? NIOHTTPClientUpgradeError {
            switch e {
            case .upgraderDeniedUpgrade: return .upgradeInvalid("bad Sec-WebSocket-Accept")
            case .responseProtocolNotFound: return .upgradeInvalid("101 without 'Upgrade: websocket'")
            default: return .upgradeInvalid("\(e)")
            }
        }
        if let e = error as? HTTPParserError { return .io("HTTP: \(e)") }
        if let e = error as? NIOWebSocketError { return .closedByUs(code: 1002, reason: "protocol error: \(e)") }
        return .io("\(error)")
    }

    package static func fromErrno(_ code: CInt, detail: String) -> LinkError {
        switch code {
        case ECONNREFUSED: return .refused
        case ECONNRESET, EPIPE: return .reset
        case ETIMEDOUT: return .connectTimeout(seconds: 0)
        case EHOSTUNREACH, ENETUNREACH: return .io("host unreachable")
        default: return .io(detail)
        }
    }
}
