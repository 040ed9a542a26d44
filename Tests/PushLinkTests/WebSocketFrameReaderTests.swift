import LinkWire
import LiveModel
import NIOCore
import Testing
import TestSupport
@testable import PushLink

/// The inbound frame reader fed hand-built server frames (RFC 6455 §5.2), whole and cut into
/// small read bursts: the messages it hands on and the actions it asks for. The fuzz target
/// ws-frames holds it equal to NIO's decoder on arbitrary bytes; these pin the cases by name.
@Suite struct WebSocketFrameReaderTests {
    /// One server frame: unmasked unless `mask` is given; `rsv` bits 0b100 = RSV1, 0b010 = RSV2, 0b001 = RSV3.
    static func frame(_ opcode: UInt8, _ payload: [UInt8], fin: Bool = true, rsv: UInt8 = 0, mask: [UInt8]? = nil) -> [UInt8] {
        var bytes: [UInt8] = [(fin ? 0x80 : 0) | rsv << 4 | opcode]
        let maskBit: UInt8 = mask == nil ? 0 : 0x80
        switch payload.count {
        case ..<126: bytes.append(maskBit | UInt8(payload.count))
        case ..<65536: bytes += [maskBit | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        default: bytes.append(maskBit | 127); bytes += (0..<8).reversed().map { UInt8(truncatingIfNeeded: payload.count >> ($0 * 8)) }
        }
        if let mask {
            bytes += mask
            bytes += payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
        } else {
            bytes += payload
        }
        return bytes
    }

    static func text(_ s: String, fin: Bool = true) -> [UInt8] { frame(0x1, Array(s.utf8), fin: fin) }

    struct Result {
        var messages: [(bytes: [UInt8], isBinary: Bool)] = []
        var actions: [WebSocketFrameReader.Action] = []
        var waiting = 0
        var texts: [String] { messages.map { String(decoding: $0.bytes, as: UTF8.self) } }
    }

    /// Feeds `stream` in bursts of `burst` bytes (0: all at once), acting as the handler does.
    static func read(_ stream: [UInt8], burst: Int = 0, limit: Int = 1 << 20, inflater: MessageInflating? = nil) -> Result {
        var reader = WebSocketFrameReader(maxFrameBytes: limit, maxMessageBytes: limit, flushBytes: 1 << 16, inflater: inflater)
        var batch = MessageBatch(transport: .websocket)
        var result = Result()
        func flush() {
            let out = reader.takeFinished(&batch)
            for f in out.messages { result.messages.append((Array(out.bytes[f.offset..<f.offset + f.length]), f.isBinary)) }
        }
        var i = 0
        repeat {
            let end = burst == 0 ? stream.count : min(stream.count, i + burst)
            reader.receive(ByteBuffer(bytes: stream[i..<end]))
            i = end
            while let action = reader.next(into: &batch) {
                switch action {
                case .flush: flush()
                case .fail, .peerClosed, .framingFailed: _ = reader.sendingClose(); result.actions.append(action)
                default: result.actions.append(action)
                }
            }
            flush()
        } while i < stream.count
        result.waiting = reader.bytesWaiting
        return result
    }

    static func closedByUs(_ code: UInt16, _ reason: String) -> WebSocketFrameReader.Action {
        .fail(.closedByUs(code: Int(code), reason: reason), closeCode: code)
    }

    @Test(.offPool, arguments: [0, 125, 126, 65535, 65536, 200_000], [0, 1, 7, 1000])
    func lengthsOfEveryEncoding(length: Int, burst: Int) {
        let payload = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let result = Self.read(Self.frame(0x2, payload) + Self.text("after"), burst: burst)
        #expect(result.actions.isEmpty)
        #expect(result.messages.count == 2)
        #expect(result.messages.first?.bytes == payload)
        #expect(result.messages.first?.isBinary == true)
        #expect(result.texts.last == "after")
        #expect(result.waiting == 0)
    }

    @Test(arguments: [0, 1, 3])
    func fragmentsWithAPingBetween(burst: Int) {
        let stream = Self.text("Hel", fin: false) + Self.frame(0x9, Array("p".utf8)) + Self.frame(0x0, Array("lo".utf8))
            + Self.frame(0xA, [])
        let result = Self.read(stream, burst: burst)
        #expect(result.texts == ["Hello"])
        #expect(result.actions == [.pong(ByteBuffer(string: "p"))])
    }

    @Test(arguments: [UInt8(0x3), 0x7, 0xB, 0xF])
    func reservedOpcodes(opcode: UInt8) {
        let result = Self.read(Self.text("a") + Self.frame(opcode, []) + Self.text("dropped"))
        #expect(result.texts == ["a"])
        #expect(result.actions == [Self.closedByUs(1002, "the server sent a frame with the reserved opcode 0x\(String(opcode, radix: 16))")])
    }

    @Test func reservedBits() {
        #expect(Self.read(Self.frame(0x1, [0x61], rsv: 0b010)).actions
                == [Self.closedByUs(1002, "the server set reserved bits RSV2/RSV3 with no extension agreed")])
        #expect(Self.read(Self.frame(0x1, [0x61], rsv: 0b100)).actions
                == [Self.closedByUs(1002, "the server set reserved bit RSV1 with no extension agreed")])
        // With permessage-deflate, RSV1 belongs on a message's first frame only.
        let inflater = try? MessageInflater(PerMessageDeflate())
        let continued = Self.text("a", fin: false) + Self.frame(0x0, [0x62], rsv: 0b100)
        #expect(Self.read(continued, inflater: inflater).actions
                == [Self.closedByUs(1002, "the server set RSV1 on a frame that does not start a message")])
    }

    @Test func maskedServerFrame() {
        let result = Self.read(Self.frame(0x1, Array("hi".utf8), mask: [1, 2, 3, 4]))
        #expect(result.messages.isEmpty)
        #expect(result.actions == [Self.closedByUs(1002, "the server sent a masked frame")])
    }

    @Test(arguments: [0, 1])
    func invalidUTF8InAFragmentFailsBeforeTheMessageEnds(burst: Int) {
        // The second fragment cannot be UTF-8; the last one never comes.
        let result = Self.read(Self.text("a", fin: false) + Self.frame(0x0, [0xC3, 0x28], fin: false), burst: burst)
        #expect(result.messages.isEmpty)
        #expect(result.actions == [Self.closedByUs(1007, "the server sent a text message that is not UTF-8")])
    }

    @Test func invalidUTF8FailsBeforeItsFrameIsWhole() {
        // A 100-byte text frame of which 10 bytes came, one of them 0xFF (Autobahn 6.4.3/6.4.4).
        let frame = Self.frame(0x1, Array("abcdefgh".utf8) + [0xFF] + Array(repeating: 0x61, count: 91))
        let result = Self.read(Array(frame.prefix(4 + 10)), burst: 3)
        #expect(result.actions == [Self.closedByUs(1007, "the server sent a text message that is not UTF-8")])
        #expect(result.waiting > 0)
        // A character split by the burst is not a failure.
        let euro = Self.frame(0x1, Array("x€€€".utf8))
        #expect(Self.read(euro, burst: 1).texts == ["x€€€"])
    }

    @Test func closeCodes() {
        #expect(Self.read(Self.frame(0x8, [0x03, 0xE8] + Array("bye".utf8))).actions == [.peerClosed(code: 1000, reason: "bye")])
        #expect(Self.read(Self.frame(0x8, [])).actions == [.peerClosed(code: nil, reason: "")])
        #expect(Self.read(Self.frame(0x8, [0x03, 0xE7])).actions == [Self.closedByUs(1002, "the server closed with invalid close code 999")])
        #expect(Self.read(Self.frame(0x8, [0x03])).actions == [Self.closedByUs(1002, "the server sent a close frame with a 1-byte payload")])
        #expect(Self.read(Self.frame(0x8, [0x03, 0xE8, 0xFF])).actions
                == [Self.closedByUs(1007, "the server's close reason is not UTF-8")])
        // Nothing after the close counts.
        let after = Self.read(Self.frame(0x8, [0x0B, 0xB8]) + Self.text("late") + Self.frame(0x9, []))
        #expect(after.actions == [.peerClosed(code: 3000, reason: "")])
        #expect(after.messages.isEmpty)
    }

    @Test func framingErrorsFailAsSoonAsTheHeaderIsIn() {
        // A 16-bit length over a 1000-byte limit: 4 bytes are enough to know.
        let long = Self.read([0x82, 126, 0x10, 0x00], limit: 1000)
        #expect(long.actions == [.framingFailed(.messageTooLarge(limit: 1000), closeCode: 1009)])
        #expect(Self.read(Self.frame(0x9, [], fin: false)).actions
                == [.framingFailed(.closedByUs(code: 1002, reason: "the server sent a fragmented control frame"), closeCode: 1002)])
        #expect(Self.read([0x89, 126, 0x00, 0x7E]).actions
                == [.framingFailed(.closedByUs(code: 1002, reason: "the server sent a control frame longer than 125 bytes"),
                                   closeCode: 1002)])
        // A 64-bit length above Int.max.
        #expect(Self.read([0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 0]).actions
                == [.framingFailed(.messageTooLarge(limit: 1 << 20), closeCode: 1009)])
        // Bytes after broken framing are not read: the connection closes.
        let then = Self.read([0x82, 126, 0x10, 0x00] + Self.text("never"), burst: 4, limit: 1000)
        #expect(then.actions.dropFirst().allSatisfy { $0 == .closeConnection })
        #expect(then.messages.isEmpty)
    }

    @Test func messageOverTheLimitAcrossFragments() {
        let stream = Self.frame(0x2, Array(repeating: 1, count: 600), fin: false) + Self.frame(0x0, Array(repeating: 2, count: 600))
        let result = Self.read(stream, burst: 100, limit: 1000)
        #expect(result.messages.isEmpty)
        #expect(result.actions == [.fail(.messageTooLarge(limit: 1000), closeCode: 1009)])
    }

    @Test func fragmentsOutOfOrder() {
        #expect(Self.read(Self.frame(0x0, [0x61])).actions
                == [Self.closedByUs(1002, "the server sent a continuation frame with no message started")])
        #expect(Self.read(Self.text("a", fin: false) + Self.text("b")).actions
                == [Self.closedByUs(1002, "the server started a message before the last one ended")])
    }
}
