/// Where `livetop publish` hands the lines it reads from stdin: an Nchan publisher endpoint
/// (`NchanPublisher`, HTTP POST) or a Redis channel (`RedisPublisher`, PUBLISH).
///
/// A publisher keeps the order of the lines it is given and never sends again a line the server
/// acknowledged. A line whose acknowledgement was lost with the connection is sent again, so
/// delivery is at least once across reconnects.
public protocol Publisher: Sendable {
    /// Publishes `lines` in order, pipelined on one connection. Returns when the server has
    /// acknowledged every one of them; reconnects and retries (with backoff) on connection loss and
    /// on answers that say "try again" (HTTP 5xx, Redis LOADING/TRYAGAIN); throws `PublishError` only
    /// for what retrying cannot mend (a 4xx, a bad URL, a refused AUTH).
    func publish(_ lines: [[UInt8]]) async throws
    /// Closes the connection after every acknowledged line.
    func close() async
}

/// Why a publisher gave up: one line, for stderr.
public struct PublishError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
