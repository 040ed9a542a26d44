/// The transports a link speaks.
public enum Transport: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    case websocket, sse, longpoll
    /// Streamed JSON over HTTP: NDJSON, JSON lines or JSON text sequences.
    case stream
    /// Socket.IO (Engine.IO v4): HTTP long-polling first, upgraded to WebSocket when offered.
    case socketio
    /// Interval polling of a plain REST resource: one conditional GET per `--every`. A long-poll
    /// URL that answers at once with no cursor that moves becomes this (or `--transport poll`).
    case poll
    /// Redis pub/sub: SUBSCRIBE to a channel (PSUBSCRIBE to a glob pattern); each published message is a message.
    case redis
    /// A command livetop runs (`-- CMD ARGS`): each stdout line a message, or with `--every` each run's whole output.
    case command
    /// livetop's own standard input (`-`).
    case stdin
    /// A file followed as `tail -F` follows it (rotation, truncation).
    case file
    public var description: String { rawValue }
}
