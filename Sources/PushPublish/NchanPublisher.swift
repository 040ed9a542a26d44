import LinkWire
import LiveModel
import NIOCore
import NIOHTTP1
import NIOPosix
import PushLink

/// Publishes lines to an Nchan publisher endpoint (`nchan_publisher`): one HTTP POST per line,
/// pipelined on one keep-alive connection with up to `window` requests unanswered. A line is
/// acknowledged by a 2xx answer (Nchan says 201 when the channel has subscribers, 202 when not).
///
/// Retries, and what they promise:
/// - The connection is lost (or an answer is overdue): every line without an answer is sent again,
///   in order, on a new connection after a backoff wait. Nchan may have published some of them
///   before the connection went, so those reach subscribers twice: at least once, never lost.
/// - The server ends the connection after an answer marked `Connection: close` (nginx does so
///   after `keepalive_requests`, 1000 by default): the requests pipelined behind that answer were
///   not read, so they are sent again on a new connection at once, without a wait.
/// - A 5xx answer to line k: no new request is sent; the requests already in flight behind k are
///   answered first (drained). Those that got a 2xx are acknowledged and never sent again; k and
///   every other line that got a 5xx are sent again, in order, after a backoff wait. So a line that
///   got a 5xx can reach subscribers after up to `window - 1` lines that followed it; to keep that
///   from repeating, after any retry one request goes alone until it is acknowledged.
/// - A 4xx (or a 3xx, not followed) is a `PublishError`: sending again would get the same answer.
///   So are the faults that retrying cannot mend: a bad URL, TLS verification, a refusing proxy.
///
/// `publish` calls must not overlap: each returns when its lines are acknowledged.
public actor NchanPublisher: Publisher {
    public struct Configuration: Sendable {
        /// Requests sent before their answers come back, at most (pipelining depth).
        public var window = 64
        /// The wait before reconnecting or sending again after a failure: it grows with the time the
        /// publisher has gone without an acknowledgement (`--retry-min`, `--retry-max`).
        public var backoff = Backoff()
        /// With requests in flight, a connection silent this long is taken for dead and replaced.
        public var answerTimeout: Duration = .seconds(30)
        /// Whether a line is JSON, which decides its `Content-Type` (application/json, else
        /// text/plain). A `-H 'Content-Type: …'` of the user's wins over both.
        public var isJSON: @Sendable ([UInt8]) -> Bool = { JSONBody.parse($0) != nil }
        /// One-line notes on retries, for stderr.
        public var report: @Sendable (String) -> Void = { _ in }

        public init() {}
    }

    /// What the publisher has done so far.
    public struct Statistics: Sendable, Equatable {
        /// Lines that got a 2xx answer.
        public var acknowledged = 0
        /// Requests sent again after a retry (lines sent more than once count each time).
        public var resent = 0
        /// Waits after a failure (a lost connection, a 5xx, a refused connect).
        public var retries = 0
        /// Connections opened (nginx ends one after `keepalive_requests`, 1000 by default).
        public var connections = 0
    }

    private let url: FeedURL
    private let link: LinkConfiguration
    private let configuration: Configuration
    private let group: EventLoopGroup
    private let userContentType: Bool
    private let requestHead: HTTPRequestHead
    private var connection: NchanConnection?
    private var failingSince: ContinuousClock.Instant?
    /// After a retry, one request goes alone until a line is acknowledged.
    private var cautious = false
    /// Requests a connection takes before the server ends it (nginx's `keepalive_requests`),
    /// learned from the first `Connection: close`: later connections stop there, so nothing is
    /// pipelined behind an answer that closes the connection and has to be sent again.
    private var requestsPerConnection: Int?
    private var busy = false
    public private(set) var statistics = Statistics()

    /// `link` gives the headers, proxies, TLS settings and connect timeout, as for a feed.
    public init(url: FeedURL, link: LinkConfiguration, configuration: Configuration = Configuration(),
                group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton) throws(PublishError) {
        guard url.scheme == .http || url.scheme == .https else {
            throw PublishError("\(url): an Nchan publisher URL is http:// or https://")
        }
        self.url = url
        self.link = link
        var configuration = configuration
        configuration.window = max(1, configuration.window)
        self.configuration = configuration
        self.group = group
        var head = ClientConnector.requestHead(url, configuration: link)
        head.method = .POST
        userContentType = head.headers.contains(name: "Content-Type")
        requestHead = head
    }

    public func publish(_ lines: [[UInt8]]) async throws {
        guard !lines.isEmpty else { return }
        guard !busy else { throw PublishError("publish called while another publish is under way") }
        busy = true
        defer { busy = false }
        var remaining = lines.map { line in
            NchanRequest(body: line, contentType: userContentType ? nil : (configuration.isJSON(line) ? "application/json" : "text/plain"))
        }
        while !remaining.isEmpty {
            try Task.checkCancellation()
            let connection: NchanConnection
            if let open = self.connection, open.isUsable {
                connection = open
            } else {
                self.connection = nil
                do {
                    connection = try await NchanConnection.open(url, link: link, head: requestHead,
                                                                answerTimeout: configuration.answerTimeout, group: group)
                } catch {
                    if error.severity == .fatal { throw PublishError("\(url): \(error)") }
                    try await wait(after: error.description, unacknowledged: remaining.count)
                    continue
                }
                statistics.connections += 1
                self.connection = connection
            }
            let round = try await connection.send(remaining, window: configuration.window, cautious: cautious,
                                                  requestsPerConnection: requestsPerConnection)
            if let closedAfter = round.closedAfter, closedAfter > 0 {
                requestsPerConnection = min(requestsPerConnection ?? .max, closedAfter)
            }
            let acknowledged = remaining.count - round.unacknowledged.count
            statistics.acknowledged += acknowledged
            statistics.resent += round.unacknowledged.filter { $0 < round.sent }.count
            if acknowledged > 0 {
                if let since = failingSince {
                    configuration.report("\(url): publishing again after \(Self.tenths((ContinuousClock.now - since).seconds))")
                }
                failingSince = nil
                cautious = false
            }
            remaining = round.unacknowledged.map { remaining[$0] }
            switch round.problem {
            case nil:
                break
            case .fatal(let reason):
                self.connection = nil
                connection.close()
                throw PublishError("\(url): \(reason)")
            case .serverClosed:
                // The server ended the connection after an answer; what was behind it was not read.
                self.connection = nil
            case .retry(let reason):
                self.connection = nil
                connection.close()
                try await wait(after: reason, unacknowledged: remaining.count)
            }
        }
    }

    public func close() async {
        connection?.close()
        connection = nil
    }

    /// Seconds to a tenth, for notes: "0.4 s".
    static func tenths(_ seconds: Double) -> String {
        let tenths = Int((seconds * 10).rounded())
        return "\(tenths / 10).\(tenths % 10) s"
    }

    /// Sleeps for the backoff's wait after a failure.
    private func wait(after problem: String, unacknowledged: Int) async throws {
        let now = ContinuousClock.now
        let since = failingSince ?? now
        failingSince = since
        cautious = true
        statistics.retries += 1
        let delay = configuration.backoff.delay(disconnectedFor: now - since, random: Double.random(in: 0..<1))
        configuration.report("\(url): \(problem); retrying in \(Self.tenths(delay.seconds)) "
                             + "(\(unacknowledged) \(unacknowledged == 1 ? "line" : "lines") not acknowledged)")
        try await Task.sleep(for: delay)
    }
}

/// One line as a request body, with the Content-Type it goes with (nil: the user's header).
struct NchanRequest: Sendable {
    let body: [UInt8]
    let contentType: String?
}

/// What one round of requests on a connection came to.
struct NchanRound: Sendable {
    enum Problem: Sendable, Equatable {
        /// Send the unacknowledged lines again after a backoff wait.
        case retry(String)
        /// The server ended the connection after an answer that said so: reconnect at once.
        case serverClosed
        /// Give up: a 4xx, a 3xx.
        case fatal(String)
    }

    /// Positions of the lines to send again, in order: those answered with a 5xx, those without an
    /// answer, those not sent.
    var unacknowledged: [Int]
    /// Lines sent in this round (the first `sent` of them).
    var sent: Int
    var problem: Problem?
    /// The server ended the connection after answering this many requests on it, as an answer said.
    var closedAfter: Int?
}

/// One keep-alive connection to the publisher endpoint.
final class NchanConnection: Sendable {
    private let channel: Channel
    private let handler: NIOLoopBound<NchanPublishHandler>

    private init(channel: Channel, handler: NIOLoopBound<NchanPublishHandler>) {
        self.channel = channel
        self.handler = handler
    }

    static func open(_ url: FeedURL, link: LinkConfiguration, head: HTTPRequestHead, answerTimeout: Duration,
                     group: EventLoopGroup) async throws(LinkError) -> NchanConnection {
        try await ClientConnector.open(url, configuration: link, group: group) { channel in
            try channel.pipeline.syncOperations.addHTTPClientHandlers()
            let handler = NchanPublishHandler(head: head, answerTimeout: answerTimeout)
            try channel.pipeline.syncOperations.addHandler(handler)
            return NIOLoopBound(handler, eventLoop: channel.eventLoop)
        } ready: { channel, handler in
            // Nothing to wait for: HTTP needs no handshake beyond TCP (and TLS, which the first
            // write waits for).
            NchanConnection(channel: channel, handler: handler)
        }
    }

    /// Whether the connection can take another round (the server has not ended it).
    var isUsable: Bool { channel.isActive }

    /// Sends `requests` pipelined, at most `window` unanswered (one until the first answer when
    /// `cautious`), and reports how that went.
    /// `requestsPerConnection`: send no more than that on this connection, then end it.
    func send(_ requests: [NchanRequest], window: Int, cautious: Bool, requestsPerConnection: Int?) async throws -> NchanRound {
        let handler = self.handler
        let eventLoop = channel.eventLoop
        return try await eventLoop.flatSubmit {
            handler.value.start(requests, window: window, cautious: cautious, requestsPerConnection: requestsPerConnection,
                                eventLoop: eventLoop)
        }.get()
    }

    func close() { channel.close(promise: nil) }
}

/// Writes the requests of a round and matches the answers to them (HTTP/1.1 answers come in the
/// order of the requests). Lives on the channel's event loop.
final class NchanPublishHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let head: HTTPRequestHead
    private let answerTimeout: Duration
    private var context: ChannelHandlerContext?
    private var closed = false
    /// Why the connection ended, when it did.
    private var failure: String?
    /// Requests sent and answered on this connection, over all rounds.
    private var sentOnConnection = 0
    private var answeredOnConnection = 0
    private var requestsPerConnection = Int.max
    /// Requests were written since the last flush (answers are read in bursts: one flush per burst).
    private var unflushed = false
    private var answerTimer: Scheduled<Void>?

    // The round under way.
    private var promise: EventLoopPromise<NchanRound>?
    private var requests: [NchanRequest] = []
    private var window = 1
    private var limit = 1
    private var next = 0
    private var answered = 0
    private var stopSending = false
    private var unacknowledged: [Int] = []
    private var problem: NchanRound.Problem?
    private var closedAfter: Int?
    // The answer being read.
    private var status: HTTPResponseStatus = .ok
    private var keepAlive = true
    private var errorBody: [UInt8] = []

    init(head: HTTPRequestHead, answerTimeout: Duration) {
        self.head = head
        self.answerTimeout = answerTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func start(_ requests: [NchanRequest], window: Int, cautious: Bool, requestsPerConnection: Int?,
               eventLoop: EventLoop) -> EventLoopFuture<NchanRound> {
        let promise = eventLoop.makePromise(of: NchanRound.self)
        guard !closed, let context else {
            // Ended between rounds: as planned after serving (go on at once), or by a fault or before
            // answering anything (wait before the next try: a server that closes every new
            // connection must not be asked in a tight loop).
            let planned = failure == nil && answeredOnConnection > 0
            promise.succeed(NchanRound(unacknowledged: Array(requests.indices), sent: 0,
                                       problem: planned ? .serverClosed : .retry(failure ?? "the server closed the connection")))
            return promise.futureResult
        }
        self.promise = promise
        self.requests = requests
        self.window = window
        // The first request of a round after a retry goes alone; the window opens at its answer.
        limit = cautious ? 1 : window
        self.requestsPerConnection = requestsPerConnection ?? .max
        next = 0
        answered = 0
        stopSending = false
        unacknowledged = []
        problem = nil
        closedAfter = nil
        writeMore(context: context)
        flushIfNeeded(context: context)
        return promise.futureResult
    }

    /// This connection has taken all the requests the server allows on one.
    private var full: Bool { sentOnConnection >= requestsPerConnection }

    private func writeMore(context: ChannelHandlerContext) {
        while !stopSending && !full && next < requests.count && next - answered < limit {
            let request = requests[next]
            var head = self.head
            if let type = request.contentType { head.headers.add(name: "Content-Type", value: type) }
            head.headers.add(name: "Content-Length", value: String(request.body.count))
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: request.body)))), promise: nil)
            context.write(wrapOutboundOut(.end(nil)), promise: nil)
            next += 1
            sentOnConnection += 1
            unflushed = true
        }
    }

    private func flushIfNeeded(context: ChannelHandlerContext) {
        if unflushed {
            unflushed = false
            context.flush()
            if answerTimer == nil { armAnswerTimer(context: context) }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        flushIfNeeded(context: context)
        context.fireChannelReadComplete()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            status = h.status
            keepAlive = h.isKeepAlive
            errorBody = []
        case .body(let buffer):
            if !(200..<300).contains(status.code) && errorBody.count < 200 {
                errorBody += buffer.readableBytesView.prefix(200 - errorBody.count)
            }
        case .end:
            answer(context: context)
        }
    }

    /// An answer to request `answered` is complete.
    private func answer(context: ChannelHandlerContext) {
        guard promise != nil, answered < next else {
            // An answer to nothing we sent: the exchange is out of step.
            failure = "an answer came that no request asked for"
            context.close(promise: nil)
            return
        }
        let index = answered
        answered += 1
        answeredOnConnection += 1
        armAnswerTimer(context: context)
        switch status.code {
        case 200..<300:
            limit = window
        case 500..<600:
            unacknowledged.append(index)
            stopSending = true
            if problem == nil { problem = .retry("HTTP \(status.code) \(status.reasonPhrase)\(bodyNote)") }
        default:
            unacknowledged.append(index)
            stopSending = true
            let hint = (300..<400).contains(status.code) ? " (redirects are not followed)" : ""
            problem = .fatal("the publisher answered HTTP \(status.code) \(status.reasonPhrase)\(hint)\(bodyNote)")
            finish()
            context.close(promise: nil)
            return
        }
        if !keepAlive {
            stopSending = true
            closedAfter = answeredOnConnection
            if problem == nil { problem = .serverClosed }
        }
        if answered == next && (stopSending || full || next == requests.count) {
            if !keepAlive || full {
                // Ended by the server, or by us where it would end it: a new connection goes on.
                if problem == nil && next < requests.count { problem = .serverClosed }
                closed = true
                context.close(promise: nil)
            }
            finish()
        } else {
            writeMore(context: context)
        }
    }

    /// The first line of an error answer's body, printable ASCII only (it goes to a terminal).
    private var bodyNote: String {
        // An HTML error page says no more than its status line.
        guard errorBody.first != UInt8(ascii: "<") else { return "" }
        let line = errorBody.prefix { $0 != 0x0A && $0 != 0x0D }
        let printable = line.map { (0x20..<0x7F).contains($0) ? $0 : UInt8(ascii: "?") }
        let text = String(decoding: printable.drop { $0 == 0x20 }.reversed().drop { $0 == 0x20 }.reversed(), as: UTF8.self)
        return text.isEmpty ? "" : ": \(text)"
    }

    /// Ends the round: whatever was not answered with a 2xx, and whatever was not sent, goes again.
    private func finish() {
        guard let promise else { return }
        self.promise = nil
        let rest = answered < requests.count ? Array(answered..<requests.count) : []
        let round = NchanRound(unacknowledged: unacknowledged + rest, sent: next, problem: problem, closedAfter: closedAfter)
        requests = []
        promise.succeed(round)
    }

    /// Keeps a timer running while requests wait for answers, restarted by every answer. (Not an
    /// idle-read timer: after a quiet minute between two lines, that one would fire as soon as the
    /// next request went out.)
    private func armAnswerTimer(context: ChannelHandlerContext) {
        answerTimer?.cancel()
        answerTimer = nil
        guard answered < next else { return }
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let timeout = answerTimeout
        answerTimer = context.eventLoop.scheduleTask(in: .nanoseconds(Int64(timeout.seconds * 1e9))) {
            let (handler, context) = bound.value
            handler.failure = handler.failure ?? "no answer within \(LinkError.seconds(timeout.seconds))"
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        failure = failure ?? LinkError.map(error).description
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        answerTimer?.cancel()
        if promise != nil {
            // After an answer that announced the close, a reset as nginx drops the unread requests
            // is part of that close.
            problem = problem ?? .retry(failure ?? "the server closed the connection")
            finish()
        }
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        closed = true
        answerTimer?.cancel()
        if promise != nil {
            problem = problem ?? .retry(failure ?? "the connection ended")
            finish()
        }
        self.context = nil
    }
}
