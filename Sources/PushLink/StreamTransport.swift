import LinkWire
import LiveModel
import NIOConcurrencyHelpers
import NIOCore

/// Streamed JSON over HTTP: one long GET whose body is read as one message per line (NDJSON,
/// JSON lines) or per RFC 7464 record (JSON text sequences: RS, JSON, LF), as Kubernetes watches
/// (`?watch=1`) and event endpoints send it. A cursor the server honours (`--poll-cursor
/// query:resourceVersion,body:/object/metadata/resourceVersion`) is taken from the messages, so
/// a reconnect asks for what came after the last one.
enum StreamTransport {
    /// Opens the stream. Its messages are held until `start` is called, so the link can say
    /// "open" before the first of them. `forced` (`--transport stream`) takes any 2xx answer as a
    /// stream (a Kubernetes watch says `application/json`); otherwise the content type must be one
    /// of `StreamContentType.all`.
    static func connect(_ url: FeedURL, configuration: LinkConfiguration, group: EventLoopGroup, sink: EventSink,
                        cursor: NIOLockedValueBox<PollCursor>, forced: Bool, wallClock: @escaping @Sendable () -> Int64)
        async throws(LinkError) -> (exchange: HTTPExchange, start: @Sendable () -> EventLoopFuture<Void>) {
        var target = url
        let (query, headers) = cursor.withLockedValue { $0.request(target: url.target) }
        target.target = query
        let accept = StreamContentType.all.joined(separator: ", ") + ", application/json;q=0.5"
        // Silence longer than a heartbeat's worth means the stream is dead.
        let readTimeout = max(.seconds(45), (configuration.pingInterval ?? .seconds(30)) * 3)
        let consumer = LineStreamConsumer(sink: sink, cursor: cursor, maxMessageBytes: configuration.maxMessageBytes, wallClock: wallClock)
        let exchange = try await HTTPRequester.get(target, headers: [("Accept", accept)] + headers, configuration: configuration,
                                                   group: group, readTimeout: readTimeout, gate: sink) { consumer }
        let status = Int(exchange.head.status.code)
        let type = exchange.header("Content-Type") ?? ""
        guard (200..<300).contains(status), forced || StreamContentType.matches(type) else {
            exchange.channel.close(promise: nil)
            throw .notStream(status: status, contentType: type)
        }
        let loop = exchange.channel.eventLoop
        return (exchange, { loop.submit { consumer.start() } })
    }
}

/// Splits a streamed body into messages on the event loop and yields them in one batch per read
/// burst, once started. Every call happens on the channel's event loop.
private final class LineStreamConsumer: HTTPBodyConsumer, @unchecked Sendable {
    private static let newline = UInt8(ascii: "\n")
    private static let recordSeparator: UInt8 = 0x1E

    private var started = false
    private var line: [UInt8] = []
    private var batch = MessageBatch(transport: .stream)
    private let sink: EventSink
    private let cursor: NIOLockedValueBox<PollCursor>
    private let maxMessageBytes: Int
    private let wallClock: @Sendable () -> Int64

    init(sink: EventSink, cursor: NIOLockedValueBox<PollCursor>, maxMessageBytes: Int, wallClock: @escaping @Sendable () -> Int64) {
        self.sink = sink
        self.cursor = cursor
        self.maxMessageBytes = maxMessageBytes
        self.wallClock = wallClock
    }

    func body(_ buffer: ByteBuffer) throws {
        try buffer.withUnsafeReadableBytes { raw in
            var start = raw.startIndex
            while let end = raw[start...].firstIndex(of: Self.newline) {
                line.append(contentsOf: raw[start..<end])
                try finishLine()
                start = end + 1
            }
            line.append(contentsOf: raw[start...])
            // A line that never ends must not grow without bound.
            if line.count > maxMessageBytes { throw LinkError.tooLarge("JSON stream line", limit: maxMessageBytes) }
        }
    }

    /// One message from the line read: a record separator before it (RFC 7464) and a CR after it
    /// are not part of it; blank lines are keep-alives.
    private func finishLine() throws {
        defer { line.removeAll(keepingCapacity: true) }
        var message = line[...]
        while message.first == Self.recordSeparator { message = message.dropFirst() }
        while let last = message.last, last == UInt8(ascii: "\r") || last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") {
            message = message.dropLast()
        }
        guard !message.isEmpty else { return }
        if message.count > maxMessageBytes { throw LinkError.tooLarge("JSON stream line", limit: maxMessageBytes) }
        batch.append(message, isBinary: false)
    }

    func start() {
        started = true
        readComplete()
    }

    func readComplete() {
        guard started, !batch.isEmpty else { return }
        // The cursor is taken from the last message of the burst (a resume point only moves
        // forward), and recorded with the batch that carries it.
        if let last = batch.messages.last {
            let bytes = batch.bytes[last.offset..<(last.offset + last.length)]
            cursor.withLockedValue { $0.streamed(Array(bytes)) }
        }
        var out = batch
        batch = MessageBatch(transport: .stream)
        out.receivedAt = wallClock()
        sink.yield(.messages(out))
    }

    /// A close-delimited body may end without a last newline.
    func end() {
        try? finishLine()
        readComplete()
    }
}
