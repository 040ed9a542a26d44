import FeedServe
import NIOCore
import NIOWebSocket

/// What a test's session sends to show how the client copes: any text, binary, fragmented
/// message, ping or close code, frame by frame. The reference server itself (`livetop demo`,
/// `serve`) only sends what its `FeedBuffer` keeps; this is for the tests alone.
extension FeedSession {
    public func send(text: String) async throws {
        try await write([WebSocketFrame(fin: true, opcode: .text, data: allocator.buffer(string: text))])
    }

    public func send(binary: [UInt8]) async throws {
        try await write([WebSocketFrame(fin: true, opcode: .binary, data: allocator.buffer(bytes: binary))])
    }

    /// Sends many text messages with one write (as fast as the socket takes them).
    public func send(texts: [String]) async throws {
        try await write(texts.map { WebSocketFrame(fin: true, opcode: .text, data: allocator.buffer(string: $0)) })
    }

    /// Sends one message split over several frames (a first frame and continuations), one write each.
    public func send(fragments: [String], binary: Bool = false) async throws {
        for (i, part) in fragments.enumerated() {
            let opcode: WebSocketOpcode = i == 0 ? (binary ? .binary : .text) : .continuation
            try await write([WebSocketFrame(fin: i == fragments.count - 1, opcode: opcode, data: allocator.buffer(string: part))])
        }
    }

    public func ping(_ payload: String = "ping") async throws {
        try await write([WebSocketFrame(fin: true, opcode: .ping, data: allocator.buffer(string: payload))])
    }

    /// Sends a close frame; the connection ends when the client answers.
    public func close(code: UInt16, reason: String = "") async throws {
        var data = allocator.buffer(capacity: 2 + reason.utf8.count)
        data.writeInteger(code)
        data.writeString(reason)
        try await write([WebSocketFrame(fin: true, opcode: .connectionClose, data: data)])
    }
}
