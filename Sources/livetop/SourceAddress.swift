import Foundation
import PushLink

/// What one source reads, as the command line or a layout names it: a feed URL, `-` (stdin),
/// a file path (or `file://` URL), or a command.
enum SourceAddress: Hashable, Sendable {
    case feed(FeedURL)
    case local(LocalConfiguration.Source)

    /// Parses a command-line argument or a layout's `url:`; the error is one line.
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
}
