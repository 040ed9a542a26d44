import Foundation
import LinkWire
import LiveModel
import NIOConcurrencyHelpers
import NIOCore
import TextFormats
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// The reference feed server: WebSocket on 127.0.0.1 (or any address asked for), each connection
/// driven by a session function. Used by `livetop demo`, `livetop serve`, the tests and benchmarks.
///
/// With a `FeedBuffer` it also serves the buffer over plain HTTP on every path, its own convention
/// (a WebSocket URL may carry `?cursor=N` too, to resume after message N):
/// `Accept: text/event-stream` gets SSE (`id:` = `SEQ@MS`, the message number and its publish time
/// in Unix milliseconds; `Last-Event-ID` resumes), any
/// other GET is a long-poll: `?cursor=N` answers the messages after N as a JSON array (text that
/// is not JSON as a JSON string) with `X-Next-Cursor` and `X-Message-Times` (each message's publish
/// time, Unix milliseconds, comma-separated), holds up to 25 s and then answers 204, and
/// answers 410 for a cursor it does not keep; without a cursor it answers at once (the kept
/// messages, or 204 with the `X-Next-Cursor` to poll from). A subscriber without a cursor may ask
/// for only the newest N kept messages with `?last=N`. Without a buffer, HTTP gets 404.
public final class FeedServer: Sendable {
    public typealias Session = @Sendable (FeedSession) async throws -> Void

    private enum Upgrade: Sendable {
        case websocket(NIOAsyncChannel<WebSocketFrame, WebSocketFrame>, target: String)
        case http(NIOAsyncChannel<HTTPServerRequestPart, HTTPPart<HTTPResponseHead, ByteBuffer>>)
    }

    private struct State {
        var listener: Channel?
        var connections: [ObjectIdentifier: Channel] = [:]
        var runner: Task<Void, Never>?
        var stopped = false
        /// The buffer's newest message number when each WebSocket upgrade was accepted.
        var seqAtUpgrade: [ObjectIdentifier: UInt64] = [:]
    }

    /// Knobs for showing how clients cope with awkward servers.
    public struct Options: Sendable {
        /// Answer pings (a server that does not looks dead to a client's heartbeat).
        public var answersPings = true
        /// Answer upgrade requests for targets with this prefix with plain HTTP 404 (no WebSocket here).
        public var refuseUpgradePrefix: String?
        /// With a `FeedBuffer`: a subscriber that brings no cursor (any WebSocket; SSE without
        /// `Last-Event-ID`; long-poll without `?cursor=`) first gets every kept message, so a late
        /// subscriber misses nothing; or, when false, only what is published from then on (a feed
        /// whose every message carries the whole state, where a reconnect should not repeat).
        public var replaysKeptMessages = true
        public init(answersPings: Bool = true, refuseUpgradePrefix: String? = nil, replaysKeptMessages: Bool = true) {
            self.answersPings = answersPings
            self.refuseUpgradePrefix = refuseUpgradePrefix
            self.replaysKeptMessages = replaysKeptMessages
        }
    }

    private let group: EventLoopGroup
    private let session: Session
    private let options: Options
    private let buffer: FeedBuffer?
    private let state = NIOLockedValueBox(State())
    private let refusing = NIOLockedValueBox(false)

    /// A server whose every WebSocket connection is driven by `session`. Package access: sessions
    /// other than the buffer's (below) script a server for the tests (`FeedScripting`).
    package init(group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton, options: Options = Options(),
                 buffer: FeedBuffer? = nil, session: @escaping Session) {
        self.group = group
        self.options = options
        self.buffer = buffer
        self.session = session
    }

    /// Serves `buffer` on every transport: WebSocket sessions get the kept messages, then new ones.
    public convenience init(group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton, options: Options = Options(),
                            buffer: FeedBuffer) {
        self.init(group: group, options: options, buffer: buffer) { session in
            // `?cursor=N` on the WebSocket URL resumes after N, as it does for long-poll.
            var cursor = FeedServer.queryValue("cursor", in: session.target).flatMap { UInt64($0) }
                ?? options.startCursor(in: buffer, target: session.target, newest: session.seqAtUpgrade)
            while !session.isClosed {
                switch await buffer.after(cursor, limit: 1000, timeout: .seconds(1), on: session.eventLoop) {
                case .messages(let list):
                    try await session.send(messages: list)
                    cursor = list.last?.seq
                case .gone:
                    cursor = nil
                case .timedOut:
                    break
                }
            }
        }
    }

    /// Answers WebSocket upgrades with 404 while `refuse` is true (to show fallback and moving back up).
    public func refuseUpgrades(_ refuse: Bool) { refusing.withLockedValue { $0 = refuse } }

    /// Starts listening and returns the bound port (`port` 0 picks a free one). Throws a one-line
    /// `LinkError` such as "cannot listen on 127.0.0.1:9000: Address already in use".
    public func start(host: String = "127.0.0.1", port: Int = 0) async throws -> Int {
        do {
            return try await listen(host: host, port: port)
        } catch let error as IOError {
            throw LinkError.io("cannot listen on \(host):\(port): \(String(cString: strerror(error.errnoCode)))")
        } catch let error as SocketAddressError.UnknownHost {
            throw LinkError.io("cannot listen on \(host):\(port): cannot resolve '\(error.host)'")
        } catch is SocketAddressError {
            throw LinkError.io("cannot listen on \(host):\(port): not an address")
        } catch {
            throw LinkError.io("cannot listen on \(host):\(port): \(error)")
        }
    }

    private func listen(host: String, port: Int) async throws -> Int {
        let refusePrefix = options.refuseUpgradePrefix
        let refusing = self.refusing
        let state = self.state
        let buffer = self.buffer
        let listener: NIOAsyncChannel<EventLoopFuture<Upgrade>, Never> = try await ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let upgrader = NIOTypedWebSocketServerUpgrader<Upgrade>(
                        maxFrameSize: 1 << 26,
                        shouldUpgrade: { channel, head in
                            let refuse = (refusePrefix.map { head.uri.hasPrefix($0) } ?? false) || refusing.withLockedValue { $0 }
                            if !refuse, let buffer {
                                // Fixed before the 101 goes out: a message published once the client
                                // has seen "open" comes after this number, so it is never skipped.
                                let id = ObjectIdentifier(channel)
                                state.withLockedValue { $0.seqAtUpgrade[id] = buffer.lastSeq }
                                channel.closeFuture.whenComplete { _ in state.withLockedValue { _ = $0.seqAtUpgrade.removeValue(forKey: id) } }
                            }
                            return channel.eventLoop.makeSucceededFuture(refuse ? nil : HTTPHeaders())
                        },
                        upgradePipelineHandler: { channel, head in
                            channel.eventLoop.makeCompletedFuture {
                                Upgrade.websocket(try NIOAsyncChannel(wrappingChannelSynchronously: channel), target: head.uri)
                            }
                        })
                    let configuration = NIOTypedHTTPServerUpgradeConfiguration(upgraders: [upgrader]) { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(HTTPResponsePartHandler())
                            return Upgrade.http(try NIOAsyncChannel(wrappingChannelSynchronously: channel))
                        }
                    }
                    return try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(
                        configuration: .init(upgradeConfiguration: configuration))
                }
            }
        let boundPort = listener.channel.localAddress?.port ?? port
        let runner = Task { [self] () -> Void in
            await withDiscardingTaskGroup { group in
                _ = try? await listener.executeThenClose { inbound in
                    for try await upgrade in inbound {
                        group.addTask { await self.handle(upgrade) }
                    }
                }
            }
        }
        state.withLockedValue {
            $0.listener = listener.channel
            $0.runner = runner
            $0.stopped = false
        }
        return boundPort
    }

    /// Drops every open connection (WebSocket without a close frame, SSE and long-poll mid-answer);
    /// the server goes on listening.
    public func dropConnections() async {
        let connections = state.withLockedValue { Array($0.connections.values) }
        for c in connections { try? await c.close() }
    }

    /// Stops listening and drops every open connection (without a close frame, like a crash or restart).
    public func stop() async {
        let (listener, connections, runner) = state.withLockedValue { s in
            defer {
                s.connections = [:]
                s.stopped = true
            }
            return (s.listener, Array(s.connections.values), s.runner)
        }
        try? await listener?.close()
        for c in connections { try? await c.close() }
        await runner?.value
    }

    /// Remembers an accepted connection so `stop` and `dropConnections` can end it; one that
    /// arrives after `stop` is closed at once.
    private func track(_ channel: Channel) -> ObjectIdentifier {
        let id = ObjectIdentifier(channel)
        let late = state.withLockedValue { s -> Bool in
            if s.stopped { return true }
            s.connections[id] = channel
            return false
        }
        if late { channel.close(promise: nil) }
        return id
    }

    private func handle(_ upgrade: EventLoopFuture<Upgrade>) async {
        guard let result = try? await upgrade.get() else { return }
        switch result {
        case .websocket(let channel, let target):
            let id = track(channel.channel)
            defer { state.withLockedValue { _ = $0.connections.removeValue(forKey: id) } }
            try? await channel.executeThenClose { inbound, outbound in
                let seq = state.withLockedValue { $0.seqAtUpgrade[id] } ?? buffer?.lastSeq ?? 0
                let session = FeedSession(target: target, seqAtUpgrade: seq, outbound: outbound, allocator: channel.channel.allocator,
                                          answersPings: options.answersPings, eventLoop: channel.channel.eventLoop)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await session.readLoop(inbound) }
                    group.addTask { try await self.session(session) }
                    // The connection lives until the client goes (the read loop ends).
                    try await group.next()
                    session.markClosed()
                    _ = try? await group.next()
                }
            }
        case .http(let channel):
            // Tracked too, so stop() and dropConnections() end SSE streams and held long-polls.
            let id = track(channel.channel)
            defer { state.withLockedValue { _ = $0.connections.removeValue(forKey: id) } }
            // A held long-poll or an SSE stream waits in the buffer; when the connection closes
            // (the client left, or stop()), cancelling the work ends that wait at once.
            let work = Task { await self.serveHTTP(channel) }
            channel.channel.closeFuture.whenComplete { _ in work.cancel() }
            await withTaskCancellationHandler { await work.value } onCancel: { work.cancel() }
        }
    }

    private func serveHTTP(_ channel: NIOAsyncChannel<HTTPServerRequestPart, HTTPPart<HTTPResponseHead, ByteBuffer>>) async {
        let loop = channel.channel.eventLoop
        try? await channel.executeThenClose { inbound, outbound in
            var request: HTTPRequestHead?
            for try await part in inbound {
                switch part {
                case .head(let head):
                    request = head
                    continue
                case .body:
                    continue
                case .end:
                    break  // answer once the whole request is in
                }
                // A refused upgrade (NIO's upgrader keeps its request head, so only the end
                // arrives here), or no buffer to serve: a plain "no WebSocket here".
                let upgrade = request?.headers[canonicalForm: "Upgrade"].contains { $0.lowercased() == "websocket" } ?? true
                guard let buffer, let request, !upgrade else {
                    return try await Self.respond(outbound, .notFound, body: "no websocket here\r\n")
                }
                if request.headers[canonicalForm: "Accept"].contains(where: { $0.lowercased().hasPrefix("text/event-stream") }) {
                    return try await Self.streamEvents(buffer, request: request, outbound: outbound, on: loop, options: options)
                }
                return try await Self.longPoll(buffer, request: request, outbound: outbound, on: loop, options: options)
            }
        }
    }

    private typealias HTTPOutbound = NIOAsyncChannelOutboundWriter<HTTPPart<HTTPResponseHead, ByteBuffer>>

    private static func respond(_ outbound: HTTPOutbound, _ status: HTTPResponseStatus, body: String = "",
                                headers: [(String, String)] = [], bytes: [UInt8]? = nil) async throws {
        let payload = bytes ?? Array(body.utf8)
        var head = HTTPResponseHead(version: .http1_1, status: status)
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        head.headers.add(name: "Content-Length", value: String(payload.count))
        head.headers.add(name: "Connection", value: "close")
        try await outbound.write(.head(head))
        if !payload.isEmpty { try await outbound.write(.body(ByteBuffer(bytes: payload))) }
        try await outbound.write(.end(nil))
    }

    /// `GET ...?cursor=N`: the messages after N as a JSON array, `X-Next-Cursor` for the next poll.
    private static func longPoll(_ buffer: FeedBuffer, request: HTTPRequestHead, outbound: HTTPOutbound, on loop: EventLoop,
                                 options: Options) async throws {
        let asked = queryValue("cursor", in: request.uri).flatMap { UInt64($0) }
        let cursor = asked ?? options.startCursor(in: buffer, target: request.uri)
        // A first poll (no cursor) is answered at once, with messages or with the cursor to poll
        // from: the client is "open" at once, and nothing published meanwhile is missed.
        switch await buffer.after(cursor, limit: 1000, timeout: asked == nil ? .zero : .seconds(25), on: loop) {
        case .messages(let list):
            var body: [UInt8] = [UInt8(ascii: "[")]
            for (i, m) in list.enumerated() {
                if i > 0 { body.append(UInt8(ascii: ",")) }
                body.append(contentsOf: jsonValue(m))
            }
            body.append(UInt8(ascii: "]"))
            // Each message's time, so a late subscriber's backlog is history (docs/serve.md).
            let times = list.map { String($0.time / 1_000_000) }.joined(separator: ",")
            try await respond(outbound, .ok, headers: [("Content-Type", "application/json"), ("X-Next-Cursor", String(list.last!.seq)),
                                                       ("X-Message-Times", times)],
                              bytes: body)
        case .timedOut:
            try await respond(outbound, .noContent, headers: [("X-Next-Cursor", String(cursor ?? 0))])
        case .gone(let oldest):
            try await respond(outbound, .gone, body: "cursor \(cursor ?? 0) is not kept here; the oldest kept message is \(oldest)\n")
        }
    }

    /// `Accept: text/event-stream`: every message as an event, from `Last-Event-ID` on.
    private static func streamEvents(_ buffer: FeedBuffer, request: HTTPRequestHead, outbound: HTTPOutbound, on loop: EventLoop,
                                     options: Options) async throws {
        // Where to start is fixed before the client can see the stream open, so nothing published
        // after it saw "open" is skipped.
        // An ID is `SEQ@MS` (the number, then the message's time); a bare number resumes too.
        var cursor = request.headers.first(name: "Last-Event-ID").flatMap { UInt64($0.prefix { $0 != "@" }) }
            ?? options.startCursor(in: buffer, target: request.uri)
        var head = HTTPResponseHead(version: .http1_1, status: .ok)
        head.headers.add(name: "Content-Type", value: "text/event-stream")
        head.headers.add(name: "Cache-Control", value: "no-cache")
        head.headers.add(name: "Connection", value: "close")
        try await outbound.write(.head(head))
        try await outbound.write(.body(ByteBuffer(string: "retry: 1000\n\n")))
        while !Task.isCancelled {
            switch await buffer.after(cursor, limit: 1000, timeout: .seconds(15), on: loop) {
            case .messages(let list):
                var out = ByteBuffer()
                for m in list {
                    out.writeString("id: \(m.seq)@\(m.time / 1_000_000)\n")
                    let text = m.isBinary ? String(decoding: jsonValue(m), as: UTF8.self) : String(decoding: m.bytes, as: UTF8.self)
                    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                        out.writeString("data: ")
                        out.writeString(line.hasSuffix("\r") ? String(line.dropLast()) : String(line))
                        out.writeString("\n")
                    }
                    out.writeString("\n")
                }
                try await outbound.write(.body(out))
                cursor = list.last?.seq
            case .timedOut:
                try await outbound.write(.body(ByteBuffer(string: ": keep-alive\n\n")))
            case .gone:
                cursor = nil
            }
        }
    }

    /// A message as a JSON value: its JSON, compact (a leading byte order mark dropped, as jq and
    /// livetop's client read it), else a JSON string (binary as base64). Foundation's reader takes
    /// a BOM too, but its bytes would then go into the answer's array raw, and no JSON parser reads that.
    static func jsonValue(_ m: FeedBuffer.Message) -> [UInt8] {
        var reader = TextParser(format: .json)
        if !m.isBinary, case .json(let json) = reader.line(m.bytes).kind { return json }
        let text = m.isBinary ? Data(m.bytes).base64EncodedString() : String(decoding: m.bytes, as: UTF8.self)
        return JSONBody.serialize(text)
    }

    static func queryValue(_ name: String, in target: String) -> String? {
        guard let q = target.firstIndex(of: "?") else { return nil }
        for pair in target[target.index(after: q)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.first.map(String.init) == name { return parts.count > 1 ? String(parts[1]).removingPercentEncoding : "" }
        }
        return nil
    }
}

extension FeedServer.Options {
    /// Where a subscriber that brings no cursor starts: nil is "from the oldest kept message".
    /// `?last=N` on its URL asks for only the newest N kept (livetop's `--last N`; `?last=0`: none).
    func startCursor(in buffer: FeedBuffer, target: String, newest: UInt64? = nil) -> UInt64? {
        if let last = FeedServer.queryValue("last", in: target).flatMap({ Int($0) }), last >= 0 {
            return buffer.cursor(keepingLast: last)
        }
        return replaysKeptMessages ? nil : (newest ?? buffer.lastSeq)
    }
}

/// One client connection of a `FeedServer`, as its session function sees it.
public struct FeedSession: Sendable {
    /// What the client sent: messages, and the close frame's code.
    public enum Received: Hashable, Sendable {
        case text(String)
        case binary([UInt8])
        case pong
        case close(code: Int?)
    }

    /// The request target of the upgrade, e.g. `/feed?x=1`.
    public let target: String
    /// With a `FeedBuffer`: the number of its newest message when the upgrade was accepted.
    public let seqAtUpgrade: UInt64
    /// Everything the client sends, in order; finishes when the connection ends.
    public let received: AsyncStream<Received>
    private let receivedSink: AsyncStream<Received>.Continuation
    private let outbound: NIOAsyncChannelOutboundWriter<WebSocketFrame>
    /// Allocates the frames' buffers.
    package let allocator: ByteBufferAllocator
    private let answersPings: Bool
    private let closed = NIOLockedValueBox(false)
    /// The connection's event loop (for timers).
    public let eventLoop: EventLoop

    init(target: String, seqAtUpgrade: UInt64, outbound: NIOAsyncChannelOutboundWriter<WebSocketFrame>, allocator: ByteBufferAllocator,
         answersPings: Bool, eventLoop: EventLoop) {
        self.seqAtUpgrade = seqAtUpgrade
        self.eventLoop = eventLoop
        self.answersPings = answersPings
        self.target = target
        self.outbound = outbound
        self.allocator = allocator
        (received, receivedSink) = AsyncStream.makeStream()
    }

    /// The client has gone (its side of the connection ended).
    public var isClosed: Bool { closed.withLockedValue { $0 } }
    func markClosed() { closed.withLockedValue { $0 = true } }

    /// Sends buffered messages, each as text or binary, with one write.
    public func send(messages: [FeedBuffer.Message]) async throws {
        try await outbound.write(contentsOf: messages.map {
            WebSocketFrame(fin: true, opcode: $0.isBinary ? .binary : .text, data: allocator.buffer(bytes: $0.bytes))
        })
    }

    /// Writes frames as they are, with one write: what the tests' scripted sessions send
    /// (`FeedScripting`) goes through here.
    package func write(_ frames: [WebSocketFrame]) async throws {
        try await outbound.write(contentsOf: frames)
    }

    /// Reads the client's frames: reassembles messages, answers pings, echoes a close.
    func readLoop(_ inbound: NIOAsyncChannelInboundStream<WebSocketFrame>) async throws {
        defer { receivedSink.finish() }
        var message: [UInt8] = []
        var isBinary = false
        for try await frame in inbound {
            switch frame.opcode {
            case .text, .binary, .continuation:
                if frame.opcode != .continuation {
                    message.removeAll(keepingCapacity: true)
                    isBinary = frame.opcode == .binary
                }
                message.append(contentsOf: frame.unmaskedData.readableBytesView)
                if frame.fin { receivedSink.yield(isBinary ? .binary(message) : .text(String(decoding: message, as: UTF8.self))) }
            case .ping:
                if answersPings { try await outbound.write(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)) }
            case .pong:
                receivedSink.yield(.pong)
            case .connectionClose:
                var data = frame.unmaskedData
                let code = data.readInteger(as: UInt16.self).map(Int.init)
                receivedSink.yield(.close(code: code))
                var echo = allocator.buffer(capacity: 2)
                if let code { echo.writeInteger(UInt16(code)) }
                try? await outbound.write(WebSocketFrame(fin: true, opcode: .connectionClose, data: echo))
                return
            default:
                return
            }
        }
    }
}

/// Lets the HTTP side write `ByteBuffer` bodies.
private final class HTTPResponsePartHandler: ChannelOutboundHandler {
    typealias OutboundIn = HTTPPart<HTTPResponseHead, ByteBuffer>
    typealias OutboundOut = HTTPServerResponsePart

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head): context.write(wrapOutboundOut(.head(head)), promise: promise)
        case .body(let buffer): context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: promise)
        case .end(let trailers): context.write(wrapOutboundOut(.end(trailers)), promise: promise)
        }
    }
}
