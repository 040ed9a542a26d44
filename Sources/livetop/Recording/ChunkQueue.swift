/// The bounded queue between a reader thread and the one task that consumes what it read (a
/// replay's parsed bursts), as a state machine: each input says what the caller must do (resume
/// the parked consumer, wake the reader); the caller holds the lock and does the waking. The
/// reader waits while `isFull`, so a slow consumer slows the reading instead of growing the queue.
struct ChunkQueue<Chunk, Waiter> {
    let limit: Int
    private var chunks: [Chunk] = []
    private var head = 0
    /// The consumer, parked until a chunk comes or the queue ends.
    private var waiter: Waiter?
    private var finished = false
    private var stopped = false

    init(limit: Int) { self.limit = max(1, limit) }

    private var queued: Int { chunks.count - head }

    /// The reader must wait before it puts another chunk.
    var isFull: Bool { !stopped && queued >= limit }

    /// Queues a chunk; when the consumer is parked, it is returned instead: resume it with the chunk.
    mutating func put(_ chunk: Chunk) -> Waiter? {
        guard !stopped, !finished else { return nil }
        if let parked = waiter {
            waiter = nil
            return parked
        }
        chunks.append(chunk)
        return nil
    }

    enum Take {
        /// The oldest chunk; `hadNoRoom`: the reader may be waiting, wake it.
        case chunk(Chunk, hadNoRoom: Bool)
        /// Nothing more will come.
        case ended
        /// Nothing yet: the waiter is kept until `put`, `finish` or `stop` returns it.
        case parked
    }

    mutating func take(orPark consumer: Waiter) -> Take {
        if stopped { return .ended }
        if queued > 0 {
            let wasFull = queued >= limit
            let chunk = chunks[head]
            head += 1
            if head == chunks.count {
                chunks.removeAll(keepingCapacity: true)
                head = 0
            } else if head >= 64 && head * 2 >= chunks.count {
                chunks.removeFirst(head)
                head = 0
            }
            return .chunk(chunk, hadNoRoom: wasFull)
        }
        if finished { return .ended }
        waiter = consumer
        return .parked
    }

    /// The reader reached the end: what is queued is still taken. Returns the parked consumer, to
    /// resume with the end.
    mutating func finish() -> Waiter? {
        finished = true
        // Parked only on an empty queue: `put` hands a chunk straight to a parked consumer.
        defer { waiter = nil }
        return waiter
    }

    /// The consumer stopped: everything queued is dropped. Returns the parked consumer, to resume
    /// with the end.
    mutating func stop() -> Waiter? {
        stopped = true
        chunks.removeAll()
        head = 0
        defer { waiter = nil }
        return waiter
    }
}
