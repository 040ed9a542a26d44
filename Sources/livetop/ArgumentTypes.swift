import ArgumentParser
import LiveModel
import PushLink

// Every option with a grammar of its own is a type that argument-parser parses once, with its
// own error message; nothing downstream falls back to a default after validation.

/// `--transport`: `auto` (WebSocket, falling back to SSE, a JSON stream, then long-poll) or one.
enum TransportChoice: Hashable, Sendable, ExpressibleByArgument, CustomStringConvertible {
    case auto
    case only(Transport)

    init?(argument: String) {
        if argument == "auto" {
            self = .auto
        } else if let transport = Transport(rawValue: argument) {
            self = .only(transport)
        } else {
            return nil
        }
    }

    var transport: Transport? { if case .only(let t) = self { return t } else { return nil } }
    var description: String { transport?.rawValue ?? "auto" }
    static var allValueStrings: [String] { ["auto"] + Transport.allCases.map(\.rawValue) }
    var defaultValueDescription: String { description }
}

/// `--max-message`: a byte count with binary K, M or G (`65536`, `512K`, `16M`), at most 1G.
struct ByteCount: Hashable, Sendable, ExpressibleByArgument, CustomStringConvertible {
    let bytes: Int

    init(bytes: Int) { self.bytes = bytes }

    init?(argument: String) {
        let units: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30]
        var digits = Substring(argument)
        var unit = 1
        if let last = argument.last?.uppercased().first, let u = units[last] {
            unit = u
            digits = digits.dropLast()
        }
        guard let n = Int(digits), n > 0, n <= (1 << 30) / unit else { return nil }
        bytes = n * unit
    }

    var description: String {
        for (suffix, unit) in [("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)] where bytes % unit == 0 { return "\(bytes / unit)\(suffix)" }
        return String(bytes)
    }
    var defaultValueDescription: String { description }
}

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
    public var defaultValueDescription: String { "auto" }
    public static var allValueStrings: [String] { ["auto", "validators", "query:NAME,header:HEADER", "query:NAME,body:/POINTER"] }
}
