import NIOConcurrencyHelpers
import NIOCore

/// Server-Sent Events: one long GET whose body is parsed as it arrives; each event's data is a
/// message, handed on in one batch per read burst.
enum SSETransport {
    /// What survives reconnects: the last event ID (sent back as `Last-Event-ID`) and `retry:`.
    final class Resume: Sendable {
        private let state = NIOLockedValueBox<(lastEventID: String, retry: Int?)>(("", nil))
        var lastEventID: String { state.withLockedValue { $0.lastEventID } }
        var retry: Int? { state.withLockedValue { $0.retry } }
        func update(lastEventID: String, retry: Int?) {
            state.withLockedValue {
                $0.lastEventID = lastEventID
                if let retry { $0.retry = retry }
            }
        }
    }

    /// Opens the stream. Its messages are held until `start` is called, so the link can say
    /// "open" before the first of them (events that came in the same read as the head); wait for
    /// its future before saying anything after them.
    static func connect(_ url: FeedURL, configuration: LinkConfiguration, group: EventLoopGroup, sink: EventSink,
                        resume: Resume, wallClock: @escaping @Sendable () -> Int64)
        async throws(LinkError) -> (exchange: HTTPExchange, start: @Sendable () -> EventLoopFuture<Void>) {
        var headers = [("Accept", "text/event-stream"), ("Cache-Control", "no-cache")]
        if !resume.lastEventID.isEmpty { headers.append(("Last-Event-ID", resume.lastEventID)) }
        let maxMessage = configuration.maxMessageBytes
        let initialID = resume.lastEventID
        // Silence longer than a heartbeat's worth means the stream is dead.
        let readTimeout = max(.seconds(45), (configuration.pingInterval ?? .seconds(30)) * 3)
        let consumer = EventStreamConsumer(sink: sink, resume: resume, lastEventID: initialID, maxMessageBytes: maxMessage,
                                           wallClock: wallClock)
        let exchange = try await HTTPRequester.get(url, headers: headers, configuration: configuration, group: group,
                                                   readTimeout: readTimeout, gate: sink) { consumer }
        let type = exchange.header("Content-Type") ?? ""
        guard exchange.head.status.code == 200, type.lowercased().hasPrefix("text/event-stream") else {
            exchange.channel.close(promise: nil)
            throw .notEventStream(status: Int(exchange.head.status.code), contentType: type)
        }
        let loop = exchange.channel.eventLoop
        return (exchange, { loop.submit { consumer.start() } })
    }
}

/// Parses an event stream on the event loop and yields its events in batches, once started.
/// Every call happens on the channel's event loop.
private final class EventStreamConsumer: HTTPBodyConsumer, @unchecked Sendable {
    private var started = false
    private var parser: ServerSentEvents
    private var batch = FrameBatch(transport: .sse)
    private let sink: EventSink
    private let resume: SSETransport.Resume
    private let maxMessageBytes: Int
    private let wallClock: @Sendable () -> Int64

    init(sink: EventSink, resume: SSETransport.Resume, lastEventID: String, maxMessageBytes: Int,
         wallClock: @escaping @Sendable () -> Int64) {
        self.sink = sink
        self.resume = resume
        self.maxMessageBytes = maxMessageBytes
        self.wallClock = wallClock
        parser = ServerSentEvents(maxLineBytes: maxMessageBytes)
    }

    func body(_ buffer: ByteBuffer) throws {
        buffer.withUnsafeReadableBytes { raw in
            parser.feed(raw.bindMemory(to: UInt8.self)) { event in batch.append(event.data, isBinary: false) }
        }
        // A line with no end (or an event of endless data lines) stops at the message limit.
        if let what = parser.overLimit { throw LinkError.tooLarge("event stream \(what)", limit: maxMessageBytes) }
    }

    func start() {
        started = true
        readComplete()
    }

    func readComplete() {
        guard started, !batch.isEmpty else { return }
        // The ID is recorded with the batch that carries its events, so a reconnect resumes after them.
        resume.update(lastEventID: parser.lastEventID, retry: parser.retry)
        var out = batch
        batch = FrameBatch(transport: .sse)
        out.receivedAt = wallClock()
        sink.yield(.messages(out))
    }

    func end() { parser.finish() }
}

/// Collects a whole response body, up to a limit (long-poll, Socket.IO polling).
final class BufferingConsumer: HTTPBodyConsumer {
    let limit: Int
    let result: NIOLockedValueBox<[UInt8]>

    init(limit: Int, result: NIOLockedValueBox<[UInt8]>) {
        self.limit = limit
        self.result = result
    }

    func body(_ buffer: ByteBuffer) throws {
        let fits = result.withLockedValue { bytes -> Bool in
            guard bytes.count + buffer.readableBytes <= limit else { return false }
            bytes.append(contentsOf: buffer.readableBytesView)
            return true
        }
        if !fits { throw LinkError.tooLarge("HTTP answer", limit: limit, option: "4 × --max-message") }
    }

    func readComplete() {}
    func end() {}
}

/// Long-poll: a GET the server holds until it has something, repeated with the cursor the
/// server wants, until an error ends it.
final class LongPoller: Sendable {
    private let url: FeedURL
    private let configuration: LinkConfiguration
    private let group: EventLoopGroup
    private let sink: EventSink
    private let wallClock: @Sendable () -> Int64
    private let state: NIOLockedValueBox<(cursor: PollCursor, channel: Channel?, cancelled: Bool)>

    init(url: FeedURL, configuration: LinkConfiguration, cursor: PollCursor, group: EventLoopGroup, sink: EventSink,
         wallClock: @escaping @Sendable () -> Int64) {
        self.url = url
        self.configuration = configuration
        self.group = group
        self.sink = sink
        self.wallClock = wallClock
        state = NIOLockedValueBox((cursor, nil, false))
    }

    /// The cursor as it stands (kept by the link across reconnects, so nothing is lost or repeated).
    var cursor: PollCursor { state.withLockedValue { $0.cursor } }

    /// Ends the poll under way.
    func cancel() {
        let channel = state.withLockedValue { s -> Channel? in
            s.cancelled = true
            return s.channel
        }
        channel?.close(promise: nil)
    }

    /// One poll. Throws what ends the session (retry errors, fatal errors, cancellation).
    /// `onAnswer` runs once the server has answered well, before any message is handed on (the
    /// link's "open" comes before the first poll's messages).
    func poll(onGap: (String) -> Void, onAnswer: () -> Void = {}) async throws(LinkError) {
        let (target, headers) = state.withLockedValue { $0.cursor.request(target: url.target) }
        var request = url
        request.target = target
        let body = NIOLockedValueBox<[UInt8]>([])
        let limit = max(configuration.maxMessageBytes, 1 << 20) * 4
        // The channel is known to `cancel()` while the server holds the poll, not only once it
        // answers: a stop must not wait out the poll timeout.
        let exchange = try await HTTPRequester.get(
            request, headers: [("Accept", "application/json, text/plain, */*")] + headers, configuration: configuration,
            group: group, readTimeout: configuration.pollTimeout, deadline: configuration.pollTimeout,
            connected: { channel in
                let cancelled = state.withLockedValue { s -> Bool in
                    s.channel = channel
                    return s.cancelled
                }
                if cancelled { channel.close(promise: nil) }
            }
        ) { BufferingConsumer(limit: limit, result: body) }
        let ending: LinkError?
        do {
            ending = try await exchange.ended.get()
        } catch {
            ending = .droppedWithoutClose
        }
        state.withLockedValue { $0.channel = nil }
        if let ending { throw ending }
        let status = Int(exchange.head.status.code)
        let outcome = state.withLockedValue { $0.cursor.response(status: status, header: exchange.header, body: body.withLockedValue { $0 }) }
        switch outcome {
        case .messages, .nothingNew, .gap: onAnswer()
        case .retry, .fatal: break
        }
        switch outcome {
        case .messages(let messages):
            var batch = FrameBatch(transport: .longpoll)
            for m in messages { batch.append(m, isBinary: false) }
            batch.receivedAt = wallClock()
            if !sink.yield([.messages(batch)]) {
                // The consumer is behind: do not ask for more until it catches up.
                await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in sink.whenResumed { c.resume() } }
            }
        case .nothingNew:
            break
        case .gap(let reason):
            onGap(reason)
        case .retry(let error), .fatal(let error):
            throw error
        }
    }
}
