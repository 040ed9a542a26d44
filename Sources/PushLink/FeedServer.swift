import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// The reference feed server: WebSocket on 127.0.0.1 (or any address asked for), each connection
/// driven by a session function. Used by `livetop demo`, `livetop serve`, the tests and benchmarks.
/// A request without an upgrade gets 404.
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
    }

    /// Knobs for showing how clients cope with awkward servers.
    public struct Options: Sendable {
        /// Answer pings (a server that does not looks dead to a client's heartbeat).
        public var answersPings = true
        /// Answer upgrade requests for targets with this prefix with plain HTTP 404 (no WebSocket here).
        public var refuseUpgradePrefix: String?
        public init(answersPings: Bool = true, refuseUpgradePrefix: String? = nil) {
            self.answersPings = answersPings
            self.refuseUpgradePrefix = refuseUpgradePrefix
        }
    }

    private let group: EventLoopGroup
    private let session: Session
    private let options: Options
    private let state = NIOLockedValueBox(State())

    public init(group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton, options: Options = Options(),
                session: @escaping Session) {
        self.group = group
        self.options = options
        self.session = session
    }

    /// Starts listening and returns the bound port (`port` 0 picks a free one).
    public func start(host: String = "127.0.0.1", port: Int = 0) async throws -> Int {
        let refusePrefix = options.refuseUpgradePrefix
        let listener: NIOAsyncChannel<EventLoopFuture<Upgrade>, Never> = try await ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let upgrader = NIOTypedWebSocketServerUpgrader<Upgrade>(
                        maxFrameSize: 1 << 26,
                        shouldUpgrade: { channel, head in
                            let refuse = refusePrefix.map { head.uri.hasPrefix($0) } ?? false
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
        }
        return boundPort
    }

    /// Stops listening and drops every open connection (without a close frame, like a crash or restart).
    public func stop() async {
        let (listener, connections, runner) = state.withLockedValue { s in
            defer { s.connections = [:] }
            return (s.listener, Array(s.connections.values), s.runner)
        }
        try? await listener?.close()
        for c in connections { try? await c.close() }
        await runner?.value
    }

    private func handle(_ upgrade: EventLoopFuture<Upgrade>) async {
        guard let result = try? await upgrade.get() else { return }
        switch result {
        case .websocket(let channel, let target):
            let id = ObjectIdentifier(channel.channel)
            state.withLockedValue { $0.connections[id] = channel.channel }
            defer { state.withLockedValue { _ = $0.connections.removeValue(forKey: id) } }
            try? await channel.executeThenClose { inbound, outbound in
                let session = FeedSession(target: target, outbound: outbound, allocator: channel.channel.allocator,
                                          answersPings: options.answersPings)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await session.readLoop(inbound) }
                    group.addTask { try await self.session(session) }
                    // The connection lives until the client goes (the read loop ends).
                    try await group.next()
                    _ = try? await group.next()
                }
            }
        case .http(let channel):
            try? await channel.executeThenClose { inbound, outbound in
                for try await part in inbound {
                    guard case .end = part else { continue }
                    var head = HTTPResponseHead(version: .http1_1, status: .notFound)
                    head.headers.add(name: "Content-Length", value: "19")
                    head.headers.add(name: "Connection", value: "close")
                    try await outbound.write(.head(head))
                    try await outbound.write(.body(ByteBuffer(string: "no websocket here\r\n")))
                    try await outbound.write(.end(nil))
                    return
                }
            }
        }
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
    /// Everything the client sends, in order; finishes when the connection ends.
    public let received: AsyncStream<Received>
    private let receivedSink: AsyncStream<Received>.Continuation
    private let outbound: NIOAsyncChannelOutboundWriter<WebSocketFrame>
    private let allocator: ByteBufferAllocator
    private let answersPings: Bool

    init(target: String, outbound: NIOAsyncChannelOutboundWriter<WebSocketFrame>, allocator: ByteBufferAllocator,
         answersPings: Bool) {
        self.answersPings = answersPings
        self.target = target
        self.outbound = outbound
        self.allocator = allocator
        (received, receivedSink) = AsyncStream.makeStream()
    }

    public func send(text: String) async throws {
        try await outbound.write(WebSocketFrame(fin: true, opcode: .text, data: allocator.buffer(string: text)))
    }

    public func send(binary: [UInt8]) async throws {
        try await outbound.write(WebSocketFrame(fin: true, opcode: .binary, data: allocator.buffer(bytes: binary)))
    }

    /// Sends many text messages with one write (as fast as the socket takes them).
    public func send(texts: [String]) async throws {
        try await outbound.write(contentsOf: texts.map { WebSocketFrame(fin: true, opcode: .text, data: allocator.buffer(string: $0)) })
    }

    /// Sends one message split over several frames (a first frame and continuations).
    public func send(fragments: [String], binary: Bool = false) async throws {
        for (i, part) in fragments.enumerated() {
            let opcode: WebSocketOpcode = i == 0 ? (binary ? .binary : .text) : .continuation
            try await outbound.write(WebSocketFrame(fin: i == fragments.count - 1, opcode: opcode, data: allocator.buffer(string: part)))
        }
    }

    public func ping(_ payload: String = "ping") async throws {
        try await outbound.write(WebSocketFrame(fin: true, opcode: .ping, data: allocator.buffer(string: payload)))
    }

    /// Sends a close frame; the connection ends when the client answers.
    public func close(code: UInt16, reason: String = "") async throws {
        var data = allocator.buffer(capacity: 2 + reason.utf8.count)
        data.writeInteger(code)
        data.writeString(reason)
        try await outbound.write(WebSocketFrame(fin: true, opcode: .connectionClose, data: data))
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
