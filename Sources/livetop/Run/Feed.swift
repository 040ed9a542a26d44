import LiveModel

/// One source a viewer shows: its name (a layout's source name), where its events come from, how
/// they fold, and what is done with them besides showing them.
struct Feed<Source: FeedSource>: Sendable {
    var name: String
    var source: Source
    var configuration: LiveStore.Configuration
    /// `--max-messages`, counted per source.
    var maxMessages: Int64?
    /// `--record`: a recording holds one source.
    var recording: Recording?
    /// `--since`, `--last`: how much of the server's backlog is shown.
    var backlog = BacklogFilter()
}
