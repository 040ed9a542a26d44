import Foundation

/// A Socket.IO event emitted after every connect (`--send-event 'NAME JSON'`): the event's name,
/// a space, its one value as JSON.
struct SocketIOEvent: Hashable, Sendable, ParsedValue, CustomStringConvertible {
    let name: String
    let json: String

    init(parsing text: String) throws(ValueError) {
        let reason = ValueError("expected 'NAME JSON' (the event's name, a space, its data as JSON)")
        guard let space = text.firstIndex(of: " ") else { throw reason }
        let name = String(text[..<space]), json = text[text.index(after: space)...].trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, (try? JSONSerialization.jsonObject(with: Data(json.utf8), options: [.fragmentsAllowed])) != nil else {
            throw reason
        }
        self.name = name
        self.json = json
    }

    var description: String { "\(name) \(json)" }
}
