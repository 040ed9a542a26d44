import Foundation
import LinkWire
import LiveModel
import PushLink

/// What one source reads, as the command line or a layout names it: a feed URL, `-` (stdin),
/// a file path (or `file://` URL), or a command.
enum SourceAddress: Hashable, Sendable, ParsedValue {
    case feed(FeedURL)
    case local(LocalConfiguration.Source)

    /// Parses a command-line argument or a layout's `url:`; the error is one line.
    init(parsing text: String) throws(ValueError) {
        do {
            try self.init(text)
        } catch {
            throw ValueError(url: text, error)
        }
    }

    init(_ text: String) throws(LinkError) {
        if text == "-" {
            self = .local(.stdin)
        } else if text.lowercased().hasPrefix("file://") {
            let path = String(text.dropFirst(7))
            guard path.hasPrefix("/") else { throw LinkError.badURL(text, "a file:// URL needs an absolute path (file:///var/log/x)") }
            self = .local(.file(path.removingPercentEncoding ?? path))
        } else if text.contains("://") {
            self = .feed(try FeedURL(text))
        } else if text.hasPrefix("/") || text.hasPrefix("./") || text.hasPrefix("../") || FileManager.default.fileExists(atPath: text) {
            self = .local(.file(text))
        } else {
            // Neither a URL nor a file that is there: say both, since either may have been meant.
            throw LinkError.badURL(text, "missing scheme (ws://, wss://, http://, https://, socketio:// or redis://), and no such file")
        }
    }

    /// The text `init(_:)` reads back as this address (a layout's `url:`, as `LayoutEncoder`
    /// writes it): a file path that would read as a URL or a missing file is given a `./`. A
    /// command has no such text (a layout gives it as `command:`); it is shown as its argv.
    var text: String {
        switch self {
        case .feed(let url): return url.description
        case .local(.stdin): return "-"
        case .local(.file(let path)):
            return path.hasPrefix("/") || path.hasPrefix("./") || path.hasPrefix("../") ? path : "./" + path
        case .local(let command): return command.description
        }
    }
}
