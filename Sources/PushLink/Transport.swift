/// The transports a link speaks.
public enum Transport: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    case websocket, sse, longpoll
    /// Streamed JSON over HTTP: NDJSON, JSON lines or JSON text sequences.
    case stream
    public var description: String { rawValue }
}
