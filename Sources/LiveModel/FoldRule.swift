/// How each message changes the document (`--fold`).
public enum FoldRule: Hashable, Sendable, CustomStringConvertible {
    /// A JSON object is an RFC 7386 merge patch on the document (null deletes); other values replace it.
    case merge
    /// Each message is a row keyed by the value at the pointer; rows are merged like `merge`.
    case upsert(JSONPointer)
    /// Messages only go to the log.
    case append
    /// Each message replaces the document.
    case replace

    /// Parses `merge`, `append`, `replace` or `upsert:/POINTER`.
    public init?(_ text: String) {
        switch text {
        case "merge": self = .merge
        case "append": self = .append
        case "replace": self = .replace
        default:
            guard text.hasPrefix("upsert:"), let p = JSONPointer(String(text.dropFirst(7))), !p.tokens.isEmpty else { return nil }
            self = .upsert(p)
        }
    }

    public var description: String {
        switch self {
        case .merge: return "merge"
        case .append: return "append"
        case .replace: return "replace"
        case .upsert(let p): return "upsert:\(p)"
        }
    }
}
