import FuzzDriver
import LiveModel
import NIOCore
import NIOEmbedded
import NIOWebSocket
@testable import LinkWire

/// What one path made of a byte stream: the messages it handed on, and what it did besides.
struct Outcome: Equatable {
    struct Message: Equatable {
        var bytes: [UInt8]
        var isBinary: Bool
    }

    enum Action: Equatable {
        case pong([UInt8])
        /// `closeSent`: a close had already gone out, so none is sent now.
        case fail(LinkError, code: UInt16, closeSent: Bool)
        case peerClosed(code: UInt16?, reason: String)
        case closeConnection
        case framingFailed(LinkError, code: UInt16, closeSent: Bool)
    }

    var messages: [Message] = []
    var actions: [Action] = []
}

/// A stand-in for permessage-deflate that both paths share: "inflating" doubles the bytes, and
/// a payload holding 0xFF is invalid compressed data, so RSV1 messages reach every branch
/// (over the limit, invalid, text not UTF-8 once inflated) without zlib.
final class DoublingInflater: MessageInflating {
    func inflate(_ compressed: ArraySlice<UInt8>, limit: Int) throws(LinkError) -> [UInt8] {
        if compressed.contains(0xFF) { throw .closedByUs(code: 1007, reason: "invalid compressed data (stand-in)") }
        let inflated = Array(compressed) + Array(compressed)
        guard inflated.count <= limit else { throw .messageTooLarge(limit: limit) }
        return inflated
    }
}

/// The differential target: the same byte stream, cut into the same chunks (read bursts), goes
/// through NIO's `WebSocketFrameDecoder` + livetop's old reassembly (the oracle) and through
/// `WebSocketFrameReader`; both must hand on the same messages and do the same things (pongs,
/// closes with the same codes, the same errors), in the same order. The one difference allowed is
/// the reader's fail-fast: when the stream ends inside a text frame whose bytes so far are not
/// UTF-8, the reader has already failed with 1007 (the oracle would, once the frame is whole).
///
/// The input's first byte picks the settings (deflate, a riding protocol that takes each message,
/// the limits), its second seeds the chunk sizes; the rest is the stream.
@main
enum WSFramesFuzz {
    static func main() {
        FuzzDriver.run { data, count in
            let input = FuzzDriver.bytes(data, count)
            guard input.count >= 2 else { return 0 }
            let settings = input[0]
            let deflate = settings & 0x01 != 0
            let filtered = settings & 0x02 != 0
            // Limits small enough to be reached: 16-bit and 64-bit lengths, flushes within a burst.
            let maxMessage = [0, 1, 125, 126, 200, 300, 70_000, 1 << 20][Int(settings >> 2) & 7]
            let flushBytes = [1, 64, 1 << 16][Int(settings >> 5) % 3]
            let stream = Array(input[2...])
            let chunks = WSFramesFuzz.cut(stream, seed: input[1])
            let inflater: MessageInflating? = deflate ? DoublingInflater() : nil

            let old = WSFramesFuzz.oracle(chunks, maxMessage: maxMessage, flushBytes: flushBytes, inflater: inflater, filtered: filtered)
            let new = WSFramesFuzz.reader(chunks, maxMessage: maxMessage, flushBytes: flushBytes, inflater: inflater, filtered: filtered)
            guard new.outcome != old.outcome else { return 0 }
            // The fail-fast on a text frame still arriving (and only that) is allowed to come first.
            var early = old.outcome
            early.actions.append(.fail(.closedByUs(code: 1007, reason: "the server sent a text message that is not UTF-8"),
                                       code: 1007, closeSent: old.closeSent))
            if new.outcome == early && new.bytesWaiting > 0 { return 0 }
            fatalError("""
                WebSocketFrameReader differs from NIO's decoder + the old reassembly \
                (deflate \(deflate), filtered \(filtered), limit \(maxMessage), flush \(flushBytes), chunks \(chunks.map(\.count))):
                old \(old.outcome)
                new \(new.outcome)
                """)
        }
    }

    /// Cuts the stream at points a small generator picks from `seed` (1 to 16 bytes, or all at once).
    static func cut(_ stream: [UInt8], seed: UInt8) -> [[UInt8]] {
        if seed == 0 { return [stream] }
        var state = UInt32(seed) &* 2_654_435_761
        var chunks: [[UInt8]] = []
        var i = 0
        while i < stream.count {
            state = state &* 1_103_515_245 &+ 12345
            let size = Int((state >> 16) % 17)
            let end = min(stream.count, i + size)
            chunks.append(Array(stream[i..<end]))  // an empty read now and then, too
            i = end
        }
        return chunks
    }

    static func oracle(_ chunks: [[UInt8]], maxMessage: Int, flushBytes: Int, inflater: MessageInflating?,
                       filtered: Bool) -> (outcome: Outcome, closeSent: Bool) {
        let handler = OldReassembly(maxMessageBytes: maxMessage, flushBytes: flushBytes, inflater: inflater, filtered: filtered)
        let channel = EmbeddedChannel()
        let decoder = ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: min(maxMessage, Int(UInt32.max))))
        try! channel.pipeline.syncOperations.addHandler(decoder)
        try! channel.pipeline.syncOperations.addHandler(handler)
        for chunk in chunks {
            try! channel.writeInbound(channel.allocator.buffer(bytes: chunk))
            handler.flush()
        }
        _ = try? channel.finish()
        return (Outcome(messages: handler.messages, actions: handler.actions), handler.closeSent)
    }

    static func reader(_ chunks: [[UInt8]], maxMessage: Int, flushBytes: Int, inflater: MessageInflating?,
                       filtered: Bool) -> (outcome: Outcome, bytesWaiting: Int) {
        var reader = WebSocketFrameReader(maxFrameBytes: min(maxMessage, Int(UInt32.max)), maxMessageBytes: maxMessage,
                                          flushBytes: flushBytes, inflater: inflater)
        reader.handsOnEachMessage = filtered
        var batch = MessageBatch(transport: .websocket)
        var outcome = Outcome()
        func flush() {
            let out = reader.takeFinished(&batch)
            for frame in out.messages {
                outcome.messages.append(.init(bytes: Array(out.bytes[frame.offset..<frame.offset + frame.length]), isBinary: frame.isBinary))
            }
        }
        for chunk in chunks {
            reader.receive(ByteBuffer(bytes: chunk))
            while let action = reader.next(into: &batch) {
                switch action {
                case .message(let start, let isBinary):
                    outcome.messages.append(.init(bytes: Array(batch.bytes[start...]), isBinary: isBinary))
                    batch.bytes.removeSubrange(start...)
                case .flush:
                    flush()
                case .pong(let payload):
                    if !reader.closeSent { outcome.actions.append(.pong(Array(payload.readableBytesView))) }
                case .fail(let error, let code):
                    outcome.actions.append(.fail(error, code: code, closeSent: !reader.sendingClose()))
                case .peerClosed(let code, let reason):
                    _ = reader.sendingClose()
                    outcome.actions.append(.peerClosed(code: code, reason: reason))
                case .closeConnection:
                    outcome.actions.append(.closeConnection)
                case .framingFailed(let error, let code):
                    outcome.actions.append(.framingFailed(error, code: code, closeSent: !reader.sendingClose()))
                }
            }
            flush()
        }
        return (outcome, reader.bytesWaiting)
    }
}
