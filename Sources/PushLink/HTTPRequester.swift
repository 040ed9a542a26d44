import LinkWire
import LiveModel
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// Receives a response body on the channel's event loop, as it arrives.
protocol HTTPBodyConsumer: AnyObject {
    func body(_ buffer: ByteBuffer) throws
    /// The end of a read burst: a place to hand a batch on.
    func readComplete()
    func end()
}

/// An HTTP response under way: its head, and a future for how it ended (nil: complete).
struct HTTPExchange: Sendable {
    let channel: Channel
    let head: HTTPResponseHead
    let ended: EventLoopFuture<LinkError?>

    func header(_ name: String) -> String? { head.headers.first(name: name) }
}

/// HTTP/1.1 GET requests over SwiftNIO for SSE and long-poll: TLS as for wss, one deadline for
/// TCP, TLS and the response head, a limit on silence while the body is read, and optionally
/// one on the whole exchange (`deadline`: a body that trickles forever). With a deadline (a
/// long poll, which the server holds before it answers at all), the connect timeout covers
/// TCP, TLS and sending the request; the wait for the head is bounded by the deadline.
enum HTTPRequester {
    static func get(_ url: FeedURL, method: HTTPMethod = .GET, body: [UInt8]? = nil, headers: [(String, String)],
                    configuration: LinkConfiguration, group: EventLoopGroup, readTimeout: Duration, deadline: Duration? = nil,
                    gate: EventSink? = nil, connected: (Channel) -> Void = { _ in },
                    consumer: @escaping @Sendable () -> HTTPBodyConsumer) async throws(LinkError) -> HTTPExchange {
        var head = ClientConnector.requestHead(url, configuration: configuration)
        head.method = method
        for (name, value) in headers { head.headers.replaceOrAdd(name: name, value: value) }
        if let body { head.headers.replaceOrAdd(name: "Content-Length", value: String(body.count)) }
        let request = head
        let (channel, futures) = try await ClientConnector.open(url, configuration: configuration, group: group) { channel in
            try channel.pipeline.syncOperations.addHTTPClientHandlers()
            try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: .nanoseconds(Int64(readTimeout.seconds * 1e9))))
            let handler = HTTPResponseHandler(request: request, body: body, consumer: consumer(), sent: channel.eventLoop.makePromise(),
                                              head: channel.eventLoop.makePromise(), ended: channel.eventLoop.makePromise(),
                                              readTimeout: readTimeout, deadline: deadline)
            // A streamed body is read only as fast as the consumer takes it.
            if let gate { try channel.pipeline.syncOperations.addHandler(ReadGateHandler(sink: gate)) }
            try channel.pipeline.syncOperations.addHandler(handler)
            return (sent: handler.sentFuture, head: handler.headFuture, ended: handler.endedFuture)
        } ready: { channel, futures in
            if deadline == nil { _ = try await futures.head.get() } else { try await futures.sent.get() }
            return (channel, futures)
        }
        // Before the wait for the head, which a long poll's server holds for as long as it has
        // nothing: whoever may need to end the exchange (a stop) can close it from now on.
        connected(channel)
        do {
            return HTTPExchange(channel: channel, head: try await futures.head.get(), ended: futures.ended)
        } catch {
            channel.close(promise: nil)
            throw LinkError.map(error, host: url.host)
        }
    }
}

/// Sends the request when the channel is active, then passes the head and the body on.
private final class HTTPResponseHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let request: HTTPRequestHead
    private let body: [UInt8]?
    private let consumer: HTTPBodyConsumer
    private let sent: EventLoopPromise<Void>
    private let head: EventLoopPromise<HTTPResponseHead>
    private let ended: EventLoopPromise<LinkError?>
    private let readTimeout: Duration
    private let deadline: Duration?
    private var deadlineTask: Scheduled<Void>?
    private var failure: LinkError?
    private var complete = false
    /// Whether the head came, the body's length as it announced it, and how much of it came.
    private var headReceived = false
    private var expectedBytes: Int?
    private var receivedBytes = 0

    var sentFuture: EventLoopFuture<Void> { sent.futureResult }
    var headFuture: EventLoopFuture<HTTPResponseHead> { head.futureResult }
    var endedFuture: EventLoopFuture<LinkError?> { ended.futureResult }

    init(request: HTTPRequestHead, body: [UInt8]?, consumer: HTTPBodyConsumer, sent: EventLoopPromise<Void>, head: EventLoopPromise<HTTPResponseHead>,
         ended: EventLoopPromise<LinkError?>, readTimeout: Duration, deadline: Duration?) {
        self.request = request
        self.body = body
        self.consumer = consumer
        self.sent = sent
        self.head = head
        self.ended = ended
        self.readTimeout = readTimeout
        self.deadline = deadline
    }

    func channelActive(context: ChannelHandlerContext) {
        context.write(wrapOutboundOut(.head(request)), promise: nil)
        if let body { context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil) }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: sent)
        if let deadline {
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            deadlineTask = context.eventLoop.scheduleTask(in: .nanoseconds(Int64(deadline.seconds * 1e9))) {
                let (handler, context) = bound.value
                handler.failure = handler.failure ?? .io("the server's answer did not end within \(LinkError.seconds(deadline.seconds))")
                context.close(promise: nil)
            }
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            headReceived = true
            expectedBytes = h.headers.first(name: "Content-Length").flatMap { Int($0) }
            head.succeed(h)
        case .body(let buffer):
            receivedBytes += buffer.readableBytes
            do {
                try consumer.body(buffer)
            } catch {
                failure = (error as? LinkError) ?? .io("\(error)")
                context.close(promise: nil)
            }
        case .end:
            complete = true
            consumer.end()
            context.close(promise: nil)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        consumer.readComplete()
        context.fireChannelReadComplete()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            failure = failure ?? .io("nothing received for \(LinkError.seconds(readTimeout.seconds))")
            context.close(promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // The parser's complaint about an early end says less than the byte counts.
        failure = failure ?? (error is HTTPParserError && headReceived ? cutShort : LinkError.map(error))
        context.close(promise: nil)
    }

    /// A channel that never became active (refused, timed out) still completes both promises.
    func handlerRemoved(context: ChannelHandlerContext) {
        deadlineTask?.cancel()
        sent.fail(failure ?? LinkError.droppedWithoutClose)
        head.fail(failure ?? LinkError.droppedWithoutClose)
        ended.succeed(complete ? nil : (failure ?? .droppedWithoutClose))
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadlineTask?.cancel()
        sent.fail(failure ?? LinkError.droppedWithoutClose)
        head.fail(failure ?? LinkError.droppedWithoutClose)
        consumer.readComplete()
        ended.succeed(complete ? nil : (failure ?? cutShort))
        context.fireChannelInactive()
    }

    /// The connection ended before the body did.
    private var cutShort: LinkError {
        if let expectedBytes {
            return .io("the server closed the connection after \(receivedBytes) of the \(expectedBytes) bytes its answer announced")
        }
        return .io("the server closed the response before its end")
    }
}
