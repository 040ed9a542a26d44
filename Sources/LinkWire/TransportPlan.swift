import LiveModel
/// Which transport to try, and when to move down to the next one (docs/transports.md "Transports and fallback").
/// Pure: errors in, decisions out.
public struct TransportPlan: Hashable, Sendable {
    public let candidates: [Transport]
    private var index = 0

    /// `forced` nil is `--transport auto`: WebSocket, then SSE, then long-poll for a ws(s) URL;
    /// SSE then long-poll for an http(s) URL. A JSON stream sits between SSE and long-poll, taken
    /// only when the answer to SSE was streamed JSON.
    public init(forced: Transport?, url: FeedURL) {
        if url.scheme == .redis {
            // A Redis server speaks nothing else, and nothing else is spoken at a redis:// URL.
            candidates = [.redis]
        } else if let forced {
            candidates = [forced]
        } else if url.scheme == .socketio || url.scheme == .socketios {
            candidates = [.socketio]
        } else if url.scheme == .ws || url.scheme == .wss {
            candidates = [.websocket, .sse, .stream, .longpoll]
        } else {
            candidates = [.sse, .stream, .longpoll]
        }
    }

    public var current: Transport { candidates[index] }

    /// On a fallback from WebSocket: what to probe now and then, to move back up.
    public var probe: Transport? { index > 0 && candidates[0] == .websocket ? .websocket : nil }

    /// The probe worked: back to the first transport.
    public mutating func moveBackUp() { index = 0 }

    /// Moves down after an answer that means "that transport is not spoken here" (a non-101
    /// answer to the upgrade, a response that is not an event stream); returns why, or nil to stay.
    /// Transient faults never move down.
    public mutating func fallback(after error: LinkError) -> String? {
        guard index + 1 < candidates.count else { return nil }
        switch current {
        case .websocket where error.meansNoWebSocket, .stream where error.meansNoStream:
            index += 1
        case .sse where error.isJSONStream:
            index += 1
        case .sse where error.meansNoEventStream:
            // Not an event stream and not streamed JSON either: on to long-poll.
            index += candidates[index + 1] == .stream && index + 2 < candidates.count ? 2 : 1
        default:
            return nil
        }
        return error.description
    }
}
