import LinkWire
import LiveModel
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1

/// One Socket.IO session (Engine.IO v4, Socket.IO v5): the handshake over HTTP long-polling, the
/// namespace connect (with the auth payload), the events emitted after every connect, then the
/// upgrade to WebSocket when the server offers it (staying on polling when it fails). Events
/// become messages `{"event":"name","args":[…]}`, one batch per poll answer or WebSocket read
/// burst. The server's pings are answered; silence past `pingInterval + pingTimeout` is a dead
/// connection. A connect error (`44`) is fatal, with the server's message.
final class SocketIOSession: Sendable {
    private let base: FeedURL
    private let namespace: String
    private let configuration: LinkConfiguration
    private let group: EventLoopGroup
    private let sink: EventSink
    private let monotonic: @Sendable () -> Duration
    private let wallClock: @Sendable () -> Int64
    private let state = NIOLockedValueBox<(stopped: Bool, close: (@Sendable () -> Void)?)>((false, nil))

    init(_ configuration: LinkConfiguration, group: EventLoopGroup, sink: EventSink, monotonic: @escaping @Sendable () -> Duration,
         wallClock: @escaping @Sendable () -> Int64) {
        var base = configuration.url.httpEquivalent
        // socketio://host/namespace: the path names the namespace; the server answers at --socketio-path.
        let path = base.target.split(separator: "?").first.map(String.init) ?? "/"
        namespace = path == "/" || path.isEmpty ? "/" : (path.hasSuffix("/") ? String(path.dropLast()) : path)
        base.target = configuration.socketIOPath
        self.base = base
        self.configuration = configuration
        self.group = group
        self.sink = sink
        self.monotonic = monotonic
        self.wallClock = wallClock
    }

    /// Ends the session: the poll or WebSocket under way is closed.
    func stop() {
        let close = state.withLockedValue { s -> (@Sendable () -> Void)? in
            s.stopped = true
            return s.close
        }
        close?()
    }

    private var stopped: Bool { state.withLockedValue { $0.stopped } }

    private func register(_ close: @escaping @Sendable () -> Void) {
        if state.withLockedValue({ s -> Bool in s.close = close; return s.stopped }) { close() }
    }

    private func target(_ transport: String, sid: String?, version: Int = 4) -> String {
        var query = "EIO=\(version)&transport=\(transport)"
        if let sid { query += "&sid=\(sid)" }
        return base.target + (base.target.contains("?") ? "&" : "?") + query
    }

    /// Runs the session: throws if it cannot be opened, calls `opened` once the namespace is
    /// connected, and returns why it ended.
    func run(opened: () -> Void) async throws(LinkError) -> LinkError {
        let first = try await handshake()
        guard case .open(let handshake)? = first.first else { throw .io("Socket.IO: the server did not open a session") }
        let sid = handshake.sid
        // The server pings every pingInterval; a poll it does not answer within that plus
        // pingTimeout means the connection is dead.
        let silence = Duration.milliseconds(Int64((handshake.pingInterval + handshake.pingTimeout) * 1000) + 1000)
        try await send([SocketIO.connect(namespace: namespace, auth: configuration.socketIOAuth)], sid: sid)
        var decoder = EventDecoder(namespace: namespace)
        var early: [[UInt8]] = []
        // Polls until the namespace answers: 40 (connected) or 44 (refused).
        while !decoder.connected {
            let packets = try await request(.GET, target("polling", sid: sid), readTimeout: silence, held: true)
            let outcome = try await handle(packets, decoder: &decoder, sid: sid)
            early += outcome.messages
            if let end = outcome.end { throw end }
        }
        opened()
        try await send(configuration.sendEvents.map { SocketIO.event(namespace: namespace, name: $0.name, json: $0.json) }, sid: sid)
        deliver(early)
        if handshake.upgrades.contains("websocket"), let connection = try? await upgrade(sid: sid, decoder: decoder) {
            register { connection.close() }
            try? await connection.start().get()
            return (try? await connection.ended.get()) ?? .droppedWithoutClose
        }
        // Polling, for as long as the session lasts.
        while !stopped {
            let packets: [EngineIO.Packet]
            do {
                packets = try await request(.GET, target("polling", sid: sid), readTimeout: silence, held: true)
            } catch {
                return stopped ? .closedByPeer(code: nil, reason: "stopped") : error
            }
            let outcome: (messages: [[UInt8]], end: LinkError?)
            do {
                outcome = try await handle(packets, decoder: &decoder, sid: sid)
            } catch {
                return error
            }
            deliver(outcome.messages)
            if let end = outcome.end { return end }
        }
        return .closedByPeer(code: nil, reason: "stopped")
    }

    /// Answers pings and decodes events; returns the messages and, for a close, why it ended.
    private func handle(_ packets: [EngineIO.Packet], decoder: inout EventDecoder, sid: String)
        async throws(LinkError) -> (messages: [[UInt8]], end: LinkError?) {
        var messages: [[UInt8]] = []
        for packet in packets {
            switch packet {
            case .ping(let data): try await send(["3" + data], sid: sid)
            case .close: return (messages, .closedByPeer(code: nil, reason: "the server closed the Socket.IO session"))
            default:
                let step = try decoder.take(packet)
                if let message = step.message { messages.append(message) }
                if let end = step.end { return (messages, end) }
            }
        }
        return (messages, nil)
    }

    private func deliver(_ messages: [[UInt8]]) {
        guard !messages.isEmpty else { return }
        var batch = MessageBatch(transport: .socketio)
        for m in messages { batch.append(m, isBinary: false) }
        batch.receivedAt = wallClock()
        _ = sink.yield([.messages(batch)])
    }

    /// POSTs Engine.IO packets (`40…`, `42…` and `3` are already whole).
    private func send(_ packets: [String], sid: String) async throws(LinkError) {
        guard !packets.isEmpty else { return }
        let body = packets.joined(separator: "\u{1E}")
        _ = try await request(.POST, target("polling", sid: sid), body: Array(body.utf8), readTimeout: configuration.connectTimeout)
    }

    /// The session's opening request. A Socket.IO 2.x server (Engine.IO v3) is told apart from
    /// other refusals and named, once, as a permanent failure: Node's engine.io 3.x answers in v3
    /// framing; python-engineio 3.x answers HTTP 400 ("unsupported version"), so a 400 is followed
    /// by one `EIO=3` probe (the v3 session it opens is left to the server's ping timeout).
    private func handshake() async throws(LinkError) -> [EngineIO.Packet] {
        let answer = try await exchange(.GET, target("polling", sid: nil), readTimeout: configuration.connectTimeout)
        if (200..<300).contains(answer.status) && EngineIO.isVersion3Opening(answer.body) { throw .engineIOv3 }
        if answer.status == 400, !stopped,
           let probe = try? await exchange(.GET, target("polling", sid: nil, version: 3), readTimeout: configuration.connectTimeout),
           (200..<300).contains(probe.status), EngineIO.isVersion3Opening(probe.body) {
            throw .engineIOv3
        }
        return try packets(of: answer, method: .GET)
    }

    /// One HTTP request; its answer as Engine.IO packets. 400 ("session unknown") and other
    /// errors end the session (the link reconnects with a new one).
    /// `held`: a poll the server may hold until it has something (up to its ping interval), so
    /// only connecting and sending fall under the connect timeout, and the answer has `readTimeout`.
    private func request(_ method: HTTPMethod, _ target: String, body: [UInt8]? = nil, readTimeout: Duration, held: Bool = false)
        async throws(LinkError) -> [EngineIO.Packet] {
        try packets(of: try await exchange(method, target, body: body, readTimeout: readTimeout, held: held), method: method)
    }

    /// An answer's packets; an HTTP status other than 2xx is the session's end.
    private func packets(of answer: (status: Int, body: [UInt8]), method: HTTPMethod) throws(LinkError) -> [EngineIO.Packet] {
        let status = answer.status
        guard (200..<300).contains(status) else {
            let text = String(decoding: answer.body.prefix(200), as: UTF8.self)
            throw status == 401 || status == 403 ? .refusedByServer("Socket.IO answered HTTP \(status): \(text)")
                                                  : .io("Socket.IO answered HTTP \(status)\(text.isEmpty ? "" : ": \(text)")")
        }
        return method == .POST ? [] : try EngineIO.decodePayload(answer.body)
    }

    /// One HTTP request and its answer's status and body.
    private func exchange(_ method: HTTPMethod, _ target: String, body: [UInt8]? = nil, readTimeout: Duration, held: Bool = false)
        async throws(LinkError) -> (status: Int, body: [UInt8]) {
        var url = base
        url.target = target
        let received = NIOLockedValueBox<[UInt8]>([])
        let limit = max(configuration.maxMessageBytes, 1 << 20) * 4
        var headers = [("Accept", "*/*")]
        if body != nil { headers.append(("Content-Type", "text/plain;charset=UTF-8")) }
        let exchange = try await HTTPRequester.get(url, method: method, body: body, headers: headers, configuration: configuration,
                                                   group: group, readTimeout: readTimeout, deadline: held ? readTimeout : nil) {
            BufferingConsumer(limit: limit, result: received)
        }
        register { exchange.channel.close(promise: nil) }
        let ending: LinkError?
        do {
            ending = try await exchange.ended.get()
        } catch {
            ending = .droppedWithoutClose
        }
        if let ending { throw ending }
        return (Int(exchange.head.status.code), received.withLockedValue { $0 })
    }

    /// The upgrade to WebSocket: `2probe` answered by `3probe`, then `5`; from then on every
    /// packet rides on the WebSocket, through `SocketIOFilter`. Throws when it fails (polling goes on).
    private func upgrade(sid: String, decoder: EventDecoder) async throws(LinkError) -> WebSocketConnection {
        var ws = configuration
        var url = base
        url.scheme = base.isSecure ? .wss : .ws
        url.target = target("websocket", sid: sid)
        ws.url = url
        let probe = group.any().makePromise(of: Void.self)
        let connection: WebSocketConnection
        do {
            connection = try await WebSocketConnector.connect(ws, group: group, sink: sink, monotonic: monotonic, wallClock: wallClock) {
                SocketIOFilter(decoder: decoder, probe: probe)
            }
        } catch {
            probe.fail(error)  // every promise is completed, even when the WebSocket never opened
            throw error
        }
        try? await connection.start().get()
        connection.send(text: "2probe")
        let timeout = group.any().scheduleTask(in: .seconds(Int64(max(1, configuration.connectTimeout.seconds)))) {
            probe.fail(LinkError.io("Socket.IO: no answer to the upgrade probe"))
        }
        defer { timeout.cancel() }
        do {
            try await probe.futureResult.get()
        } catch {
            connection.close()
            throw LinkError.map(error)
        }
        connection.send(text: "5")
        return connection
    }
}

/// Turns Engine.IO / Socket.IO packets into livetop's messages, reassembling binary events.
struct EventDecoder: Sendable {
    let namespace: String
    private(set) var connected = false
    private var pending: (json: String, needed: Int, attachments: [[UInt8]])?

    init(namespace: String) { self.namespace = namespace }

    mutating func take(_ packet: EngineIO.Packet) throws(LinkError) -> (message: [UInt8]?, end: LinkError?) {
        switch packet {
        case .message(let text):
            switch try SocketIO.decode(text) {
            case .connect(let ns, _) where ns == namespace:
                connected = true
            case .connectError(let ns, let payload) where ns == namespace:
                // The server refused the namespace: retrying soon will not help.
                return (nil, .refusedByServer("Socket.IO connect error: \(SocketIO.errorMessage(payload))"))
            case .disconnect(let ns) where ns == namespace:
                return (nil, .closedByPeer(code: nil, reason: "the server disconnected the namespace"))
            case .event(let ns, let json, let attachments) where ns == namespace:
                if attachments > 0 {
                    pending = (json, attachments, [])
                    return (nil, nil)
                }
                return (try SocketIO.message(fromEvent: json, attachments: []), nil)
            default:
                break
            }
        case .binary(let bytes):
            guard var p = pending else { return (nil, nil) }
            p.attachments.append(bytes)
            if p.attachments.count == p.needed {
                pending = nil
                return (try SocketIO.message(fromEvent: p.json, attachments: p.attachments), nil)
            }
            pending = p
        case .close:
            return (nil, .closedByPeer(code: nil, reason: "the server closed the Socket.IO session"))
        case .open, .ping, .pong, .upgrade, .noop:
            break
        }
        return (nil, nil)
    }
}

/// Socket.IO over the upgraded WebSocket: on the event loop, each message is an Engine.IO packet
/// (a binary message an attachment): pings are answered, the probe's answer completes the
/// upgrade, events become messages.
final class SocketIOFilter: MessageFilter, @unchecked Sendable {
    private var decoder: EventDecoder
    private let probe: EventLoopPromise<Void>

    init(decoder: EventDecoder, probe: EventLoopPromise<Void>) {
        self.decoder = decoder
        self.probe = probe
    }

    func filter(_ message: ArraySlice<UInt8>, isBinary: Bool) -> MessageFilterResult {
        do {
            let packet: EngineIO.Packet = isBinary ? .binary(Array(message)) : try EngineIO.decode(Array(message))
            switch packet {
            case .ping(let data): return MessageFilterResult(replies: ["3" + data])
            case .pong("probe"):
                probe.succeed(())
                return MessageFilterResult()
            default:
                let step = try decoder.take(packet)
                return MessageFilterResult(deliver: step.message, end: step.end)
            }
        } catch {
            return MessageFilterResult(end: error)
        }
    }
}
