import LinkWire
import LiveModel
import NIOConcurrencyHelpers
import NIOCore
import TextFormats

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
                        resume: Resume, ids: NIOLockedValueBox<MessageIDTracker>? = nil, wallClock: @escaping @Sendable () -> Int64)
        async throws(LinkError) -> (exchange: HTTPExchange, start: @Sendable () -> EventLoopFuture<Void>) {
        var headers = [("Accept", "text/event-stream"), ("Cache-Control", "no-cache")]
        if !resume.lastEventID.isEmpty { headers.append(("Last-Event-ID", resume.lastEventID)) }
        let maxMessage = configuration.maxMessageBytes
        let initialID = resume.lastEventID
        // Silence longer than a heartbeat's worth means the stream is dead.
        let readTimeout = max(.seconds(45), (configuration.pingInterval ?? .seconds(30)) * 3)
        let consumer = EventStreamConsumer(sink: sink, resume: resume, lastEventID: initialID, maxMessageBytes: maxMessage,
                                           ids: ids, wallClock: wallClock)
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
    private var batch = MessageBatch(transport: .sse)
    private let sink: EventSink
    private let resume: SSETransport.Resume
    private let maxMessageBytes: Int
    private let wallClock: @Sendable () -> Int64
    /// The link's message ids: an event whose own id was delivered with the same data is dropped
    /// and counted; Nchan's ids also show a skipped range (`MessageIDTracker`).
    private let ids: NIOLockedValueBox<MessageIDTracker>?
    /// Gaps found in this burst (reported before its messages) and repeats dropped (after them).
    private var gaps: [LinkState] = []
    private var repeats = 0
    private var lastRepeat = ""

    init(sink: EventSink, resume: SSETransport.Resume, lastEventID: String, maxMessageBytes: Int,
         ids: NIOLockedValueBox<MessageIDTracker>?, wallClock: @escaping @Sendable () -> Int64) {
        self.sink = sink
        self.resume = resume
        self.maxMessageBytes = maxMessageBytes
        self.ids = ids
        self.wallClock = wallClock
        parser = ServerSentEvents(maxLineBytes: maxMessageBytes)
    }

    func body(_ buffer: ByteBuffer) throws {
        guard let ids else {
            buffer.withUnsafeReadableBytes { raw in
                parser.feed(raw.bindMemory(to: UInt8.self)) { event in
                    batch.append(event.data, isBinary: false, serverTime: event.id.flatMap(ServerTime.eventID))
                }
            }
            if let what = parser.overLimit { throw LinkError.tooLarge("event stream \(what)", limit: maxMessageBytes) }
            return
        }
        // One lock for the read, not one per event. An event's own id that holds a time (Nchan's,
        // livetop serve's) is its server time; an event without an id of its own has none.
        ids.withLockedValue { tracker in
            buffer.withUnsafeReadableBytes { raw in
                parser.feed(raw.bindMemory(to: UInt8.self)) { event in
                    guard let id = event.id else { return batch.append(event.data, isBinary: false, serverTime: nil) }
                    let serverTime = ServerTime.eventID(id)
                    switch tracker.message(id: id, payload: event.data) {
                    case .deliver:
                        batch.append(event.data, isBinary: false, serverTime: serverTime)
                    case .repeated:
                        repeats += 1
                        lastRepeat = id
                    case .deliverAfterGap(let missed, let reason):
                        gaps.append(.gap(transport: .sse, reason: reason, missed: missed))
                        batch.append(event.data, isBinary: false, serverTime: serverTime)
                    }
                }
            }
        }
        // A line with no end (or an event of endless data lines) stops at the message limit.
        if let what = parser.overLimit { throw LinkError.tooLarge("event stream \(what)", limit: maxMessageBytes) }
    }

    func start() {
        started = true
        readComplete()
    }

    func readComplete() {
        guard started, !batch.isEmpty || repeats > 0 || !gaps.isEmpty else { return }
        // The ID is recorded with the batch that carries its events, so a reconnect resumes after them.
        resume.update(lastEventID: parser.lastEventID, retry: parser.retry)
        var out = batch
        batch = MessageBatch(transport: .sse)
        out.receivedAt = wallClock()
        var events = gaps.map { LinkEvent.state($0, at: out.receivedAt) }
        if !out.isEmpty { events.append(.messages(out)) }
        if repeats > 0 {
            let reason = "\(repeats) event\(repeats == 1 ? "" : "s") already delivered came again (last id \(lastRepeat)); dropped"
            events.append(.state(.repeated(transport: .sse, count: repeats, reason: reason), at: out.receivedAt))
        }
        gaps = []
        repeats = 0
        sink.yield(events)
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
/// server wants, until an error ends it. A URL that turns out not to hold its answers (a plain
/// REST resource, as `PollSchedule` decides) is polled once per interval instead, conditionally
/// through the same cursor (validators: a 304 is nothing new). One request at a time.
final class LongPoller: Sendable {
    private struct State {
        var cursor: PollCursor
        var schedule: PollSchedule
        /// The transport last reported open (`longpoll`, or `poll` once on interval polling).
        var announced: Transport?
        var channel: Channel?
        var cancelled = false
        /// A wait for the next interval, ended early by `cancel()`.
        var waiter: CheckedContinuation<Void, Never>?
        /// Bodies that are not JSON (Prometheus text, logfmt) made JSON (`--parse`).
        var parser: TextParser
        /// The last body's left-out lines, said once until they change (a scrape repeats them).
        var lastProblem: String?
    }

    private let url: FeedURL
    private let configuration: LinkConfiguration
    private let group: EventLoopGroup
    private let sink: EventSink
    private let monotonic: @Sendable () -> Duration
    private let wallClock: @Sendable () -> Int64
    private let state: NIOLockedValueBox<State>
    /// The link's message ids: an answer whose validators are Nchan's (`Last-Modified` + `Etag`)
    /// names its message, so a skipped range or a repeat shows (`MessageIDTracker`).
    private let ids: NIOLockedValueBox<MessageIDTracker>?

    init(url: FeedURL, configuration: LinkConfiguration, cursor: PollCursor, schedule: PollSchedule, group: EventLoopGroup,
         sink: EventSink, ids: NIOLockedValueBox<MessageIDTracker>? = nil, monotonic: @escaping @Sendable () -> Duration,
         wallClock: @escaping @Sendable () -> Int64) {
        self.url = url
        self.ids = ids
        self.configuration = configuration
        self.group = group
        self.sink = sink
        self.monotonic = monotonic
        self.wallClock = wallClock
        state = NIOLockedValueBox(State(cursor: cursor, schedule: schedule, parser: TextParser(format: configuration.format)))
    }

    /// The cursor as it stands (kept by the link across reconnects, so nothing is lost or repeated).
    var cursor: PollCursor { state.withLockedValue { $0.cursor } }

    /// What the polling is: `longpoll`, or `poll` once it polls at an interval.
    var transport: Transport { state.withLockedValue { $0.schedule.mode == .interval ? .poll : .longpoll } }

    /// Ends the poll or the wait under way; no poll is sent after it.
    func cancel() {
        let (channel, waiter) = state.withLockedValue { s -> (Channel?, CheckedContinuation<Void, Never>?) in
            s.cancelled = true
            defer { s.waiter = nil }
            return (s.channel, s.waiter)
        }
        channel?.close(promise: nil)
        waiter?.resume()
    }

    /// Waits until monotonic time `deadline`, or until `cancel()`.
    func wait(until deadline: Duration) async {
        let delay = deadline - monotonic()
        guard delay > .zero else { return }
        let loop = group.next()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLockedValue { s -> Bool in
                if s.cancelled { return true }
                s.waiter = continuation
                return false
            }
            if now { return continuation.resume() }
            loop.scheduleTask(in: .nanoseconds(Int64(delay.seconds * 1e9))) { [state] in
                state.withLockedValue { s -> CheckedContinuation<Void, Never>? in
                    defer { s.waiter = nil }
                    return s.waiter
                }?.resume()
            }
        }
    }

    /// One poll. Returns when the next may be sent (nil: at once); throws what ends the session
    /// (retry errors, fatal errors, cancellation). `onOpen` runs when the server has answered
    /// well for the first time, and again with `poll` when the polling moves to an interval
    /// (after `onSwitch` with the reason), before any message of that answer is handed on.
    func poll(onGap: (String) -> Void, onSwitch: (String) -> Void, onOpen: (Transport) -> Void) async throws(LinkError) -> Duration? {
        let (target, headers, cancelled) = state.withLockedValue { s in
            let (target, headers) = s.cursor.request(target: url.target)
            return (target, headers, s.cancelled)
        }
        if cancelled { throw .io("the poll was cancelled") }
        var request = url
        request.target = target
        let body = NIOLockedValueBox<[UInt8]>([])
        let limit = max(configuration.maxMessageBytes, 1 << 20) * 4
        let startedAt = monotonic()
        var sentAt = startedAt
        // The channel is known to `cancel()` while the server holds the poll, not only once it
        // answers: a stop must not wait out the poll timeout.
        let exchange = try await HTTPRequester.get(
            request, headers: [("Accept", "application/json, text/plain, */*")] + headers, configuration: configuration,
            group: group, readTimeout: configuration.pollTimeout, deadline: configuration.pollTimeout,
            connected: { channel in
                sentAt = monotonic()
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
        let answeredAt = monotonic()
        state.withLockedValue { $0.channel = nil }
        if let ending { throw ending }
        let status = Int(exchange.head.status.code)
        let (outcome, action, transport, announce) = state.withLockedValue { s in
            let before = s.cursor.position
            let outcome = s.cursor.response(status: status, header: exchange.header, body: body.withLockedValue { $0 })
            switch outcome {
            case .retry, .fatal: return (outcome, PollSchedule.Action.pollNow, Transport.longpoll, Transport?.none)
            case .messages, .nothingNew, .gap: break
            }
            let answer = PollSchedule.Answer(startedAt: startedAt, sentAt: sentAt, answeredAt: answeredAt, status: status,
                                             cursorMoved: s.cursor.position != before)
            let action = s.schedule.answered(answer)
            let transport: Transport = s.schedule.mode == .interval ? .poll : .longpoll
            defer { s.announced = transport }
            return (outcome, action, transport, s.announced == transport ? nil : transport)
        }
        if case .switchedToInterval(let reason, _) = action { onSwitch(reason) }
        if let announce { onOpen(announce) }
        messages: switch outcome {
        case .messages(let messages):
            // Nchan answers a resume past its buffer with the oldest message it still holds: its
            // validators show the jump. The answer's messages stand or fall together.
            if let ids, let id = NchanMessageID(lastModified: exchange.header("Last-Modified"), etag: exchange.header("Etag")) {
                let payload = body.withLockedValue { $0 }
                switch ids.withLockedValue({ $0.message(id: id.description, payload: payload) }) {
                case .deliver:
                    break
                case .repeated:
                    sink.yield(.state(.repeated(transport: transport, count: 1, reason: "the message with id \(id) was already "
                                                + "delivered and came again; dropped"), at: wallClock()))
                    break messages
                case .deliverAfterGap(let missed, let reason):
                    sink.yield(.state(.gap(transport: transport, reason: reason, missed: missed), at: wallClock()))
                }
            }
            var batch = MessageBatch(transport: transport)
            let contentType = exchange.header("Content-Type")
            let note = state.withLockedValue { s -> String? in
                var problem: String?
                let times = s.cursor.messageTimes(count: messages.count, header: exchange.header)
                for (i, m) in messages.enumerated() {
                    let parsed = s.parser.document(m, contentType: contentType)
                    let time = i < times.count ? times[i] : nil
                    switch parsed.kind {
                    case .json(let json): batch.append(json, isBinary: false, serverTime: time)
                    case .text: batch.append(m, isBinary: false, serverTime: time)
                    case .skip: break
                    }
                    if parsed.skippedLines > 0 {
                        problem = "\(parsed.skippedLines) malformed line\(parsed.skippedLines == 1 ? "" : "s") skipped"
                            + (parsed.problem.map { " (first: \($0))" } ?? "")
                    }
                }
                defer { s.lastProblem = problem }
                return problem != s.lastProblem ? problem : nil
            }
            if let note { sink.yield(.state(.note(transport: transport, text: note), at: wallClock())) }
            batch.receivedAt = wallClock()
            guard !batch.isEmpty else { break }
            if !sink.yield([.messages(batch)]) {
                // The consumer is behind: do not ask for more until it catches up.
                await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in sink.whenResumed { c.resume() } }
            }
        case .nothingNew:
            break
        case .gap(let reason):
            ids?.withLockedValue { $0.forgetPosition() }
            onGap(reason)
        case .retry(let error), .fatal(let error):
            throw error
        }
        switch action {
        case .pollNow: return nil
        case .poll(let next), .switchedToInterval(_, let next): return next
        }
    }
}
