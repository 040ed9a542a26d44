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

/// The message path of a WebSocket connection: reassembles messages from frames into one batch
/// per read burst and hands the batch on at `channelReadComplete` (one hop per burst, never per
/// message). Also answers pings, does the close handshake, keeps the heartbeat and enforces the
/// message size limit. Runs on the channel's event loop only.
final class WebSocketFeedHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let sink: EventSink
    private let maxMessageBytes: Int
    private let ended: EventLoopPromise<LinkError>
    private var heartbeat: Heartbeat
    private var heartbeatTask: Scheduled<Void>?
    private let monotonic: @Sendable () -> Duration
    private let wallClock: @Sendable () -> Int64

    private var batch = FrameBatch(transport: .websocket)
    private var messageStart: Int?
    private var messageIsBinary = false
    /// The message under way was sent compressed (RSV1 on its first frame).
    private var messageIsCompressed = false
    /// permessage-deflate, when the server accepted it.
    private let inflater: MessageInflater?
    /// Set by a protocol that rides on WebSocket (Socket.IO), with the transport its messages name.
    var filter: MessageFilter?
    var transport = Transport.websocket {
        didSet { batch = FrameBatch(transport: transport) }
    }
    /// Text messages are checked as they arrive (RFC 6455 §8.1); compressed ones once inflated.
    private var utf8 = UTF8Validator()
    private var closeSent = false
    /// A frame came in the read burst under way (the heartbeat is told once, at its end).
    private var receivedInBurst = false
    /// The peer's close frame came: nothing it sends after it counts.
    private var closeReceived = false
    /// livetop failed the connection: frames still arriving are dropped, except the peer's close.
    private var failed = false
    private var endReason: LinkError?
    /// Messages are held until the link has said "open" (frames can come in the same read as
    /// the 101 answer, before the link's task has run again).
    private var started = false
    /// The server selected `ws+meta.nchan`: every message starts with Nchan's header, taken off
    /// here and its id judged by the link's tracker (repeats dropped, gaps reported).
    var nchanIDs: NIOLockedValueBox<MessageIDTracker>?

    init(sink: EventSink, maxMessageBytes: Int, deflate: PerMessageDeflate? = nil, ended: EventLoopPromise<LinkError>,
         heartbeat: Heartbeat, monotonic: @escaping @Sendable () -> Duration, wallClock: @escaping @Sendable () -> Int64) throws {
        inflater = try deflate.map(MessageInflater.init)
        self.sink = sink
        self.maxMessageBytes = maxMessageBytes
        self.ended = ended
        self.heartbeat = heartbeat
        self.monotonic = monotonic
        self.wallClock = wallClock
    }

    /// A batch is handed on once it holds this much, even within one read burst (NIO reads up to
    /// four 64 KiB buffers in a row): the queues between here and the screen hold bursts, so the
    /// size of a burst bounds their memory (measured: 256 KiB bursts let peak RSS grow by 20% and
    /// more over a long feed as the queues happened to fill).
    static let burstBytes = 60 << 10

    func handlerAdded(context: ChannelHandlerContext) {
        batch.bytes.reserveCapacity(1 << 16)
        scheduleHeartbeat(context: context)
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        // The heartbeat learns of it at the end of the read burst: one clock read per burst, not per frame.
        receivedInBurst = true
        if closeReceived || (failed && frame.opcode != .connectionClose) { return }
        // RFC 6455 §5.1–5.3: a server never masks, and sets reserved bits only for an extension
        // both sides agreed on (RSV1 on the first frame of a compressed message).
        if frame.maskKey != nil { return protocolError(context, "the server sent a masked frame") }
        if frame.rsv2 || frame.rsv3 { return protocolError(context, "the server set reserved bits RSV2/RSV3 with no extension agreed") }
        if frame.rsv1 && (inflater == nil || !(frame.opcode == .text || frame.opcode == .binary)) {
            return protocolError(context, inflater == nil ? "the server set reserved bit RSV1 with no extension agreed"
                                                          : "the server set RSV1 on a frame that does not start a message")
        }
        switch frame.opcode {
        case .text, .binary:
            guard messageStart == nil else { return protocolError(context, "the server started a message before the last one ended") }
            if frame.fin && !frame.rsv1 && filter == nil { return appendWholeMessage(frame, context: context) }
            messageStart = batch.bytes.count
            messageIsBinary = frame.opcode == .binary
            messageIsCompressed = frame.rsv1
            utf8 = UTF8Validator()
            appendPayload(frame, context: context)
        case .continuation:
            guard messageStart != nil else { return protocolError(context, "the server sent a continuation frame with no message started") }
            appendPayload(frame, context: context)
        case .ping:
            guard frame.fin else { return protocolError(context, "the server sent a fragmented ping") }
            send(WebSocketFrame(fin: true, opcode: .pong, maskKey: .random(), data: frame.unmaskedData), context: context)
        case .pong:
            break
        case .connectionClose:
            receivedClose(frame, context: context)
        default:
            protocolError(context, "the server sent a frame with the reserved opcode 0x\(String(UInt8(webSocketOpcode: frame.opcode), radix: 16))")
        }
    }

    /// The common case, a message in one uncompressed frame, in one pass: checked, then copied.
    private func appendWholeMessage(_ frame: WebSocketFrame, context: ChannelHandlerContext) {
        let isBinary = frame.opcode == .binary
        let data = frame.data  // a server never masks (checked above)
        let length = data.readableBytes
        if length > maxMessageBytes { return fail(context, .messageTooLarge(limit: maxMessageBytes), closeCode: .messageTooLarge) }
        let valid = data.withUnsafeReadableBytes { raw in
            var utf8 = UTF8Validator()
            guard isBinary || (utf8.feed(raw) && utf8.isComplete) else { return false }
            batch.append(raw, isBinary: isBinary)
            return true
        }
        guard valid else {
            return fail(context, .closedByUs(code: 1007, reason: "the server sent a text message that is not UTF-8"),
                        closeCode: .dataInconsistentWithMessage)
        }
        if batch.bytes.count >= Self.burstBytes { flush() }
    }

    private func appendPayload(_ frame: WebSocketFrame, context: ChannelHandlerContext) {
        guard let start = messageStart else { return }
        let data = frame.unmaskedData
        if batch.bytes.count - start + data.readableBytes > maxMessageBytes {
            return fail(context, .messageTooLarge(limit: maxMessageBytes), closeCode: .messageTooLarge)
        }
        if !messageIsBinary && !messageIsCompressed {
            guard validateUTF8(data, final: frame.fin) else { return invalidUTF8(context) }
        }
        data.withUnsafeReadableBytes { batch.bytes.append(contentsOf: $0) }
        if frame.fin {
            if messageIsCompressed, let inflater {
                // The whole compressed message is in; it is replaced by what it inflates to.
                do {
                    let inflated = try inflater.inflate(batch.bytes[start...], limit: maxMessageBytes)
                    batch.bytes.replaceSubrange(start..., with: inflated)
                    if !messageIsBinary {
                        guard validateUTF8(batch.bytes[start...], final: true) else { return invalidUTF8(context) }
                    }
                } catch {
                    return fail(context, error, closeCode: error.closeCode.flatMap { WebSocketErrorCode(codeNumber: $0) } ?? .protocolError)
                }
            }
            messageStart = nil
            if let filter {
                let result = filter.filter(batch.bytes[start...], isBinary: messageIsBinary)
                batch.bytes.removeSubrange(start...)
                for reply in result.replies { sendText(reply, context: context) }
                if let message = result.deliver {
                    batch.bytes.append(contentsOf: message)
                    batch.frames.append(FrameBatch.Frame(offset: start, length: message.count, isBinary: false))
                }
                if let end = result.end { fail(context, end, closeCode: end.closeCode == nil ? .normalClosure : .policyViolation) }
                return
            }
            batch.frames.append(FrameBatch.Frame(offset: start, length: batch.bytes.count - start, isBinary: messageIsBinary))
            if batch.bytes.count >= Self.burstBytes { flush() }
        }
    }

    /// Feeds the next bytes of the text message under way to its UTF-8 check; `final`: they end it.
    private func validateUTF8(_ bytes: ByteBuffer, final: Bool) -> Bool {
        bytes.withUnsafeReadableBytes { utf8.feed($0) } && (!final || utf8.isComplete)
    }

    private func validateUTF8(_ bytes: ArraySlice<UInt8>, final: Bool) -> Bool {
        utf8.feed(bytes) && (!final || utf8.isComplete)
    }

    /// Fails the connection with 1007 (RFC 6455 §8.1); `fail` drops the text message under way.
    private func invalidUTF8(_ context: ChannelHandlerContext) {
        fail(context, .closedByUs(code: 1007, reason: "the server sent a text message that is not UTF-8"),
             closeCode: .dataInconsistentWithMessage)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if receivedInBurst {
            receivedInBurst = false
            heartbeat.received(at: monotonic())
        }
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
        guard started, !batch.frames.isEmpty else { return }
        var out = batch
        batch = FrameBatch(transport: transport)
        batch.bytes.reserveCapacity(1 << 16)
        if let start = messageStart {
            batch.bytes.append(contentsOf: out.bytes[start...])
            out.bytes.removeSubrange(start...)
            messageStart = 0
        }
        out.receivedAt = wallClock()
        guard let ids = nchanIDs else { return sink.yield(.messages(out)) }
        let (before, after) = takeNchanMeta(&out, ids: ids)
        sink.yield(before + (out.isEmpty ? [] : [.messages(out)]) + after)
    }

    /// `ws+meta.nchan`: takes each message's header off (its frame then starts after it; the
    /// bytes stay where they are) and asks the tracker about its id, under one lock per burst.
    /// Works on whole messages, after reassembly and inflation, whatever cut the frames.
    /// Returns the states to report before the burst's messages (gaps) and after them (repeats).
    private func takeNchanMeta(_ batch: inout FrameBatch, ids: NIOLockedValueBox<MessageIDTracker>) -> (before: [LinkEvent], after: [LinkEvent]) {
        var frames: [FrameBatch.Frame] = []
        frames.reserveCapacity(batch.frames.count)
        var before: [LinkEvent] = []
        var repeats = 0
        var lastRepeat = ""
        var missingMeta = false
        let at = batch.receivedAt
        let transport = batch.transport
        ids.withLockedValue { tracker in
            for var frame in batch.frames {
                let message = batch.bytes[frame.offset..<(frame.offset + frame.length)]
                guard !missingMeta, let header = NchanMetaHeader.parse(message) else {
                    missingMeta = true
                    frames.append(frame)
                    continue
                }
                frame.offset += header.length
                frame.length -= header.length
                switch tracker.message(id: header.id, payload: batch.bytes[frame.offset..<(frame.offset + frame.length)]) {
                case .deliver:
                    frames.append(frame)
                case .repeated:
                    repeats += 1
                    lastRepeat = header.id
                case .deliverAfterGap(let missed, let reason):
                    before.append(.state(.gap(transport: transport, reason: reason, missed: missed), at: at))
                    frames.append(frame)
                }
            }
        }
        batch.frames = frames
        // A server that selected the subprotocol without speaking it (Node's `ws` selects the
        // first one offered unless told otherwise): from the first message without the header
        // on, the connection's messages are handed on as they come, as without the offer.
        if missingMeta { nchanIDs = nil }
        guard repeats > 0 else { return (before, []) }
        let reason = "\(repeats) message\(repeats == 1 ? "" : "s") already delivered came again (last id \(lastRepeat)); dropped"
        return (before, [.state(.repeated(transport: transport, count: repeats, reason: reason), at: at)])
    }

    /// The peer's close: checked (RFC 6455 §5.5.1, §7.4), its code echoed, then the connection closes.
    /// A malformed close is answered with 1002 (or 1007 for a reason that is not UTF-8) and reported
    /// as livetop's own close, not the server's.
    private func receivedClose(_ frame: WebSocketFrame, context: ChannelHandlerContext) {
        closeReceived = true
        // The answer to our own close: the handshake is complete.
        guard !closeSent else { return context.close(promise: nil) }
        var data = frame.unmaskedData
        var code: Int?
        var reason = ""
        if data.readableBytes == 1 { return protocolError(context, "the server sent a close frame with a 1-byte payload") }
        if let raw = data.readInteger(as: UInt16.self) {
            guard Self.isValidCloseCode(raw) else { return protocolError(context, "the server closed with invalid close code \(raw)") }
            guard data.withUnsafeReadableBytes({ UTF8Validator.isValid($0) }) else {
                return fail(context, .closedByUs(code: 1007, reason: "the server's close reason is not UTF-8"),
                            closeCode: .dataInconsistentWithMessage)
            }
            code = Int(raw)
            reason = data.readString(length: data.readableBytes) ?? ""
        }
        if endReason == nil { endReason = .closedByPeer(code: code, reason: reason) }
        // Echo the code, as RFC 6455 §5.5.1 asks, then close.
        var echo = context.channel.allocator.buffer(capacity: 2)
        if let code { echo.writeInteger(UInt16(code)) }
        closeSent = true
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: echo)))
            .assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    /// Codes a peer may send (RFC 6455 §7.4.1, §7.4.2, and the IANA registry's 1012–1014): never
    /// 1004 (reserved), 1005, 1006 or 1015 (only for reporting), nor unassigned ones below 3000.
    static func isValidCloseCode(_ code: UInt16) -> Bool {
        switch code {
        case 1000...1003, 1007...1014, 3000...4999: return true
        default: return false
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        flush()
        heartbeatTask?.cancel()
        ended.succeed(endReason ?? .droppedWithoutClose)
        context.fireChannelInactive()
    }

    /// The pipeline can be torn down without this handler seeing channelInactive (the channel
    /// closed while the upgrade handler ahead of it was still finishing, under load): `ended` is
    /// completed here too, or the link would never learn that the connection is gone (and a
    /// promise left open is a crash in debug builds, "leaking promise"). A second completion is
    /// ignored by NIO.
    func handlerRemoved(context: ChannelHandlerContext) {
        heartbeatTask?.cancel()
        ended.succeed(endReason ?? .droppedWithoutClose)
    }

    /// Frame decoding errors are answered here (NIO's automatic handler is off, so that the reason
    /// is known before the channel closes): 1009 for a frame over the limit, 1002 for the rest.
    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if let ws = error as? NIOWebSocketError {
            let reason: LinkError = ws == .invalidFrameLength
                ? .messageTooLarge(limit: maxMessageBytes) : .closedByUs(code: 1002, reason: Self.describe(ws))
            if endReason == nil { endReason = reason }
            guard !closeSent else { return context.close(promise: nil) }
            closeSent = true
            var buffer = context.channel.allocator.buffer(capacity: 2)
            buffer.write(webSocketErrorCode: ws == .invalidFrameLength ? .messageTooLarge : .protocolError)
            // The decoder cannot read anything after this error, so close once the frame is out.
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: buffer)))
                .assumeIsolated().whenComplete { _ in context.close(promise: nil) }
            return
        }
        if endReason == nil { endReason = LinkError.map(error) }
        context.close(promise: nil)
    }

    /// What the frame decoder found, said as what the server did.
    private static func describe(_ error: NIOWebSocketError) -> String {
        switch error {
        case .fragmentedControlFrame: return "the server sent a fragmented control frame"
        case .multiByteControlFrameLength: return "the server sent a control frame longer than 125 bytes"
        case .invalidFrameLength: return "the server sent a frame longer than the message limit"
        }
    }

    // MARK: Outbound

    /// Sends a text message (used for --send on every connect).
    func sendText(_ text: String, context: ChannelHandlerContext) {
        let buffer = context.channel.allocator.buffer(string: text)
        send(WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: buffer), context: context)
    }

    /// Sends every message of `batch` as one unfragmented frame of its kind, then flushes once.
    func sendMessages(_ batch: FrameBatch, context: ChannelHandlerContext) {
        guard !closeSent else { return }
        for message in batch.frames {
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
        guard !closeSent else { return }
        closeSent = true
        var buffer = context.channel.allocator.buffer(capacity: 2)
        buffer.write(webSocketErrorCode: code)
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: buffer)),
                              promise: nil)
        let channel = context.channel
        context.eventLoop.scheduleTask(in: .milliseconds(250)) { channel.close(promise: nil) }
    }

    private func send(_ frame: WebSocketFrame, context: ChannelHandlerContext) {
        guard !closeSent else { return }
        context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
    }


    // MARK: Failures and heartbeat

    private func protocolError(_ context: ChannelHandlerContext, _ detail: String) {
        fail(context, .closedByUs(code: 1002, reason: detail), closeCode: .protocolError)
    }

    /// Bytes received compressed and what they inflated to, when permessage-deflate is on.
    var compression: (compressed: Int, inflated: Int)? { inflater.map { ($0.compressedBytes, $0.inflatedBytes) } }

    private func fail(_ context: ChannelHandlerContext, _ error: LinkError, closeCode: WebSocketErrorCode?) {
        if endReason == nil { endReason = error }
        failed = true
        // A message cut short by the failure is never handed on.
        if let start = messageStart {
            batch.bytes.removeSubrange(start...)
            messageStart = nil
        }
        if let closeCode {
            close(code: closeCode, reason: error, context: context)
        } else {
            context.close(promise: nil)
        }
    }

    private func scheduleHeartbeat(context: ChannelHandlerContext) {
        guard let deadline = heartbeat.nextDeadline else { return }
        let delay = max(.zero, deadline - monotonic())
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        heartbeatTask = context.eventLoop.scheduleTask(in: .nanoseconds(Int64(delay.seconds * 1e9))) {
            handler.value.heartbeatFired(context: loopBound.value)
        }
    }

    private func heartbeatFired(context: ChannelHandlerContext) {
        switch heartbeat.tick(at: monotonic()) {
        case .sendPing:
            send(WebSocketFrame(fin: true, opcode: .ping, maskKey: .random(), data: context.channel.allocator.buffer(string: "livetop")),
                 context: context)
        case .dead:
            if endReason == nil { endReason = .dead(seconds: heartbeat.timeout.seconds) }
            context.close(promise: nil)
            return
        case .none:
            break
        }
        scheduleHeartbeat(context: context)
    }
}

@available(*, unavailable)
extension WebSocketFeedHandler: Sendable {}
