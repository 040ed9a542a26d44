/// Pings an open connection every `interval` and declares it dead when nothing at all arrives
/// within `timeout` of a ping. Pure: the caller feeds times and performs the actions.
public struct Heartbeat: Hashable, Sendable {
    public enum Action: Hashable, Sendable { case sendPing, dead, none }

    public let interval: Duration?
    public let timeout: Duration
    private var lastPing: Duration
    private var outstandingSince: Duration?

    /// `interval` nil disables pings (and so dead-peer detection).
    public init(interval: Duration?, timeout: Duration, openedAt now: Duration) {
        self.interval = interval
        self.timeout = timeout
        lastPing = now
    }

    /// Anything received (a message, a pong, a ping) proves the peer alive.
    public mutating func received(at now: Duration) {
        outstandingSince = nil
    }

    /// Reads go on after the consumer held them: an answer still owed gets a whole `timeout`
    /// from now (it may be in the socket, behind everything that waited there).
    public mutating func readsResumed(at now: Duration) {
        if outstandingSince != nil { outstandingSince = now }
    }

    /// `readsHeld`: the connection is not being read because the consumer is behind (backpressure,
    /// see `ReadGateHandler`). The peer's answer then waits in the socket unread; the silence is
    /// ours, so the wait for it starts again rather than ending in `.dead` (a headless run piped
    /// into a pager left alone for a minute is not a dead server).
    public mutating func tick(at now: Duration, readsHeld: Bool = false) -> Action {
        guard let interval else { return .none }
        if readsHeld, outstandingSince != nil { outstandingSince = now }
        if let since = outstandingSince, now - since >= timeout { return .dead }
        if now - lastPing >= interval {
            lastPing = now
            if outstandingSince == nil { outstandingSince = now }
            return .sendPing
        }
        return .none
    }

    /// When `tick` next has something to do.
    public var nextDeadline: Duration? {
        guard let interval else { return nil }
        let ping = lastPing + interval
        if let since = outstandingSince { return min(ping, since + timeout) }
        return ping
    }
}
