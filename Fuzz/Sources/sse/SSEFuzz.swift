import FuzzDriver
@testable import LinkWire

/// The `text/event-stream` parser, fed the input whole and again cut into chunks at every
/// position the input's first byte picks: both must dispatch the same events (a CR at the end of
/// one chunk and an LF at the start of the next are one line end).
@main
enum SSEFuzz {
    static func main() {
        FuzzDriver.run { data, count in
            let input = FuzzDriver.bytes(data, count)
            let whole = SSEFuzz.events(input, chunk: max(1, input.count))
            let step = Int(input.first ?? 1) % 7 + 1
            let chunked = SSEFuzz.events(input, chunk: step)
            guard whole.events == chunked.events, whole.retry == chunked.retry, whole.lastEventID == chunked.lastEventID else {
                fatalError("chunks of \(step) bytes parse differently from the whole stream")
            }
            return 0
        }
    }

    static func events(_ input: UnsafeBufferPointer<UInt8>, chunk: Int) -> (events: [ServerSentEvents.Event], retry: Int?, lastEventID: String) {
        var parser = ServerSentEvents(maxLineBytes: 64)
        var events: [ServerSentEvents.Event] = []
        var i = 0
        while i < input.count {
            let end = min(input.count, i + chunk)
            parser.feed(UnsafeBufferPointer(rebasing: input[i..<end])) { events.append($0) }
            i = end
        }
        parser.finish()
        return (events, parser.retry, parser.lastEventID)
    }
}
