import LinkWire
import LiveModel
import TextFormats

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
    /// `--transport`: nil tries WebSocket, then SSE (then a JSON stream if the answer is one), then long-poll.
    public var transport: Transport?
    /// Where SSE (and a JSON stream) and long-poll go (`--sse-url`, `--poll-url`); by default the
    /// feed URL over http(s).
    public var sseURL: FeedURL?
    public var pollURL: FeedURL?
    /// How the long-poll cursor travels (`--poll-cursor`) and where the messages are (`--poll-items`).
    public var pollCursor = PollCursor.Convention.automatic
    public var pollItems: String?
    /// A long poll whose answer has not ended within this time is abandoned and retried: a server
    /// answers a held poll within its own hold time, so an answer still coming after this is
    /// broken (a body that never ends).
    public var pollTimeout: Duration = .seconds(150)
    /// How often a plain REST resource is polled (`--every`), start to start: a poll URL that
    /// answers at once with no cursor that moves (`PollSchedule`), or `--transport poll`.
    public var pollInterval: Duration = .seconds(1)
    /// Socket.IO: where the server answers (`--socketio-path`), the namespace's auth payload
    /// (`--socketio-auth`, JSON) and the events emitted after every (re)connect (`--send-event`).
    public var socketIOPath = "/socket.io/"
    public var socketIOAuth: String?
    public var sendEvents: [(name: String, json: String)] = []
    /// Offer permessage-deflate (RFC 7692) on WebSocket connections (`--no-deflate` turns it off).
    public var deflate = true
    /// Which proxy each URL goes through (`--proxy`, `--no-proxy`, the environment as curl reads it).
    public var proxies = ProxySettings(.none)
    /// While on a fallback, try WebSocket again this often and move back up when it works; nil never.
    public var upgradeRetry: Duration? = .seconds(60)
    /// How an HTTP body that is not JSON becomes fields (`--parse`; `auto` reads Prometheus text by its Content-Type).
    public var format = TextFormat.auto
    /// How often the feed should speak (`expect:`); longer silence is reported as `stale`.
    public var expect: Duration?

    /// The address a transport uses.
    public func url(for transport: Transport) -> FeedURL {
        switch transport {
        case .websocket, .redis, .command, .stdin, .file: return url
        case .sse, .stream: return sseURL ?? url.httpEquivalent
        case .socketio: return url.httpEquivalent
        case .longpoll, .poll: return pollURL ?? url.httpEquivalent
        }
    }

    public init(url: FeedURL) { self.url = url }
}
