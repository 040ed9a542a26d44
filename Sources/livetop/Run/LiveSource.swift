import PushLink

/// A live source of either kind: a feed over the network (`Link`) or one on this host
/// (`LocalLink`: a command, stdin, a file). Both report through the same events, so one layout
/// can mix them.
enum LiveSource: FeedSource {
    case link(Link)
    case local(LocalLink)

    var events: Link.Events {
        switch self {
        case .link(let link): return link.events
        case .local(let local): return local.events
        }
    }

    func run() async -> Bool {
        switch self {
        case .link(let link): return await link.run()
        case .local(let local): return await local.run()
        }
    }

    func stop() {
        switch self {
        case .link(let link): link.stop()
        case .local(let local): local.stop()
        }
    }

    func reconnectNow() {
        switch self {
        case .link(let link): link.reconnectNow()
        case .local(let local): local.reconnectNow()
        }
    }

    /// What the source reads, as the status line names it: a URL, a command line, stdin, a path.
    var address: String {
        switch self {
        case .link(let link): return link.configuration.url.description
        case .local(let local): return local.configuration.source.description
        }
    }

    /// A command run every interval: each message is the whole picture (one run's output).
    var isSampled: Bool {
        if case .local(let local) = self, case .command = local.configuration.source, local.configuration.every != nil { return true }
        return false
    }

    var readsStdin: Bool {
        if case .local(let local) = self, local.configuration.source == .stdin { return true }
        return false
    }

    /// A source that ends by itself (a command, stdin) leaves its last frame on the dashboard
    /// until `q`; a feed ends the dashboard only with `--exit-on-close`.
    var endNotice: String? {
        switch self {
        case .link: return nil
        case .local(let local):
            switch local.configuration.source {
            case .command: return "the command ended; q quits"
            case .stdin: return "end of input; q quits"
            case .file: return nil
            }
        }
    }
}
