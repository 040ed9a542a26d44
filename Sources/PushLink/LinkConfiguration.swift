/// What a link connects to and how. Limits are named, documented and checked.
public struct LinkConfiguration: Sendable {
    public var url: FeedURL
    /// Extra request headers (`-H 'Name: value'`, repeatable).
    public var headers: [(name: String, value: String)] = []
    /// WebSocket subprotocols offered (`--protocol`, repeatable).
    public var protocols: [String] = []
    public var origin: String?
    /// Text messages sent after every connect and reconnect, in order (subscribe messages).
    public var sendOnOpen: [String] = []
    /// A PEM file of certificates to trust besides the system's (`--cacert`).
    public var caCertificateFile: String?
    /// Skip TLS certificate verification (`--insecure`).
    public var insecure = false
    /// How often to ping an open connection; nil turns pings (and dead-peer detection) off.
    public var pingInterval: Duration? = .seconds(15)
    /// A connection that sends nothing within this time after a ping is dead.
    public var pingTimeout: Duration = .seconds(10)
    /// Limit for TCP connect, TLS handshake and upgrade together.
    public var connectTimeout: Duration = .seconds(10)
    /// Largest message accepted; a larger one closes the connection with 1009.
    public var maxMessageBytes = 16 << 20
    public var reconnect = ConnectionStateMachine.Configuration()

    public init(url: FeedURL) { self.url = url }
}
