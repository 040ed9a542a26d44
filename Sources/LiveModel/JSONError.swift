/// Why a message could not be read as JSON. One line, fit for a status line.
///
/// A struct wrapping a private enum, so adding a case breaks no caller.
public struct JSONError: Error, Hashable, Sendable, CustomStringConvertible {
    enum Kind: Hashable, Sendable {
        case unexpectedEnd
        case unexpectedByte(UInt8)
        case invalidNumber
        case invalidEscape
        case invalidUTF8
        case controlCharacterInString
        case trailingData
        case depthLimit(Int)
        case stringTooLong(Int)
        case messageTooLarge(Int)
    }

    let kind: Kind
    /// Byte offset in the message where the problem was found.
    public let offset: Int

    init(_ kind: Kind, at offset: Int) {
        self.kind = kind
        self.offset = offset
    }

    public static let unexpectedEnd = JSONError(.unexpectedEnd, at: 0)
    public static let invalidNumber = JSONError(.invalidNumber, at: 0)
    public static let invalidEscape = JSONError(.invalidEscape, at: 0)
    public static let invalidUTF8 = JSONError(.invalidUTF8, at: 0)
    public static let controlCharacterInString = JSONError(.controlCharacterInString, at: 0)
    public static let trailingData = JSONError(.trailingData, at: 0)
    public static func unexpectedByte(_ byte: UInt8) -> JSONError { JSONError(.unexpectedByte(byte), at: 0) }
    public static func depthLimit(_ limit: Int) -> JSONError { JSONError(.depthLimit(limit), at: 0) }
    public static func stringTooLong(_ limit: Int) -> JSONError { JSONError(.stringTooLong(limit), at: 0) }
    public static func messageTooLarge(_ limit: Int) -> JSONError { JSONError(.messageTooLarge(limit), at: 0) }

    /// Compares the kind of error only, not where it happened.
    public func isSameKind(as other: JSONError) -> Bool { kind == other.kind }

    public var description: String {
        switch kind {
        case .unexpectedEnd: return "invalid JSON: unexpected end of input"
        case .unexpectedByte(let b):
            let shown = (0x21...0x7E).contains(b) ? "'\(Character(Unicode.Scalar(b)))'" : "byte 0x\(String(b, radix: 16))"
            return "invalid JSON: unexpected \(shown) at offset \(offset)"
        case .invalidNumber: return "invalid JSON: malformed number at offset \(offset)"
        case .invalidEscape: return "invalid JSON: bad escape sequence at offset \(offset)"
        case .invalidUTF8: return "invalid JSON: invalid UTF-8 at offset \(offset)"
        case .controlCharacterInString: return "invalid JSON: raw control character in string at offset \(offset)"
        case .trailingData: return "invalid JSON: data after the value at offset \(offset)"
        case .depthLimit(let n): return "JSON nested deeper than the limit of \(n)"
        case .stringTooLong(let n): return "JSON string longer than the limit of \(n) bytes"
        case .messageTooLarge(let n): return "message larger than the limit of \(n) bytes"
        }
    }
}

/// Named limits that keep hostile input from costing unbounded memory or stack.
public struct JSONLimits: Hashable, Sendable {
    /// Deepest nesting of arrays and objects accepted. Deeper input is an error, never a stack overflow.
    public var maxDepth: Int = 64
    /// Longest string (in encoded bytes) accepted.
    public var maxStringBytes: Int = 1 << 20
    /// Largest message accepted.
    public var maxMessageBytes: Int = 16 << 20

    public init(maxDepth: Int = 64, maxStringBytes: Int = 1 << 20, maxMessageBytes: Int = 16 << 20) {
        self.maxDepth = maxDepth
        self.maxStringBytes = maxStringBytes
        self.maxMessageBytes = maxMessageBytes
    }
}
