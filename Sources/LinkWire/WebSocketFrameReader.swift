import LiveModel
import NIOCore

/// Turns a compressed message back into what the server sent (permessage-deflate's
/// `MessageInflater`); a protocol so that the reader stays free of zlib and can be fuzzed on its own.
package protocol MessageInflating: AnyObject {
    func inflate(_ compressed: ArraySlice<UInt8>, limit: Int) throws(LinkError) -> [UInt8]
}

/// The inbound half of a WebSocket client connection (RFC 6455 §5, RFC 7692) as a pure state
/// machine: the bytes of each read burst in, whole messages appended to the burst's batch, and
/// actions out for the rest (pong, close, fail). Frames are cut straight out of the burst, with
/// no per-frame value, `NIOAny` or pipeline hop (docs/architecture.md, "The message path").
///
/// The rules are those of NIO's `WebSocketFrameDecoder` followed by livetop's reassembly, and are
/// held equal to them by a differential fuzz target (docs/testing.md): the frame-level checks
/// (length over the limit, fragmented or long control frames) fail as soon as the header is in,
/// the message-level ones when the frame is whole, in stream order. One deliberate difference:
/// a text frame whose bytes so far are already not UTF-8 fails at once with 1007, before the rest
/// of the frame arrives (RFC 6455 §8.1 "fail fast"; Autobahn 6.4.3 and 6.4.4).
package struct WebSocketFrameReader {
    package enum Action: Equatable {
        /// A whole message at `batch.bytes[start...]`, for `handsOnEachMessage`: the caller takes
        /// it out of the batch (and puts what it makes of it back).
        case message(start: Int, isBinary: Bool)
        /// The batch holds `flushBytes` or more: hand it on now.
        case flush
        /// The server pinged: answer with this payload.
        case pong(ByteBuffer)
        /// livetop fails the connection: start the close handshake with `closeCode` (the
        /// message under way has been dropped from the batch).
        case fail(LinkError, closeCode: UInt16)
        /// The server's close, well formed: echo `code` (none: an empty close), close once written.
        case peerClosed(code: UInt16?, reason: String)
        /// Close the connection now (the answer to our own close came, or bytes came after the
        /// framing broke).
        case closeConnection
        /// The framing is broken (frame-level check): send a close with `closeCode` unless one was
        /// sent, close once written. Nothing more is read.
        case framingFailed(LinkError, closeCode: UInt16)
    }

    /// The largest frame (NIO's `maxFrameSize`) and the largest message.
    package let maxFrameBytes: Int
    package let maxMessageBytes: Int
    /// A batch this large is handed on within a burst (`WebSocketFeedHandler.burstBytes`).
    package let flushBytes: Int
    /// permessage-deflate, when the server accepted it.
    private let inflater: MessageInflating?
    /// Every message is returned as `.message` (a protocol riding on WebSocket looks at each).
    package var handsOnEachMessage = false

    /// Unread bytes: the start of a frame that the next burst completes.
    private var input = ByteBuffer()
    /// Where the message under way starts in the batch.
    private(set) var messageStart: Int?
    private var messageIsBinary = false
    /// The message under way was sent compressed (RSV1 on its first frame).
    private var messageIsCompressed = false
    /// Text messages are checked as their frames arrive (RFC 6455 §8.1); compressed ones once inflated.
    private var utf8 = UTF8Validator()
    /// The text frame still arriving: its payload bytes checked so far, and the check's state.
    private var partialCheck: (checked: Int, utf8: UTF8Validator)?
    /// livetop has sent its close.
    package private(set) var closeSent = false
    /// The peer's close frame came: nothing it sends after it counts.
    private var closeReceived = false
    /// livetop failed the connection: frames still arriving are dropped, except the peer's close.
    private var failed = false
    /// A frame-level check failed: nothing more is read (as NIO's decoder stops in its error state).
    private var framingBroken = false
    private var closeOnNextCall = false
    /// A frame was read since the last `takeFramesSeen` (the heartbeat learns of it once per burst).
    private var framesSeen = false

    package init(maxFrameBytes: Int, maxMessageBytes: Int, flushBytes: Int, inflater: MessageInflating?) {
        self.maxFrameBytes = maxFrameBytes
        self.maxMessageBytes = maxMessageBytes
        self.flushBytes = flushBytes
        self.inflater = inflater
    }

    /// Bytes received and not yet read: the start of a frame still arriving.
    package var bytesWaiting: Int { input.readableBytes }

    /// The bytes of a read burst; `next` reads them.
    package mutating func receive(_ bytes: ByteBuffer) {
        if framingBroken {
            closeOnNextCall = true
            return
        }
        if input.readableBytes == 0 {
            input = bytes
        } else {
            // A frame is split between bursts: keep only its bytes, then add the new ones.
            input.discardReadBytes()
            var bytes = bytes
            input.writeBuffer(&bytes)
        }
    }

    /// livetop sends its close now; false if it already did.
    package mutating func sendingClose() -> Bool {
        defer { closeSent = true }
        return !closeSent
    }

    /// A frame came since the last call.
    package mutating func takeFramesSeen() -> Bool {
        defer { framesSeen = false }
        return framesSeen
    }

    /// livetop fails the connection for a reason of its own (a riding protocol's end): frames
    /// still arriving are dropped, and the message under way with them.
    package mutating func fail(dropping batch: inout MessageBatch) {
        failed = true
        if let start = messageStart {
            batch.bytes.removeSubrange(start...)
            messageStart = nil
        }
    }

    /// Splits off the finished messages of `batch` to hand on; the message under way stays behind,
    /// at the start of a fresh batch.
    package mutating func takeFinished(_ batch: inout MessageBatch) -> MessageBatch {
        var out = batch
        batch = MessageBatch(transport: out.transport)
        batch.bytes.reserveCapacity(1 << 16)
        if let start = messageStart {
            batch.bytes.append(contentsOf: out.bytes[start...])
            out.bytes.removeSubrange(start...)
            messageStart = 0
        }
        return out
    }

    /// Reads frames from the bytes received until one needs the caller (an action), or the bytes
    /// end (nil: wait for the next burst). Messages go into `batch` as they complete.
    package mutating func next(into batch: inout MessageBatch) -> Action? {
        if closeOnNextCall {
            closeOnNextCall = false
            return .closeConnection
        }
        guard !framingBroken, input.readableBytes > 0 else { return nil }
        let input = self.input  // read while `self` changes (its storage is shared, not copied)
        var consumed = 0
        let action = input.withUnsafeReadableBytes { raw -> Action? in
            var offset = 0
            defer { consumed = offset }
            while true {
                let available = raw.count - offset
                guard available >= 2 else { return nil }
                let first = raw[offset]
                let second = raw[offset + 1]
                var length = Int(second & 0x7F)
                var header = 2
                if length == 126 {
                    guard available >= 4 else { return nil }
                    length = Int(raw[offset + 2]) << 8 | Int(raw[offset + 3])
                    header = 4
                } else if length == 127 {
                    guard available >= 10 else { return nil }
                    var long: UInt64 = 0
                    for i in 2..<10 { long = long << 8 | UInt64(raw[offset + i]) }
                    guard long <= UInt64(Int.max) else { return framingFailed(.invalidFrameLength) }
                    length = Int(long)
                    header = 10
                }
                // NIO's decoder checks these as soon as the length is known, in this order.
                let isControl = first & 0x08 != 0
                if length > maxFrameBytes { return framingFailed(.invalidFrameLength) }
                if isControl && first & 0x80 == 0 { return framingFailed(.fragmentedControlFrame) }
                if isControl && length > 125 { return framingFailed(.controlFrameTooLong) }
                let masked = second & 0x80 != 0
                let payloadStart = offset + header + (masked ? 4 : 0)
                guard raw.count - payloadStart >= length else {
                    return payloadStart <= raw.count
                        ? checkPartialText(first: first, masked: masked, length: length,
                                           arrived: UnsafeRawBufferPointer(rebasing: raw[payloadStart...]), batch: &batch)
                        : nil
                }
                offset = payloadStart + length
                partialCheck = nil
                framesSeen = true
                let payload = UnsafeRawBufferPointer(rebasing: raw[payloadStart..<offset])
                if let action = frame(first: first, masked: masked, payload: payload, batch: &batch, at: {
                    input.getSlice(at: input.readerIndex + payloadStart, length: length) ?? ByteBuffer()
                }) {
                    return action
                }
            }
        }
        self.input.moveReaderIndex(forwardBy: consumed)
        return action
    }

    // MARK: Frames

    private enum FramingError {
        case invalidFrameLength, fragmentedControlFrame, controlFrameTooLong
    }

    /// A frame-level failure, answered as livetop's handler answered NIO's decoder errors:
    /// 1009 for a frame over the limit, 1002 for the rest.
    private mutating func framingFailed(_ error: FramingError) -> Action {
        framingBroken = true
        switch error {
        case .invalidFrameLength:
            return .framingFailed(.messageTooLarge(limit: maxMessageBytes), closeCode: 1009)
        case .fragmentedControlFrame:
            return .framingFailed(.closedByUs(code: 1002, reason: "the server sent a fragmented control frame"), closeCode: 1002)
        case .controlFrameTooLong:
            return .framingFailed(.closedByUs(code: 1002, reason: "the server sent a control frame longer than 125 bytes"),
                                  closeCode: 1002)
        }
    }

    /// A whole frame. `slice` gives its payload as a buffer (for a pong), without a copy.
    private mutating func frame(first: UInt8, masked: Bool, payload: UnsafeRawBufferPointer, batch: inout MessageBatch,
                                at slice: () -> ByteBuffer) -> Action? {
        let fin = first & 0x80 != 0
        let rsv1 = first & 0x40 != 0
        let opcode = first & 0x0F
        if closeReceived || (failed && opcode != 0x8) { return nil }
        // RFC 6455 §5.1–5.3: a server never masks, and sets reserved bits only for an extension
        // both sides agreed on (RSV1 on the first frame of a compressed message).
        if masked { return protocolError("the server sent a masked frame", &batch) }
        if first & 0x30 != 0 { return protocolError("the server set reserved bits RSV2/RSV3 with no extension agreed", &batch) }
        if rsv1 && (inflater == nil || !(opcode == 0x1 || opcode == 0x2)) {
            return protocolError(inflater == nil ? "the server set reserved bit RSV1 with no extension agreed"
                                                 : "the server set RSV1 on a frame that does not start a message", &batch)
        }
        switch opcode {
        case 0x1, 0x2:
            guard messageStart == nil else { return protocolError("the server started a message before the last one ended", &batch) }
            if fin && !rsv1 && !handsOnEachMessage { return appendWholeMessage(payload, isBinary: opcode == 0x2, batch: &batch) }
            messageStart = batch.bytes.count
            messageIsBinary = opcode == 0x2
            messageIsCompressed = rsv1
            utf8 = UTF8Validator()
            return appendPayload(payload, fin: fin, batch: &batch)
        case 0x0:
            guard messageStart != nil else { return protocolError("the server sent a continuation frame with no message started", &batch) }
            return appendPayload(payload, fin: fin, batch: &batch)
        case 0x9:
            guard fin else { return protocolError("the server sent a fragmented ping", &batch) }
            return .pong(slice())
        case 0xA:
            return nil
        case 0x8:
            return receivedClose(payload, batch: &batch)
        default:
            return protocolError("the server sent a frame with the reserved opcode 0x\(String(opcode, radix: 16))", &batch)
        }
    }

    /// The common case, a message in one uncompressed frame, in one pass: checked, then copied.
    private mutating func appendWholeMessage(_ payload: UnsafeRawBufferPointer, isBinary: Bool, batch: inout MessageBatch) -> Action? {
        if payload.count > maxMessageBytes { return fail(.messageTooLarge(limit: maxMessageBytes), closeCode: 1009, &batch) }
        if !isBinary {
            var check = UTF8Validator()
            guard check.feed(payload) && check.isComplete else { return invalidUTF8(&batch) }
        }
        batch.append(payload, isBinary: isBinary)
        return batch.bytes.count >= flushBytes ? .flush : nil
    }

    private mutating func appendPayload(_ payload: UnsafeRawBufferPointer, fin: Bool, batch: inout MessageBatch) -> Action? {
        guard let start = messageStart else { return nil }
        if batch.bytes.count - start + payload.count > maxMessageBytes {
            return fail(.messageTooLarge(limit: maxMessageBytes), closeCode: 1009, &batch)
        }
        if !messageIsBinary && !messageIsCompressed {
            guard utf8.feed(payload) && (!fin || utf8.isComplete) else { return invalidUTF8(&batch) }
        }
        batch.bytes.append(contentsOf: payload)
        guard fin else { return nil }
        if messageIsCompressed, let inflater {
            // The whole compressed message is in; it is replaced by what it inflates to.
            do {
                let inflated = try inflater.inflate(batch.bytes[start...], limit: maxMessageBytes)
                batch.bytes.replaceSubrange(start..., with: inflated)
                if !messageIsBinary {
                    guard utf8.feed(batch.bytes[start...]) && utf8.isComplete else { return invalidUTF8(&batch) }
                }
            } catch {
                return fail(error, closeCode: error.closeCode.flatMap { UInt16(exactly: $0) } ?? 1002, &batch)
            }
        }
        messageStart = nil
        if handsOnEachMessage { return .message(start: start, isBinary: messageIsBinary) }
        batch.messages.append(MessageBatch.Message(offset: start, length: batch.bytes.count - start, isBinary: messageIsBinary))
        return batch.bytes.count >= flushBytes ? .flush : nil
    }

    /// A text frame not yet whole: its bytes so far are checked, so that a message that cannot be
    /// UTF-8 fails now (the frame's own checks, made when it is whole, would pass up to its UTF-8).
    private mutating func checkPartialText(first: UInt8, masked: Bool, length: Int, arrived: UnsafeRawBufferPointer,
                                           batch: inout MessageBatch) -> Action? {
        let opcode = first & 0x0F
        guard !closeReceived, !failed, !masked, first & 0x70 == 0, !arrived.isEmpty else { return nil }
        var check: (checked: Int, utf8: UTF8Validator)
        if let partialCheck {
            check = partialCheck
        } else if opcode == 0x1, messageStart == nil, length <= maxMessageBytes {
            check = (0, UTF8Validator())
        } else if opcode == 0x0, let start = messageStart, !messageIsBinary, !messageIsCompressed,
                  batch.bytes.count - start + length <= maxMessageBytes {
            check = (0, utf8)
        } else {
            return nil
        }
        guard check.checked < arrived.count else { return nil }
        let valid = check.utf8.feed(UnsafeRawBufferPointer(rebasing: arrived[check.checked...]))
        check.checked = arrived.count
        partialCheck = check
        return valid ? nil : invalidUTF8(&batch)
    }

    /// The peer's close: checked (RFC 6455 §5.5.1, §7.4). A malformed close is answered with 1002
    /// (or 1007 for a reason that is not UTF-8) and reported as livetop's own close.
    private mutating func receivedClose(_ payload: UnsafeRawBufferPointer, batch: inout MessageBatch) -> Action? {
        closeReceived = true
        // The answer to our own close: the handshake is complete.
        guard !closeSent else { return .closeConnection }
        if payload.count == 1 { return protocolError("the server sent a close frame with a 1-byte payload", &batch) }
        guard payload.count >= 2 else { return .peerClosed(code: nil, reason: "") }
        let code = UInt16(payload[0]) << 8 | UInt16(payload[1])
        guard Self.isValidCloseCode(code) else { return protocolError("the server closed with invalid close code \(code)", &batch) }
        let reason = UnsafeRawBufferPointer(rebasing: payload[2...])
        guard UTF8Validator.isValid(reason) else {
            return fail(.closedByUs(code: 1007, reason: "the server's close reason is not UTF-8"), closeCode: 1007, &batch)
        }
        return .peerClosed(code: code, reason: String(decoding: reason, as: UTF8.self))
    }

    /// Codes a peer may send (RFC 6455 §7.4.1, §7.4.2, and the IANA registry's 1012–1014): never
    /// 1004 (reserved), 1005, 1006 or 1015 (only for reporting), nor unassigned ones below 3000.
    package static func isValidCloseCode(_ code: UInt16) -> Bool {
        switch code {
        case 1000...1003, 1007...1014, 3000...4999: return true
        default: return false
        }
    }

    // MARK: Failures

    private mutating func protocolError(_ detail: String, _ batch: inout MessageBatch) -> Action {
        fail(.closedByUs(code: 1002, reason: detail), closeCode: 1002, &batch)
    }

    /// Fails the connection with 1007 (RFC 6455 §8.1).
    private mutating func invalidUTF8(_ batch: inout MessageBatch) -> Action {
        fail(.closedByUs(code: 1007, reason: "the server sent a text message that is not UTF-8"), closeCode: 1007, &batch)
    }

    private mutating func fail(_ error: LinkError, closeCode: UInt16, _ batch: inout MessageBatch) -> Action {
        // A message cut short by the failure is never handed on.
        fail(dropping: &batch)
        return .fail(error, closeCode: closeCode)
    }
}
