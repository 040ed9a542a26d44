/// A change of the connection, as the link reports it and the status line, the event panel and the
/// headless output show it: the one state vocabulary of the link and the store (`ConnectionStatus`
/// folds it; docs/architecture.md "Connection states").
public enum LinkState: Hashable, Sendable {
    case connecting(transport: Transport, url: String, attempt: Int)
    /// Open; `every` is the interval of a `poll` transport.
    case open(transport: Transport, every: Duration? = nil)
    /// Lost or refused; the next attempt starts after `retryIn`.
    case waiting(transport: Transport, attempt: Int, retryIn: Duration, error: LinkError)
    /// A fatal error; retried only after the longest backoff (`retryIn`), or not at all (nil).
    case failed(transport: Transport, error: LinkError, retryIn: Duration?)
    /// The link moved to another transport.
    case fallback(transport: Transport, reason: String)
    /// Messages may have been missed; `missed` is how many when the server's ids prove it.
    case gap(transport: Transport, reason: String, missed: Int? = nil)
    /// `count` messages the link had already delivered (a known id, the same bytes) came again
    /// and were dropped (docs/transports.md, "Message ids: repeats and gaps").
    case repeated(transport: Transport, count: Int, reason: String)
    /// A line the source said about itself: a command's stderr, a file's truncation or rotation.
    case note(transport: Transport, text: String)
    /// Nothing arrived for `silentFor`, longer than the source's `expect`; the next message ends it.
    case stale(transport: Transport, silentFor: Duration, expected: Duration)
    /// The run ended: the user quit, `--max-messages` was reached, or the server closed with `--exit-on-close`.
    case closed(reason: String?)
}

/// Everything a link reports, in order, through one asynchronous sequence: the store folds these
/// very values (`LiveEvent(_:)`), so nothing is converted or copied on the way.
public enum LinkEvent: Sendable {
    /// A change of the connection at `at` (wall clock, nanoseconds since the Unix epoch).
    case state(LinkState, at: Int64)
    /// The messages of one read burst (docs/architecture.md "The message path").
    case messages(MessageBatch)
}

extension LinkEvent {
    /// The transport the event came over (nil for `closed`, which has none).
    public var transport: Transport? {
        switch self {
        case .messages(let batch): return batch.transport
        case .state(let state, _):
            switch state {
            case .connecting(let t, _, _), .open(let t, _), .waiting(let t, _, _, _), .failed(let t, _, _), .fallback(let t, _),
                 .gap(let t, _, _), .repeated(let t, _, _), .note(let t, _), .stale(let t, _, _):
                return t
            case .closed: return nil
            }
        }
    }
}
