/// What one line or document became.
public struct ParsedMessage: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Compact, valid JSON text (UTF-8), ready to fold.
        case json([UInt8])
        /// Leave the original bytes as a text message (not JSON, format text, or could not parse).
        case text
        /// Nothing to deliver (a header line, a repeated header, a blank line).
        case skip
    }

    public var kind: Kind
    /// Lines of the input that were malformed and left out (Prometheus), counted so the source can show it.
    public var skippedLines: Int = 0
    /// The first such problem, one line, with its line number, e.g. "line 12: expected a value after 'node_load1'".
    public var problem: String?

    public init(kind: Kind, skippedLines: Int = 0, problem: String? = nil) {
        self.kind = kind
        self.skippedLines = skippedLines
        self.problem = problem
    }

    static let text = ParsedMessage(kind: .text)
    static let skip = ParsedMessage(kind: .skip)
    static func json(_ bytes: [UInt8]) -> ParsedMessage { ParsedMessage(kind: .json(bytes)) }

    /// The JSON text as a String (nil unless the kind is `.json`): handy for tests and logs.
    public var jsonText: String? {
        if case .json(let bytes) = kind { return String(decoding: bytes, as: UTF8.self) }
        return nil
    }
}
