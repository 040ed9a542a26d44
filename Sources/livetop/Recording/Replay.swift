import Foundation
import LiveModel
import JSONLines
import PushLink

#if canImport(Glibc)
import Glibc
#endif

/// A recording played back as a feed: the JSON lines `--record` (or `--headless`) writes, read in
/// blocks and handed out as the same `LinkEvent`s a live link produces — message batches of up to
/// `batchLimit` and state changes — so they go through the same fold, screen and JSON writer.
/// Times are replay times: each event gets the wall-clock time it is played at, paced by the
/// recorded times divided by `speed`. At `speed` 0 (as fast as the consumer takes them) there is
/// no pace to relate the wall clock to, so each event keeps its recorded time, and a batch spans
/// at most `timeSlice` of the recording: a chart of a replayed hour shows the hour, not one
/// column of the second it took to play (`timesAreRecorded`).
///
/// As a live link's event loop does, a thread of its own reads and parses the file, a burst at a
/// time: the lines of one read become batches (handed on at `batchBytes`, as a WebSocket burst
/// is), which cross to the consumer through a `ChunkQueue` of at most `queueLimit` chunks, one hop
/// per chunk; when the consumer is behind, the reader waits. The consumer paces what it takes.
/// Lines that are not a recorded event are skipped with one warning each (by number).
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

    /// What the reader hands over: batches with each message's recorded time, and state changes.
    enum Item {
        /// `recorded`: each message's recorded time, for pacing; empty at speed 0.
        case messages(MessageBatch, recorded: [Int64])
        case state(LinkState, time: Int64)
    }

    var events: Events { Events(replay: self) }
    var endNotice: String? { "end of recording, q quits" }
    let batchLimit = 4096
    /// A batch is handed on once it holds this many bytes, as a WebSocket burst is
    /// (docs/architecture.md, "The message path").
    let batchBytes = 60 << 10
    /// Chunks read ahead before the reader waits for the consumer (about 1 MiB).
    let queueLimit = 16
    /// At speed 0, the recorded time one batch spans at most (its messages share one time, the
    /// last one's): finer than a chart's column, and a fast recording still fills whole batches.
    let timeSlice: Int64 = 100_000_000
    /// At speed 0 events carry their recorded times, and the dashboard's clock follows them.
    var timesAreRecorded: Bool { speed == 0 }

    private let fd: CInt
    private let path: String
    /// The pacer's speed, for the reader thread (the pacer itself is the consumer's).
    private let speed: Double
    /// Guards `queue`, `stopped`, `sleeper`, `started` and `skippedLines`; the reader waits on it for room.
    private let condition = NSCondition()
    private var queue: ChunkQueue<[Item], CheckedContinuation<[Item]?, Never>>
    private var stopped = false
    private var started = false
    private var sleeper: Task<Void, Never>?
    private var skippedLines = 0
    // Read only by the one consumer pulling `events`.
    private var pacer: ReplayPacer
    private let clock = ContinuousClock()
    private var start: ContinuousClock.Instant?
    private var taken: [Item] = []
    private var nextTaken = 0
    /// An item put back because it was not due, with the index of its first message not yet handed out.
    private var lookahead: (item: Item, from: Int)?

    /// Lines skipped because they were not recorded events.
    var skipped: Int { condition.withLock { skippedLines } }

    init?(path: String, speed: Double) {
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        self.path = path
        self.speed = speed
        pacer = ReplayPacer(speed: speed)
        queue = ChunkQueue(limit: queueLimit)
    }

    deinit { close(fd) }

    func run() async -> Bool { true }
    func reconnectNow() {}

    func stop() {
        let (waiter, sleeper) = condition.withLock { () -> (CheckedContinuation<[Item]?, Never>?, Task<Void, Never>?) in
            stopped = true
            condition.broadcast()
            return (queue.stop(), self.sleeper)
        }
        waiter?.resume(returning: nil)
        sleeper?.cancel()
    }

    private var isStopped: Bool { condition.withLock { stopped } }

    // MARK: The consumer

    private func next() async -> LinkEvent? {
        while !isStopped {
            let (item, from): (Item, Int)
            if let held = lookahead {
                lookahead = nil
                (item, from) = held
            } else if let fresh = await nextItem() {
                (item, from) = (fresh, 0)
            } else {
                return nil
            }
            switch item {
            case .state(let state, let time):
                if let until = notDue(time) {
                    lookahead = (item, 0)
                    await pause(until: until)
                    continue
                }
                return .state(state, at: timesAreRecorded ? time : stamp())
            case .messages(var batch, let recorded):
                var due = pacer.speed > 0 ? from : batch.count
                while due < batch.count, notDue(recorded[due]) == nil { due += 1 }
                if due == from {
                    lookahead = (item, from)
                    if let until = notDue(recorded[from]) { await pause(until: until) }
                    continue
                }
                if from > 0 || due < batch.count {
                    // Paced: only the messages due now go out (not the hot path: speed 0 takes it whole).
                    if due < batch.count { lookahead = (item, due) }
                    var part = MessageBatch(transport: batch.transport)
                    batch.bytes.withUnsafeBufferPointer { all in
                        for frame in batch.messages[from..<due] {
                            part.append(UnsafeBufferPointer(rebasing: all[frame.offset..<(frame.offset + frame.length)]),
                                        isBinary: frame.isBinary)
                        }
                    }
                    batch = part
                }
                guard !isStopped else { return nil }
                if !timesAreRecorded { batch.receivedAt = stamp() }  // else the reader set the recorded time
                return .messages(batch)
            }
        }
        return nil
    }

    /// The next item the reader parsed: from the chunk taken last, else the next chunk (one hop).
    private func nextItem() async -> Item? {
        if nextTaken < taken.count {
            nextTaken += 1
            return taken[nextTaken - 1]
        }
        taken = []
        nextTaken = 0
        guard let chunk = await take(), !chunk.isEmpty else { return nil }
        taken = chunk
        nextTaken = 1
        return chunk[0]
    }

    private func take() async -> [Item]? {
        let startReader = condition.withLock { () -> Bool in
            defer { started = true }
            return !started
        }
        if startReader { startReading() }
        return await withCheckedContinuation { (waiter: CheckedContinuation<[Item]?, Never>) in
            let taken = condition.withLock { () -> ChunkQueue<[Item], CheckedContinuation<[Item]?, Never>>.Take in
                let taken = queue.take(orPark: waiter)
                if case .chunk(_, let hadNoRoom) = taken, hadNoRoom { condition.broadcast() }
                return taken
            }
            switch taken {
            case .chunk(let chunk, _): waiter.resume(returning: chunk)
            case .ended: waiter.resume(returning: nil)
            case .parked: break
            }
        }
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

    /// Sleeps until `deadline`, or until `stop()`.
    private func pause(until deadline: ContinuousClock.Instant) async {
        let task = Task { _ = try? await Task.sleep(until: deadline, clock: .continuous) }
        let cancelNow = condition.withLock {
            sleeper = task
            return stopped
        }
        if cancelNow { task.cancel() }
        await task.value
        condition.withLock { sleeper = nil }
    }

    // MARK: The reader thread

    private func startReading() {
        let thread = Thread { [self] in read() }
        thread.name = "livetop replay"
        thread.start()
    }

    /// Reads the file to its end (or until `stop()`), handing over what each read brought.
    private func read() {
        // Room for the largest message a recording holds (16 MiB by default) written as escaped
        // text or base64, with its line's other fields.
        var reader = LineReader(fd: fd, maxLine: 128 << 20)
        var parser = RecordingParser()
        var chunk: [Item] = []
        var batch: MessageBatch?
        var recorded: [Int64] = []
        /// At speed 0, the recorded time of the open batch's first message.
        var sliceStart: Int64 = 0
        let paced = speed > 0

        func closeBatch() {
            guard let full = batch else { return }
            chunk.append(.messages(full, recorded: recorded))
            batch = nil
            recorded = []
        }
        /// False once the replay was stopped.
        func handOver() -> Bool {
            closeBatch()
            guard !chunk.isEmpty else { return !isStopped }
            defer { chunk = [] }
            return put(chunk)
        }

        while true {
            let skippedBefore = reader.skippedLines
            var invalid: String?
            let full = reader.nextLine { line -> Bool in
                if line.isEmpty { return false }
                switch parser.parse(line) {
                case .message(let time, let transport, let payload, let isBinary):
                    if let open = batch, open.transport != transport || open.count >= batchLimit
                        || (!paced && time - sliceStart >= timeSlice) { closeBatch() }
                    if batch == nil {
                        sliceStart = time
                        batch = MessageBatch(transport: transport)
                        // Room for the burst and its last line, so the bytes are not grown twice their size.
                        batch!.bytes.reserveCapacity(batchBytes + 4096)
                    }
                    switch payload {
                    case .slice(let range): batch!.append(UnsafeBufferPointer(rebasing: line[range]), isBinary: isBinary)
                    case .owned(let bytes): batch!.append(bytes, isBinary: isBinary)
                    }
                    // At speed 0 nothing waits for its time: the batch carries its last one.
                    if paced { recorded.append(time) } else { batch!.receivedAt = time }
                    return batch!.bytes.count >= batchBytes
                case .state(let state, let time):
                    closeBatch()
                    chunk.append(.state(state, time: time))
                    return false
                case .invalid(let why):
                    invalid = why
                    return false
                }
            }
            if let invalid {
                // Warned here, not in the closure: the reader is busy there (exclusive access).
                let count = condition.withLock { () -> Int in
                    skippedLines += 1
                    return skippedLines
                }
                if count <= 10 { Diagnostics.warn("\(path):\(reader.lineNumber): skipped: \(invalid)") }
            }
            if reader.skippedLines > skippedBefore {
                condition.withLock { skippedLines += reader.skippedLines - skippedBefore }
                Diagnostics.warn("\(path):\(reader.lineNumber): skipped: a line longer than \(reader.maxLine >> 20) MiB")
            }
            if let full {
                if full, !handOver() { return }
                continue
            }
            // Nothing complete in the buffer: hand over what this read brought, then read more.
            guard handOver() else { return }
            if reader.atEnd { break }
            if !reader.fill() && reader.readError != 0 {
                Diagnostics.warn("\(path): read failed (\(String(cString: strerror(reader.readError)))); replay ends here")
            }
        }
        let waiter = condition.withLock { queue.finish() }
        waiter?.resume(returning: nil)
    }

    /// Queues a chunk, waiting while the queue is full; false once the replay was stopped.
    private func put(_ chunk: [Item]) -> Bool {
        condition.lock()
        while queue.isFull && !stopped { condition.wait() }
        guard !stopped else {
            condition.unlock()
            return false
        }
        let waiter = queue.put(chunk)
        condition.unlock()
        waiter?.resume(returning: chunk)
        return true
    }
}
