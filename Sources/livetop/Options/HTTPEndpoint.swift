import LinkWire
import PushLink

/// An http:// or https:// URL that SSE or long-poll goes to instead of the feed's own
/// (`--sse-url`, `--poll-url`, a layout source's `sse_url`, `poll_url`).
struct HTTPEndpoint: Hashable, Sendable, ParsedValue, CustomStringConvertible {
    let url: FeedURL

    init(parsing text: String) throws(ValueError) {
        let url: FeedURL
        do {
            url = try FeedURL(text)
        } catch {
            throw ValueError(url: text, error)
        }
        guard url.scheme == .http || url.scheme == .https else { throw ValueError("must be http:// or https://") }
        self.url = url
    }

    var description: String { url.description }
}
