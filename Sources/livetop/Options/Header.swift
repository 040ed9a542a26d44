/// A request header, `Name: value` (`-H`, a layout source's `headers:`).
///
/// One rule for both places (docs/options.md): the name is what comes before the first colon,
/// an HTTP token (RFC 9110 §5.6.2: no spaces, no separators); the value is the rest with the
/// spaces and tabs around it taken off, and must not break the request's lines (no CR, LF or NUL),
/// so a header given by a user never adds a header or a request of its own.
struct Header: Hashable, Sendable, ParsedValue, CustomStringConvertible {
    let name: String
    let value: String

    init(name: String, value: String) {
        self.name = name
        self.value = value
    }

    init(parsing text: String) throws(ValueError) {
        guard let colon = text.firstIndex(of: ":") else { throw ValueError("expected 'Name: value' with no spaces in the name") }
        let name = text[..<colon]
        guard !name.isEmpty, !name.contains(where: \.isWhitespace) else {
            throw ValueError("expected 'Name: value' with no spaces in the name")
        }
        if let bad = name.unicodeScalars.first(where: { !Self.tokenCharacters.contains($0) }) {
            throw ValueError("a header name cannot hold '\(bad.escaped(asASCII: true))'")
        }
        let value = text[text.index(after: colon)...].trimmingBlanks
        if value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) {
            throw ValueError("a header's value cannot hold a line break or NUL")
        }
        self.init(name: String(name), value: String(value))
    }

    var description: String { "\(name): \(value)" }
    var defaultValueDescription: String { description }

    /// RFC 9110 `tchar`.
    private static let tokenCharacters: Set<Unicode.Scalar> = Set(
        "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".unicodeScalars)
}

private extension Substring {
    /// Without the spaces and tabs at either end (HTTP's optional whitespace).
    var trimmingBlanks: Substring {
        var s = self
        while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" { s.removeLast() }
        return s
    }
}
