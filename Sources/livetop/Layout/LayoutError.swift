/// A layout file that cannot be used: where, and what was expected there. It is shown on one
/// line (`file:line:column: message`), as compilers do, so editors can jump to the place.
struct LayoutError: Error, CustomStringConvertible, Equatable {
    var file: String
    /// nil when the problem is the file as a whole (unreadable, empty).
    var location: SourceLocation?
    var message: String

    init(file: String, location: SourceLocation? = nil, message: String) {
        self.file = file
        self.location = location
        // Yams' messages span lines (they quote the YAML); a status line holds one.
        self.message = message.split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    var description: String {
        guard let location else { return "\(file): \(message)" }
        return "\(file):\(location): \(message)"
    }
}
