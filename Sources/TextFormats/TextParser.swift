// Placeholder with the agreed API; replaced by the real module from the `formats` branch.
public enum TextFormat: String, CaseIterable, Sendable { case auto, json, logfmt, columns, prometheus, text }

public struct ParsedMessage: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case json([UInt8])
        case text
        case skip
    }
    public var kind: Kind
    public var skippedLines: Int = 0
    public var problem: String?
}

public struct TextParser: Sendable {
    public let format: TextFormat
    public private(set) var picked: TextFormat?
    public init(format: TextFormat) { self.format = format }
    public mutating func line(_ bytes: some Collection<UInt8>) -> ParsedMessage { ParsedMessage(kind: .text) }
    public mutating func document(_ bytes: some Collection<UInt8>, contentType: String?) -> ParsedMessage { ParsedMessage(kind: .text) }
}
