import LiveModel
import NIOCore
import NIOWebSocket
@testable import LinkWire

/// The oracle: livetop's message path as it was before `WebSocketFrameReader`, kept here only to
/// be compared with it. It sits after NIO's `ByteToMessageHandler(WebSocketFrameDecoder)` in an
/// embedded channel and is `WebSocketFeedHandler`'s old `channelRead`/`errorCaught` logic, line
/// for line, with its I/O (pongs, closes) written down as the reader's actions instead of done.
final class OldReassembly: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame

    let maxMessageBytes: Int
    let flushBytes: Int
    let inflater: MessageInflating?
    let filtered: Bool

    var batch = MessageBatch(transport: .websocket)
    var messageStart: Int?
    var messageIsBinary = false
    var messageIsCompressed = false
    var utf8 = UTF8Validator()
    var closeSent = false
    var closeReceived = false
    var failed = false

    /// What it did, as the reader's actions say it, and the messages it handed on.
    var actions: [Outcome.Action] = []
    var messages: [Outcome.Message] = []

    init(maxMessageBytes: Int, flushBytes: Int, inflater: MessageInflating?, filtered: Bool) {
        self.maxMessageBytes = maxMessageBytes
        self.flushBytes = flushBytes
        self.inflater = inflater
        self.filtered = filtered
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        if closeReceived || (failed && frame.opcode != .connectionClose) { return }
        if frame.maskKey != nil { return protocolError("the server sent a masked frame") }
        if frame.rsv2 || frame.rsv3 { return protocolError("the server set reserved bits RSV2/RSV3 with no extension agreed") }
        if frame.rsv1 && (inflater == nil || !(frame.opcode == .text || frame.opcode == .binary)) {
            return protocolError(inflater == nil ? "the server set reserved bit RSV1 with no extension agreed"
                                                 : "the server set RSV1 on a frame that does not start a message")
        }
        switch frame.opcode {
        case .text, .binary:
            guard messageStart == nil else { return protocolError("the server started a message before the last one ended") }
            if frame.fin && !frame.rsv1 && !filtered { return appendWholeMessage(frame) }
            messageStart = batch.bytes.count
            messageIsBinary = frame.opcode == .binary
            messageIsCompressed = frame.rsv1
            utf8 = UTF8Validator()
            appendPayload(frame)
        case .continuation:
            guard messageStart != nil else { return protocolError("the server sent a continuation frame with no message started") }
            appendPayload(frame)
        case .ping:
            guard frame.fin else { return protocolError("the server sent a fragmented ping") }
            if !closeSent { actions.append(.pong(Array(frame.unmaskedData.readableBytesView))) }
        case .pong:
            break
        case .connectionClose:
            receivedClose(frame)
        default:
            protocolError("the server sent a frame with the reserved opcode 0x\(String(UInt8(webSocketOpcode: frame.opcode), radix: 16))")
        }
    }

    private func appendWholeMessage(_ frame: WebSocketFrame) {
        let isBinary = frame.opcode == .binary
        let data = frame.data
        let length = data.readableBytes
        if length > maxMessageBytes { return fail(.messageTooLarge(limit: maxMessageBytes), closeCode: 1009) }
        let valid = data.withUnsafeReadableBytes { raw in
            var utf8 = UTF8Validator()
            guard isBinary || (utf8.feed(raw) && utf8.isComplete) else { return false }
            batch.append(raw, isBinary: isBinary)
            return true
        }
        guard valid else {
            return fail(.closedByUs(code: 1007, reason: "the server sent a text message that is not UTF-8"), closeCode: 1007)
        }
        if batch.bytes.count >= flushBytes { flush() }
    }

    private func appendPayload(_ frame: WebSocketFrame) {
        guard let start = messageStart else { return }
        let data = frame.unmaskedData
        if batch.bytes.count - start + data.readableBytes > maxMessageBytes {
            return fail(.messageTooLarge(limit: maxMessageBytes), closeCode: 1009)
        }
        if !messageIsBinary && !messageIsCompressed {
            guard data.withUnsafeReadableBytes({ utf8.feed($0) }) && (!frame.fin || utf8.isComplete) else { return invalidUTF8() }
        }
        data.withUnsafeReadableBytes { batch.bytes.append(contentsOf: $0) }
        if frame.fin {
            if messageIsCompressed, let inflater {
                do {
                    let inflated = try inflater.inflate(batch.bytes[start...], limit: maxMessageBytes)
                    batch.bytes.replaceSubrange(start..., with: inflated)
                    if !messageIsBinary {
                        guard utf8.feed(batch.bytes[start...]) && utf8.isComplete else { return invalidUTF8() }
                    }
                } catch {
                    return fail(error, closeCode: error.closeCode.flatMap { UInt16(exactly: $0) } ?? 1002)
                }
            }
            messageStart = nil
            if filtered {
                // The harness's filter hands every message on as it is.
                messages.append(Outcome.Message(bytes: Array(batch.bytes[start...]), isBinary: messageIsBinary))
                batch.bytes.removeSubrange(start...)
                return
            }
            batch.messages.append(MessageBatch.Message(offset: start, length: batch.bytes.count - start, isBinary: messageIsBinary))
            if batch.bytes.count >= flushBytes { flush() }
        }
    }

    private func invalidUTF8() {
        fail(.closedByUs(code: 1007, reason: "the server sent a text message that is not UTF-8"), closeCode: 1007)
    }

    /// Hands the finished messages on; the message under way stays.
    func flush() {
        var out = batch
        batch = MessageBatch(transport: .websocket)
        if let start = messageStart {
            batch.bytes.append(contentsOf: out.bytes[start...])
            out.bytes.removeSubrange(start...)
            messageStart = 0
        }
        for frame in out.messages {
            messages.append(Outcome.Message(bytes: Array(out.bytes[frame.offset..<frame.offset + frame.length]), isBinary: frame.isBinary))
        }
    }

    private func receivedClose(_ frame: WebSocketFrame) {
        closeReceived = true
        guard !closeSent else { return actions.append(.closeConnection) }
        var data = frame.unmaskedData
        var code: UInt16?
        var reason = ""
        if data.readableBytes == 1 { return protocolError("the server sent a close frame with a 1-byte payload") }
        if let raw = data.readInteger(as: UInt16.self) {
            guard WebSocketFrameReader.isValidCloseCode(raw) else { return protocolError("the server closed with invalid close code \(raw)") }
            guard data.withUnsafeReadableBytes({ UTF8Validator.isValid($0) }) else {
                return fail(.closedByUs(code: 1007, reason: "the server's close reason is not UTF-8"), closeCode: 1007)
            }
            code = raw
            reason = data.readString(length: data.readableBytes) ?? ""
        }
        closeSent = true
        actions.append(.peerClosed(code: code, reason: reason))
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if let ws = error as? NIOWebSocketError {
            let reason: LinkError = ws == .invalidFrameLength
                ? .messageTooLarge(limit: maxMessageBytes) : .closedByUs(code: 1002, reason: Self.describe(ws))
            let code: UInt16 = ws == .invalidFrameLength ? 1009 : 1002
            actions.append(.framingFailed(reason, code: code, closeSent: closeSent))
            closeSent = true
            return
        }
        // Bytes after the decoder's error (ByteToMessageDecoderError.dataReceivedInErrorState).
        actions.append(.closeConnection)
    }

    private static func describe(_ error: NIOWebSocketError) -> String {
        switch error {
        case .fragmentedControlFrame: return "the server sent a fragmented control frame"
        case .multiByteControlFrameLength: return "the server sent a control frame longer than 125 bytes"
        case .invalidFrameLength: return "the server sent a frame longer than the message limit"
        }
    }

    private func protocolError(_ detail: String) {
        fail(.closedByUs(code: 1002, reason: detail), closeCode: 1002)
    }

    private func fail(_ error: LinkError, closeCode: UInt16) {
        failed = true
        if let start = messageStart {
            batch.bytes.removeSubrange(start...)
            messageStart = nil
        }
        actions.append(.fail(error, code: closeCode, closeSent: closeSent))
        closeSent = true
    }
}
