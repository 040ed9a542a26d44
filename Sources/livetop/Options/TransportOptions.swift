import ArgumentParser
import LinkWire
import LiveModel
import PushLink

/// Which transport a feed uses, where the fallbacks go and how a long-poll's cursor travels.
struct TransportOptions: ParsableArguments {
    @Option(help: ArgumentHelp("""
        auto (WebSocket, falling back to SSE or a JSON stream, then long-poll), websocket, sse, stream, longpoll \
        or poll (a plain REST resource, every --every).
        """, valueName: "name"))
    var transport = TransportChoice.auto

    @Option(help: ArgumentHelp("Where SSE goes when it is used (default: the feed URL over http(s)).", valueName: "url"),
            transform: HTTPEndpoint.parse)
    var sseURL: HTTPEndpoint?

    @Option(help: ArgumentHelp("Where long-poll goes when it is used (default: the feed URL over http(s)).", valueName: "url"),
            transform: HTTPEndpoint.parse)
    var pollURL: HTTPEndpoint?

    @Option(help: ArgumentHelp("""
        How the long-poll (or stream) cursor travels: validators (Last-Modified/Etag, as Nchan), \
        query:NAME,header:HEADER or query:NAME,body:/POINTER (default: whatever the server shows).
        """, valueName: "convention"))
    var pollCursor = PollCursor.Convention.automatic

    @Option(help: ArgumentHelp("Where the messages are in a long-poll body (a JSON pointer such as /results).", valueName: "pointer"))
    var pollItems: JSONPointer?

    @Option(help: ArgumentHelp("While on a fallback, try WebSocket again every N seconds (0: never).", valueName: "seconds"))
    var upgradeRetry: Double = 60

    func validate() throws {
        try RetryOptions.checkSeconds(upgradeRetry, "--upgrade-retry")
    }

    /// A layout source's own values over these.
    mutating func override(with spec: SourceSpec) {
        if let transport = spec.transport { self.transport = transport }
        if let pollCursor = spec.pollCursor { self.pollCursor = pollCursor }
        if let pollItems = spec.pollItems { self.pollItems = pollItems }
        if let sseURL = spec.sseURL { self.sseURL = sseURL }
        if let pollURL = spec.pollURL { self.pollURL = pollURL }
    }

    func apply(to c: inout LinkConfiguration) throws {
        c.transport = transport.transport
        c.sseURL = sseURL?.url
        c.pollURL = pollURL?.url
        c.pollCursor = pollCursor
        c.pollItems = pollItems?.description
        c.upgradeRetry = upgradeRetry > 0 ? .optionSeconds(upgradeRetry) : nil
        if c.url.scheme == .wss {
            // A wss:// feed never falls back to plain http://.
            for (name, u) in [("--sse-url", c.sseURL), ("--poll-url", c.pollURL)] where u?.scheme == .http {
                throw ValidationError("\(name) is plain http:// but the feed is wss://; use https://")
            }
        }
    }
}
