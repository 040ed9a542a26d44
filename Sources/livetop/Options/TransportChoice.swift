import ArgumentParser
import LiveModel
import PushLink

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
