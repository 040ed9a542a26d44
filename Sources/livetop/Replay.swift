import Foundation
import LiveModel
import PushLink

#if canImport(Glibc)
import Glibc
#endif

/// A recording played back as a feed: the JSON lines `--record` (or `--headless`) writes, read in
/// blocks and handed out as the same `LinkEvent`s a live link produces — message batches of up to
/// `batchLimit` and state changes — so they go through the same fold, screen and JSON writer.
/// Times are replay times: each event gets the wall-clock time it is played at, paced by the
/// recorded times divided by `speed` (0: as fast as the consumer takes them).
///
/// The events are pulled: the consumer's `next()` reads and parses, so a slow consumer is never
/// flooded. Lines that are not a recorded event are skipped with one warning each (by number).
final class Replay: FeedSource, @unchecked Sendable {
    struct Events: AsyncSequence, Sendable {
        typealias Element = LinkEvent
        typealias Failure = Never
        let replay: Replay
        func makeAsyncIterator() -> Iterator { Iterator(replay: replay) }
    }

    struct Iterator: AsyncIteratorProtocol {
        typealias Element = LinkEvent
        typealias Failure = Never
        let replay: Replay
        mutating func next() async -> LinkEvent? { await replay.next() }
    }

    /// One line of a recording.
    enum Entry: Equatable {
        case message(time: Int64, transport: Transport, payload: [UInt8], isBinary: Bool)
        case state(LinkState, time: Int64)
    }

    var events: Events { Events(replay: self) }
    var holdsScreenAtEnd: Bool { true }
    let batchLimit = 4096

    private let fd: CInt
    private let path: String
    private let lock = NSLock()
    private var stopped = false
    private var sleeper: Task<Void, Never>?
    // Read only by the one consumer pulling `events`.
    private var reader: LineReader
    private var parser = RecordingParser()
    private var pacer: ReplayPacer
    private let clock = ContinuousClock()
    private var start: ContinuousClock.Instant?
    private var lookahead: Entry?
    private var lineNumber = 0
    /// Lines skipped because they were not recorded events.
    private(set) var skipped = 0

    init?(path: String, speed: Double) {
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        self.path = path
        reader = LineReader(fd: fd)
        pacer = ReplayPacer(speed: speed)
    }

    deinit { close(fd) }

    func run() async -> Bool { true }
    func reconnectNow() {}

    func stop() {
        lock.withLock {
            stopped = true
            return sleeper
        }?.cancel()
    }

    private var isStopped: Bool { lock.withLock { stopped } }

    private func next() async -> LinkEvent? {
        if start == nil { start = clock.now }
        var batch: FrameBatch?
        while !isStopped {
            guard let entry = lookahead ?? readEntry() else { break }
            lookahead = nil
            let due = pacer.due(entry.time)
            if let start, clock.now < start + due {
                // Not due yet: hand out what is ready first, then wait.
                if batch != nil {
                    lookahead = entry
                    break
                }
                await pause(until: start + due)
                if isStopped { return nil }
            }
            switch entry {
            case .state(let state, _):
                if batch != nil {
                    lookahead = entry
                    break
                }
                return .state(state, at: Link.wallClock())
            case .message(_, let transport, let payload, let isBinary):
                if let b = batch, b.transport != transport || b.count >= batchLimit {
                    lookahead = entry
                    break
                }
                if batch == nil { batch = FrameBatch(transport: transport) }
                batch!.append(payload, isBinary: isBinary)
                continue
            }
            break
        }
        guard var batch, !isStopped else { return nil }
        batch.receivedAt = Link.wallClock()
        return .messages(batch)
    }

    /// The next line that is a recorded event; nil at the end of the file.
    private func readEntry() -> Entry? {
        while true {
            let parsed: RecordingParser.Outcome?? = reader.nextLine { line in
                line.isEmpty ? nil : parser.parse(line)
            }
            switch parsed {
            case .none:  // nothing complete in the buffer
                if reader.atEnd { return nil }
                if !reader.fill() && reader.readError != 0 {
                    Diagnostics.warn("\(path): read failed (\(String(cString: strerror(reader.readError)))); replay ends here")
                }
            case .some(.none):  // an empty line
                lineNumber += 1
            case .some(.some(.entry(let entry))):
                lineNumber += 1
                return entry
            case .some(.some(.invalid(let why))):
                lineNumber += 1
                skipped += 1
                if skipped <= 10 { Diagnostics.warn("\(path):\(lineNumber): skipped: \(why)") }
            }
        }
    }

    /// Sleeps until `deadline`, or until `stop()`.
    private func pause(until deadline: ContinuousClock.Instant) async {
        let task = Task { _ = try? await Task.sleep(until: deadline, clock: .continuous) }
        let cancelNow = lock.withLock {
            sleeper = task
            return stopped
        }
        if cancelNow { task.cancel() }
        await task.value
        lock.withLock { sleeper = nil }
    }
}

extension Replay.Entry {
    var time: Int64 {
        switch self {
        case .message(let time, _, _, _), .state(_, let time): return time
        }
    }
}
