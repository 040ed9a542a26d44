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
    var endNotice: String? { "end of recording, q quits" }
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
    /// Lines skipped because they were not recorded events.
    private(set) var skipped = 0

    init?(path: String, speed: Double) {
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        self.path = path
        // Room for the largest message a recording holds (16 MiB by default) written as escaped
        // text or base64, with its line's other fields.
        reader = LineReader(fd: fd, maxLine: 128 << 20)
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

    /// What the next recorded event means for the batch being built.
    private enum Step {
        /// A message went into the batch.
        case added
        /// A line that was not an event (already warned about), or more was read: go on.
        case skipped
        /// This event cannot join the batch: the batch goes out first.
        case flush(Entry)
        /// A state change, with no batch pending.
        case state(LinkState)
        /// Not due yet.
        case wait(Entry, until: ContinuousClock.Instant)
        case end
    }

    private func next() async -> LinkEvent? {
        var batch: FrameBatch?
        loop: while !isStopped {
            let step: Step
            if let entry = lookahead {
                lookahead = nil
                step = place(entry, into: &batch)
            } else {
                step = readStep(into: &batch)
            }
            switch step {
            case .added, .skipped:
                continue
            case .end:
                break loop
            case .flush(let entry):
                lookahead = entry
                break loop
            case .state(let state):
                return .state(state, at: stamp())
            case .wait(let entry, let until):
                lookahead = entry
                if batch != nil { break loop }  // hand out what is ready first
                await pause(until: until)
            }
        }
        guard var batch, !isStopped else { return nil }
        batch.receivedAt = stamp()
        return .messages(batch)
    }

    /// The time an event is handed out at; the first one starts the replay's clock.
    private func stamp() -> Int64 {
        if start == nil { start = clock.now }
        return Link.wallClock()
    }

    /// When the event recorded at `time` is due, if that is still ahead.
    private func notDue(_ time: Int64) -> ContinuousClock.Instant? {
        guard pacer.speed > 0 else { return nil }
        let offset = pacer.due(time)
        // The replay's clock starts when its first event is handed out (see `stamp`), so every
        // later event comes out at least its recorded distance from the first, divided by speed.
        guard let start else { return offset == .zero ? nil : clock.now + offset }
        let due = start + offset
        return clock.now < due ? due : nil
    }

    private func fits(_ transport: Transport, _ batch: FrameBatch?) -> Bool {
        batch.map { $0.transport == transport && $0.count < batchLimit } ?? true
    }

    /// An event read earlier (it owns its bytes).
    private func place(_ entry: Entry, into batch: inout FrameBatch?) -> Step {
        if let until = notDue(entry.time) { return .wait(entry, until: until) }
        switch entry {
        case .state(let state, _):
            return batch == nil ? .state(state) : .flush(entry)
        case .message(_, let transport, let payload, let isBinary):
            guard fits(transport, batch) else { return .flush(entry) }
            if batch == nil { batch = FrameBatch(transport: transport) }
            batch!.append(payload, isBinary: isBinary)
            return .added
        }
    }

    /// Reads the next line. A message that is due and fits goes into the batch straight from the
    /// read buffer (no copy of its own); anything else becomes an `Entry`.
    private func readStep(into batch: inout FrameBatch?) -> Step {
        let skippedBefore = reader.skippedLines
        var invalid: String?
        let step = reader.nextLine { line -> Step in
            if line.isEmpty { return .skipped }
            switch parser.parse(line) {
            case .message(let time, let transport, let payload, let isBinary):
                if notDue(time) == nil, fits(transport, batch), case .slice(let range) = payload {
                    if batch == nil { batch = FrameBatch(transport: transport) }
                    batch!.append(UnsafeBufferPointer(rebasing: line[range]), isBinary: isBinary)
                    return .added
                }
                let entry = Entry.message(time: time, transport: transport, payload: RecordingParser.bytes(payload, in: line),
                                          isBinary: isBinary)
                return place(entry, into: &batch)
            case .state(let state, let time):
                return place(.state(state, time: time), into: &batch)
            case .invalid(let why):
                invalid = why
                return .skipped
            }
        }
        if let invalid {
            // Warned here, not in the closure: the reader is busy there (exclusive access).
            skipped += 1
            if skipped <= 10 { Diagnostics.warn("\(path):\(reader.lineNumber): skipped: \(invalid)") }
        }
        if reader.skippedLines > skippedBefore {
            skipped += reader.skippedLines - skippedBefore
            Diagnostics.warn("\(path):\(reader.lineNumber): skipped: a line longer than \(reader.maxLine >> 20) MiB")
        }
        if let step { return step }
        // Nothing complete in the buffer: read more, or the recording has ended.
        if reader.atEnd { return .end }
        if !reader.fill() && reader.readError != 0 {
            Diagnostics.warn("\(path): read failed (\(String(cString: strerror(reader.readError)))); replay ends here")
        }
        return .skipped
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
