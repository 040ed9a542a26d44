import ArgumentParser
import JSONLines
import LinkWire
import LiveModel
import PushLink

// Types declared elsewhere, as option values. Every option with a grammar of its own is a type that
// argument-parser parses once, with its own error message (the types of livetop's own options
// are in Options/); nothing downstream falls back to a default after validation.

extension HeadlessWriter.Emit: ExpressibleByArgument {}

extension FoldRule: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
    public var defaultValueDescription: String { description }
    public static var allValueStrings: [String] { ["merge", "replace", "append", "upsert:/POINTER"] }
}

extension JSONPointer: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
}

extension PollCursor.Convention: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
    /// The text `init(_:)` reads back as this convention (`LayoutEncoder` writes it).
    var text: String {
        switch self {
        case .automatic: return "auto"
        case .validators: return "validators"
        case .query(let name, .header(let header)): return "query:\(name),header:\(header)"
        case .query(let name, .body(let pointer)): return "query:\(name),body:\(pointer)"
        }
    }
    public var defaultValueDescription: String { "auto" }
    public static var allValueStrings: [String] { ["auto", "validators", "query:NAME,header:HEADER", "query:NAME,body:/POINTER"] }
}
