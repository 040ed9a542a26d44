/// The transports a link speaks.
public enum Transport: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    case websocket, sse, longpoll
    public var description: String { rawValue }
}
