import ArgumentParser
import LiveModel
import PushLink

/// Why a value's text is not what its option or layout key takes: one line, fit to follow
/// "The value 'X' is invalid for '--option <name>': " on the command line or "'X' is not a …; "
/// in a layout file's error, so both places say the same thing.
struct ValueError: Error, Hashable, Sendable, CustomStringConvertible {
    let description: String

    init(_ description: String) { self.description = description }

    /// A URL's error without the "bad URL 'X': " that the place quoting the value already says.
    init(url text: String, _ error: LinkError) {
        let said = "bad URL '\(text)': ", description = error.description
        self.init(description.hasPrefix(said) ? String(description.dropFirst(said.count)) : description)
    }
}

/// A value with a grammar of its own, written once: the command line (through argument-parser)
/// and the layout file parse it with the same initialiser and report the same reason.
protocol ParsedValue: ExpressibleByArgument {
    init(parsing text: String) throws(ValueError)
}

extension ParsedValue {
    init?(argument: String) {
        guard let value = try? Self(parsing: argument) else { return nil }
        self = value
    }

    /// For `@Option(transform:)`: argument-parser then adds the reason to its message, which
    /// `init?(argument:)` cannot give it.
    @Sendable static func parse(_ text: String) throws -> Self { try Self(parsing: text) }
}
