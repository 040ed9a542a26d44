import LiveModel
import NIOCore

/// Reads a pipe (a command's stdout or stderr, livetop's stdin) on the event loop and hands each
/// read burst's lines to the link as one batch, the way `WebSocketFeedHandler` hands on frames.
/// Backpressure comes from the `ReadGateHandler` before it: a slow consumer stops the reads, the
/// pipe fills, and the writer blocks; nothing is dropped.
final class LineFeedHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    enum Mode {
        /// Each line a message.
        case lines
        /// Each line a `note` state (a command's stderr: what it says about itself).
        case notes
        /// The whole input one message, at its end (a sampled run's stdout, `--every`).
        case document
    }

    private let mode: Mode
    private var document: [UInt8] = []
    private var documentTooLarge = false
    private var lines: LineMessages
    private var batch: MessageBatch
    private let transport: Transport
    private let sink: EventSink
    private let wallClock: @Sendable () -> Int64
    /// Succeeds when the input has ended and every line of it was handed on.
    let drained: EventLoopPromise<Void>

    init(_ mode: Mode, transport: Transport, lines: LineMessages, sink: EventSink, drained: EventLoopPromise<Void>,
         wallClock: @escaping @Sendable () -> Int64) {
        self.mode = mode
        self.transport = transport
        self.lines = lines
        self.sink = sink
        self.drained = drained
        self.wallClock = wallClock
        batch = MessageBatch(transport: transport)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        guard mode == .document else {
            buffer.withUnsafeReadableBytes { lines.feed($0, into: &batch) }
            return
        }
        if document.count + buffer.readableBytes > lines.limit {
            documentTooLarge = true
            document = []
        } else if !documentTooLarge {
            document.append(contentsOf: buffer.readableBytesView)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        flush()
        context.fireChannelReadComplete()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            end()
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        end()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        end()
        context.close(promise: nil)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        drained.succeed()
    }

    private func end() {
        switch mode {
        case .lines, .notes:
            lines.finish(into: &batch)
        case .document:
            if documentTooLarge {
                sink.yield(.state(.note(transport: transport, text: "a run's output was larger than \(lines.limit) bytes (--max-message); left out"),
                                  at: wallClock()))
            } else if !document.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
                lines.document(document, into: &batch)
            }
            document = []
            documentTooLarge = false
        }
        flush()
        drained.succeed()
    }

    private func flush() {
        var events: [LinkEvent] = []
        if !batch.isEmpty {
            switch mode {
            case .lines, .document:
                batch.receivedAt = wallClock()
                events.append(.messages(batch))
            case .notes:
                let now = wallClock()
                for frame in batch.messages {
                    let text = String(decoding: batch.bytes[frame.offset..<frame.offset + frame.length], as: UTF8.self)
                    events.append(.state(.note(transport: transport, text: text), at: now))
                }
            }
            batch = MessageBatch(transport: transport)
        }
        if let note = lines.takeNotes() { events.append(.state(.note(transport: transport, text: note), at: wallClock())) }
        if !events.isEmpty { sink.yield(events) }
    }
}

@available(*, unavailable)
extension LineFeedHandler: Sendable {}
