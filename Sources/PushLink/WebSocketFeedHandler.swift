import LinkWire
import LiveModel
import NIOConcurrencyHelpers
import NIOCore
import NIOWebSocket

/// Looks at every complete message of a connection before it is handed on, on the event loop:
/// Socket.IO turns its packets into events, answers its pings and ends on its close.
protocol MessageFilter: AnyObject {
    func filter(_ message: ArraySlice<UInt8>, isBinary: Bool) -> MessageFilterResult
}

struct MessageFilterResult {
    /// The message to hand on instead (nil: nothing).
    var deliver: [UInt8]?
    /// Text messages to send back.
    var replies: [String] = []
    /// Ends the connection (normally for a close, or with an error).
    var end: LinkError?
}

/// The message path of a WebSocket connection: the thin adapter around `WebSocketFrameReader`,
/// which cuts frames out of each read burst and reassembles messages into one batch per burst;
/// the batch is handed on at `channelReadComplete` (one hop per burst, never per message). Also
/// answers pings, does the close handshake, keeps the heartbeat and enforces the message size
/// limit, as the reader's actions say. Runs on the channel's event loop only.
final class WebSocketFeedHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = WebSocketFrame

    private let sink: EventSink
    private let maxMessageBytes: Int
    private let ended: EventLoopPromise<LinkError>
    private let heartbeat: HeartbeatTimer
    private let wallClock: @Sendable () -> Int64

    private var batch = MessageBatch(transport: .websocket)
    private var reader: WebSocketFrameReader
    /// permessage-deflate, when the server accepted it.
    private let inflater: MessageInflater?
    /// Set by a protocol that rides on WebSocket (Socket.IO), with the transport its messages name.
    var filter: MessageFilter? {
        didSet { reader.handsOnEachMessage = filter != nil }
    }
    var transport = Transport.websocket {
        didSet { batch = MessageBatch(transport: transport) }
    }
    private var endReason: LinkError?
    /// Messages are held until the link has said "open" (frames can come in the same read as
    /// the 101 answer, before the link's task has run again).
    private var started = false
    /// The server selected `ws+meta.nchan`: every message starts with Nchan's header, taken off
    /// here and its id judged by the link's tracker (repeats dropped, gaps reported).
    var nchanIDs: NIOLockedValueBox<MessageIDTracker>?

    /// `maxFrameBytes`: the largest frame, as NIO's decoder had it (the message limit, at most
    /// 4 GiB).
    init(sink: EventSink, maxMessageBytes: Int, deflate: PerMessageDeflate? = nil, ended: EventLoopPromise<LinkError>,
         heartbeat: Heartbeat, monotonic: @escaping @Sendable () -> Duration, wallClock: @escaping @Sendable () -> Int64) throws {
        let inflater = try deflate.map(MessageInflater.init)
        self.inflater = inflater
        reader = WebSocketFrameReader(maxFrameBytes: min(maxMessageBytes, Int(UInt32.max)), maxMessageBytes: maxMessageBytes,
                                      flushBytes: Self.burstBytes, inflater: inflater)
        self.sink = sink
        self.maxMessageBytes = maxMessageBytes
        self.ended = ended
        self.heartbeat = HeartbeatTimer(heartbeat, sink: sink, monotonic: monotonic)
        self.wallClock = wallClock
    }

    /// A batch is handed on once it holds this much, even within one read burst (NIO reads up to
    /// four 64 KiB buffers in a row): the queues between here and the screen hold bursts, so the
    /// size of a burst bounds their memory (measured: 256 KiB bursts let peak RSS grow by 20% and
    /// more over a long feed as the queues happened to fill).
    static let burstBytes = 60 << 10

    func handlerAdded(context: ChannelHandlerContext) {
        batch.bytes.reserveCapacity(1 << 16)
        startHeartbeat(context: context)
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        reader.receive(unwrapInboundIn(data))
        while let action = reader.next(into: &batch) {
            perform(action, context: context)
        }
        if reader.takeFramesSeen() { heartbeat.received() }
    }

    private func perform(_ action: WebSocketFrameReader.Action, context: ChannelHandlerContext) {
        switch action {
        case .message(let start, let isBinary):
            guard let filter else { return }
            let result = filter.filter(batch.bytes[start...], isBinary: isBinary)
            batch.bytes.removeSubrange(start...)
            for reply in result.replies { sendText(reply, context: context) }
            if let message = result.deliver {
                batch.bytes.append(contentsOf: message)
                batch.messages.append(MessageBatch.Message(offset: start, length: message.count, isBinary: false))
            }
            if let end = result.end {
                reader.fail(dropping: &batch)
                if endReason == nil { endReason = end }
                close(code: end.closeCode == nil ? .normalClosure : .policyViolation, reason: end, context: context)
            }
        case .flush:
            flush()
        case .pong(let payload):
            send(WebSocketFrame(fin: true, opcode: .pong, maskKey: .random(), data: payload), context: context)
        case .fail(let error, let code):
            if endReason == nil { endReason = error }
            close(code: WebSocketErrorCode(codeNumber: Int(code)), reason: error, context: context)
        case .peerClosed(let code, let reason):
            if endReason == nil { endReason = .closedByPeer(code: code.map(Int.init), reason: reason) }
            // Echo the code, as RFC 6455 §5.5.1 asks, then close.
            var echo = context.channel.allocator.buffer(capacity: 2)
            if let code { echo.writeInteger(code) }
            _ = reader.sendingClose()
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: echo)))
                .assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        case .closeConnection:
            context.close(promise: nil)
        case .framingFailed(let error, let code):
            if endReason == nil { endReason = error }
            guard reader.sendingClose() else { return context.close(promise: nil) }
            var buffer = context.channel.allocator.buffer(capacity: 2)
            buffer.write(webSocketErrorCode: WebSocketErrorCode(codeNumber: Int(code)))
            // Nothing after a broken frame can be read, so close once the close frame is out.
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: buffer)))
                .assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if !heartbeat.handle(event) { context.fireUserInboundEventTriggered(event) }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        heartbeat.burstEnded()
        flush()
        context.fireChannelReadComplete()
    }

    /// From now on, messages are handed on (the held ones at once).
    func start() {
        started = true
        flush()
    }

    /// Hands the finished messages of this burst on; an unfinished message stays for the next burst.
    private func flush() {
        guard started, !batch.messages.isEmpty else { return }
        var out = reader.takeFinished(&batch)
        out.receivedAt = wallClock()
        guard let ids = nchanIDs else { return sink.yield(.messages(out)) }
        let (before, after) = takeNchanMeta(&out, ids: ids)
        sink.yield(before + (out.isEmpty ? [] : [.messages(out)]) + after)
    }

    /// `ws+meta.nchan`: takes each message's header off (its frame then starts after it; the
    /// bytes stay where they are) and asks the tracker about its id, under one lock per burst.
    /// Works on whole messages, after reassembly and inflation, whatever cut the frames. An id
    /// holding a time (Nchan's `SECONDS:TAG`) is the message's server time.
    /// Returns the states to report before the burst's messages (gaps) and after them (repeats).
    private func takeNchanMeta(_ batch: inout MessageBatch, ids: NIOLockedValueBox<MessageIDTracker>) -> (before: [LinkEvent], after: [LinkEvent]) {
        var kept: [MessageBatch.Message] = []
        kept.reserveCapacity(batch.messages.count)
        var times: [Int64] = []
        var timed = false
        var before: [LinkEvent] = []
        var repeats = 0
        var lastRepeat = ""
        var missingMeta = false
        let at = batch.receivedAt
        let transport = batch.transport
        ids.withLockedValue { tracker in
            for (index, var frame) in batch.messages.enumerated() {
                let message = batch.bytes[frame.offset..<(frame.offset + frame.length)]
                guard !missingMeta, let header = NchanMetaHeader.parse(message) else {
                    missingMeta = true
                    kept.append(frame)
                    let time = batch.serverTime(index)?.nanoseconds
                    timed = timed || time != nil
                    times.append(time ?? MessageBatch.noTime)
                    continue
                }
                frame.offset += header.length
                frame.length -= header.length
                let time = ServerTime.eventID(header.id)
                switch tracker.message(id: header.id, payload: batch.bytes[frame.offset..<(frame.offset + frame.length)]) {
                case .deliver:
                    kept.append(frame)
                case .repeated:
                    repeats += 1
                    lastRepeat = header.id
                    continue
                case .deliverAfterGap(let missed, let reason):
                    before.append(.state(.gap(transport: transport, reason: reason, missed: missed), at: at))
                    kept.append(frame)
                }
                timed = timed || time != nil
                times.append(time ?? MessageBatch.noTime)
            }
        }
        batch.messages = kept
        batch.times = timed ? times : []
        // A server that selected the subprotocol without speaking it (Node's `ws` selects the
        // first one offered unless told otherwise): from the first message without the header
        // on, the connection's messages are handed on as they come, as without the offer.
        if missingMeta { nchanIDs = nil }
        guard repeats > 0 else { return (before, []) }
        let reason = "\(repeats) message\(repeats == 1 ? "" : "s") already delivered came again (last id \(lastRepeat)); dropped"
        return (before, [.state(.repeated(transport: transport, count: repeats, reason: reason), at: at)])
    }

    func channelInactive(context: ChannelHandlerContext) {
        flush()
        heartbeat.cancel()
        ended.succeed(endReason ?? .droppedWithoutClose)
        context.fireChannelInactive()
    }

    /// The pipeline can be torn down without this handler seeing channelInactive (the channel
    /// closed while the upgrade handler ahead of it was still finishing, under load): `ended` is
    /// completed here too, or the link would never learn that the connection is gone (and a
    /// promise left open is a crash in debug builds, "leaking promise"). A second completion is
    /// ignored by NIO.
    func handlerRemoved(context: ChannelHandlerContext) {
        heartbeat.cancel()
        ended.succeed(endReason ?? .droppedWithoutClose)
    }

    /// Socket errors (a reset, say) say why the connection ended; frame errors are the reader's.
    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if endReason == nil { endReason = LinkError.map(error) }
        context.close(promise: nil)
    }

    // MARK: Outbound

    /// Sends a text message (used for --send on every connect).
    func sendText(_ text: String, context: ChannelHandlerContext) {
        let buffer = context.channel.allocator.buffer(string: text)
        send(WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: buffer), context: context)
    }

    /// Sends every message of `batch` as one unfragmented frame of its kind, then flushes once.
    func sendMessages(_ batch: MessageBatch, context: ChannelHandlerContext) {
        guard !reader.closeSent else { return }
        for message in batch.messages {
            var buffer = context.channel.allocator.buffer(capacity: message.length)
            buffer.writeBytes(batch.bytes[message.offset..<message.offset + message.length])
            let frame = WebSocketFrame(fin: true, opcode: message.isBinary ? .binary : .text, maskKey: .random(), data: buffer)
            context.write(wrapOutboundOut(frame), promise: nil)
        }
        context.flush()
    }

    /// Starts the close handshake with `code`; the connection closes when the peer answers, or
    /// after 250 ms (a peer busy sending may not read our close for long, and a quit must be prompt).
    func close(code: WebSocketErrorCode, reason: LinkError?, context: ChannelHandlerContext) {
        if endReason == nil { endReason = reason ?? .closedByPeer(code: 1000, reason: "") }
        guard reader.sendingClose() else { return }
        var buffer = context.channel.allocator.buffer(capacity: 2)
        buffer.write(webSocketErrorCode: code)
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: buffer)),
                              promise: nil)
        let channel = context.channel
        context.eventLoop.scheduleTask(in: .milliseconds(250)) { channel.close(promise: nil) }
    }

    private func send(_ frame: WebSocketFrame, context: ChannelHandlerContext) {
        guard !reader.closeSent else { return }
        context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
    }

    // MARK: Heartbeat

    /// Bytes received compressed and what they inflated to, when permessage-deflate is on.
    var compression: (compressed: Int, inflated: Int)? { inflater.map { ($0.compressedBytes, $0.inflatedBytes) } }

    private func startHeartbeat(context: ChannelHandlerContext) {
        heartbeat.start(context: context) { [weak self] context in
            self?.send(WebSocketFrame(fin: true, opcode: .ping, maskKey: .random(), data: context.channel.allocator.buffer(string: "livetop")),
                 context: context)
        } dead: { [weak self] context in
            guard let self else { return }
            if endReason == nil { endReason = .dead(seconds: heartbeat.timeout.seconds) }
            context.close(promise: nil)
        }
    }
}

@available(*, unavailable)
extension WebSocketFeedHandler: Sendable {}
