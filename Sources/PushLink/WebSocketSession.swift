import LiveModel
import NIOCore
import NIOPosix

/// One WebSocket connection on its own, without a link's reconnects and fallbacks: the same
/// connector, frame handler and limits as a `Link` on WebSocket, for a client that answers what it
/// receives (livetop's Autobahn|Testsuite echo client). Messages arrive in batches, one per read
/// burst, exactly as a link hands them on.
public final class WebSocketSession: Sendable {
    /// The connection's message batches, then one `closed` state saying why it ended; then it finishes.
    public let events: Link.Events
    private let connection: WebSocketConnection

    private init(events: Link.Events, connection: WebSocketConnection) {
        self.events = events
        self.connection = connection
    }

    /// Opens a connection to `configuration.url` (headers, limits, permessage-deflate offer, TLS and
    /// proxies as a link would), and lets its messages through.
    public static func connect(_ configuration: LinkConfiguration,
                               group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws(LinkError) -> WebSocketSession {
        let (sink, events) = EventSink.makeEvents()
        let origin = ContinuousClock.now
        let connection: WebSocketConnection
        do {
            connection = try await WebSocketConnector.connect(
                configuration, group: group, sink: sink, monotonic: { ContinuousClock.now - origin }, wallClock: Link.wallClock)
        } catch {
            sink.finish()
            throw error
        }
        // Messages first (held ones included), then the closed state: the handler hands on what it
        // holds before `ended` completes, and a connection that ended before `start` has handed
        // its messages on by the time this callback is added.
        try? await connection.start().get()
        connection.ended.whenComplete { result in
            let reason = (try? result.get()) ?? .droppedWithoutClose
            sink.yield(.state(.closed(reason: reason.description), at: Link.wallClock()))
            sink.finish()
        }
        return WebSocketSession(events: events, connection: connection)
    }

    /// Sends a text message.
    public func send(text: String) { connection.send(text: text) }

    /// Sends the messages of a batch back as they came (text as text, binary as binary) in one
    /// write burst: an echo of a read burst.
    public func send(_ batch: MessageBatch) { connection.send(batch) }

    /// Starts the close handshake (1000); `ended()` returns once the connection is closed.
    public func close() { connection.close() }

    /// Why the connection ended, once it has.
    public func ended() async -> LinkError {
        (try? await connection.ended.get()) ?? .droppedWithoutClose
    }
}
