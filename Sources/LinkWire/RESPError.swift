/// Bytes from a "Redis" server that are not RESP2, or that pass a limit: one line, fit for a
/// status line, naming what was wrong (a byte from the server is shown escaped, never raw).
public struct RESPError: Error, Hashable, Sendable, CustomStringConvertible {
    package enum Kind: Hashable, Sendable {
        case unexpectedByte(UInt8, offset: Int)
        case malformed(String)
        case badLength(String, Int64)
        case tooLarge(String, limit: Int, unit: String)
        case tooDeep(Int)
    }

    package let kind: Kind

    package static func unexpectedByte(_ byte: UInt8, offset: Int) -> RESPError { RESPError(kind: .unexpectedByte(byte, offset: offset)) }
    package static func malformed(_ what: String) -> RESPError { RESPError(kind: .malformed(what)) }
    package static func badLength(_ what: String, _ n: Int64) -> RESPError { RESPError(kind: .badLength(what, n)) }
    package static func tooLarge(_ what: String, limit: Int, unit: String = "bytes") -> RESPError {
        RESPError(kind: .tooLarge(what, limit: limit, unit: unit))
    }
    package static func tooDeep(_ limit: Int) -> RESPError { RESPError(kind: .tooDeep(limit)) }

    /// A bulk string (a message's payload) longer than the limit, which is the message limit.
    public var isBulkTooLarge: Bool {
        if case .tooLarge(let what, _, _) = kind { return what.hasPrefix("bulk string") }
        return false
    }

    public var description: String {
        switch kind {
        case .unexpectedByte(let byte, _):
            return "not a Redis reply: byte \(Self.show(byte)) where a RESP type (+ - : $ *) should start"
        case .malformed(let what): return "bad Redis reply: \(what)"
        case .badLength(let what, let n): return "bad Redis reply: \(what) length \(n)"
        case .tooLarge(let what, let limit, let unit): return "Redis reply too large: \(what), over the limit of \(limit) \(unit)"
        case .tooDeep(let limit): return "Redis reply too large: arrays nested deeper than \(limit)"
        }
    }

    /// A byte as hex, with the character when it is printable ASCII.
    private static func show(_ byte: UInt8) -> String {
        let hex = "0x" + (byte < 16 ? "0" : "") + String(byte, radix: 16)
        return (0x21...0x7E).contains(byte) && byte != UInt8(ascii: "'") ? "\(hex) '\(Character(Unicode.Scalar(byte)))'" : hex
    }
}
