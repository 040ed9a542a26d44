import LiveModel
import PushLink

/// Joins the link to the store: PushLink does not know LiveModel and LiveModel knows nothing of
/// ours, so their vocabularies meet here. Batches keep their byte arrays (no copy).
enum LinkBridge {
    static func liveEvent(_ event: LinkEvent) -> LiveEvent {
        switch event {
        case .messages(let batch):
            let frames = batch.frames.map { MessageBatch.Frame(offset: $0.offset, length: $0.length, isBinary: $0.isBinary) }
            return .messages(MessageBatch(bytes: batch.bytes, frames: frames, times: batch.times), at: Timestamp(nanoseconds: batch.receivedAt))
        case .state(let state, let at):
            let time = Timestamp(nanoseconds: at)
            return .connection(connectionEvent(state, at: time), at: time)
        }
    }

    static func connectionEvent(_ state: LinkState, at time: Timestamp) -> ConnectionEvent {
        func kind(_ t: Transport) -> TransportKind { TransportKind(rawValue: t.rawValue) ?? .websocket }
        switch state {
        case .connecting(let t, let url, let attempt): return .connecting(transport: kind(t), url: url, attempt: attempt)
        case .open(let t, let every): return .open(transport: kind(t), every: every?.seconds)
        case .waiting(let t, let attempt, let retryIn, let error):
            return .waiting(transport: kind(t), attempt: attempt, retryAt: time + retryIn.seconds, error: error.description)
        case .failed(let t, let error, let retryIn):
            return .failed(transport: kind(t), error: error.description, retryAt: retryIn.map { time + $0.seconds })
        case .fallback(let t, let reason): return .fallback(transport: kind(t), reason: reason)
        case .gap(let t, let reason, let missed): return .gap(transport: kind(t), reason: reason, missed: missed)
        case .repeated(let t, let count, let reason): return .repeated(transport: kind(t), count: count, reason: reason)
        case .note(let t, let text): return .note(transport: kind(t), text: text)
        case .stale(let t, let silentFor, let expected):
            return .stale(transport: kind(t), silentFor: silentFor.seconds, expected: expected.seconds)
        case .closed(let reason): return .closed(reason: reason)
        }
    }
}
