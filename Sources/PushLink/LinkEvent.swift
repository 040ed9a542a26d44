/// Messages received in one read burst: one byte array and where each message lies in it.
public struct FrameBatch: Sendable {
    public struct Frame: Hashable, Sendable {
        public var offset: Int
        public var length: Int
        public var isBinary: Bool
    }

    public var bytes: [UInt8] = []
    public var frames: [Frame] = []
    /// Wall-clock time the burst was read, in nanoseconds since the Unix epoch.
    public var receivedAt: Int64 = 0
    /// The server's time for each message, where the transport or the server carries one (an SSE
    /// `id:` holding a time, Nchan's `Last-Modified`, the reference server's `X-Message-Times`), in
    /// nanoseconds since the Unix epoch: empty when no message of the batch has one, else one per
    /// frame, `FrameBatch.noTime` for those without. Replayed backlog then keeps the time it happened.
    public var times: [Int64] = []
    public var transport: Transport

    /// In `times`: this message carries no server time.
    public static let noTime = Int64.min

    public init(transport: Transport) { self.transport = transport }

    public var isEmpty: Bool { frames.isEmpty }
    public var count: Int { frames.count }

    public mutating func append(_ payload: some Collection<UInt8>, isBinary: Bool) {
        frames.append(Frame(offset: bytes.count, length: payload.count, isBinary: isBinary))
        bytes.append(contentsOf: payload)
    }

    /// Appends a message with the server's time for it (nil: none); `times` stays empty until a
    /// message has one.
    public mutating func append(_ payload: some Collection<UInt8>, isBinary: Bool, serverTime: Int64?) {
        if serverTime != nil, times.count < frames.count {
            times.append(contentsOf: repeatElement(Self.noTime, count: frames.count - times.count))
        }
        append(payload, isBinary: isBinary)
        if let serverTime { times.append(serverTime) } else if !times.isEmpty { times.append(Self.noTime) }
    }

    /// The server's time for message `index`, nil when it has none.
    public func serverTime(_ index: Int) -> Int64? {
        index < times.count && times[index] != Self.noTime ? times[index] : nil
    }
}

/// A change of the connection, as the status line and the headless output show it.
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

/// Everything a link reports, in order, through one asynchronous sequence.
public enum LinkEvent: Sendable {
    case state(LinkState, at: Int64)
    case messages(FrameBatch)
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
