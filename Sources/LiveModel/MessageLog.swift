/// One message as the log keeps it.
public struct LogEntry: Hashable, Sendable {
    public enum Content: Hashable, Sendable {
        /// JSON text as received (cut at `maxEntryBytes`).
        case json(String)
        /// A text message that is not JSON, with the reason it was not read as JSON.
        case text(String, reason: String)
        /// A binary message: its size and its first bytes in hex.
        case binary(size: Int, hexPrefix: String)
    }

    /// The message's number since the store started, from 1.
    public var seq: Int64
    public var time: Timestamp
    public var content: Content
    /// Bytes the message had; larger than what `content` shows when it was cut.
    public var size: Int
    public var isTruncated: Bool
}

/// The last `capacity` messages.
///
/// Entries do not copy their messages: each batch's byte array is kept (one reference per batch)
/// and entries point into it, so logging costs a few stores per message. A message longer than
/// `maxEntryBytes` gets a copy of its first `maxEntryBytes` instead. Each kept array counts the
/// entries pointing into it and is let go when the last of them leaves the log, so a batch that
/// held one huge message is not kept for the entries of the batches around it, and memory stays
/// within about `capacity × maxEntryBytes` plus the batches the kept short messages came in.
public struct MessageLog: Sendable {
    public let capacity: Int
    public let maxEntryBytes: Int
    private enum Kind: UInt8 { case json, text, binary }
    private struct Entry {
        var seq: Int64
        var time: Timestamp
        var kind: Kind
        var size: Int
        var source: Int64      // number of the kept byte array the entry points into
        var offset: Int
        var length: Int
    }
    private var entries: Arena<Entry>
    private var head = 0
    /// Kept byte arrays by number.
    private var sources: [Int64: [UInt8]] = [:]
    /// How many entries point into each kept array, but the current batch's (`currentReferences`
    /// until `end()`). Counting, not the order of numbers, decides when an array goes: a cut
    /// message's copy is numbered after its batch while the batch's later messages still point
    /// into the batch.
    private var references: [Int64: Int] = [:]
    private var currentReferences = 0
    /// Entries that left the log, by the array they pointed into, not yet subtracted: runs of
    /// one array are the common case, so a dictionary write per run, not per message.
    private var releasing: (source: Int64, count: Int) = (-1, 0)
    private var nextSource: Int64 = 0
    private var currentBatch: Int64 = -1
    /// Why a text message was not JSON, by seq, for the entries that have one.
    private var reasons: [Int64: String] = [:]
    /// How many messages came to the log, the ones `skip` counted included: the newest entry's seq.
    public private(set) var total: Int64 = 0

    init(capacity: Int, maxEntryBytes: Int) {
        self.capacity = max(1, capacity)
        self.maxEntryBytes = max(16, maxEntryBytes)
        entries = Arena(capacity: self.capacity)
    }

    public var count: Int { entries.count }

    /// Counts messages of the current batch that are not copied in because later ones of the same
    /// batch would push them out before it ends: `total` still counts every message.
    mutating func skip(_ count: Int) { total += Int64(count) }

    /// Called before each batch's messages are logged: keeps the batch's bytes for its entries.
    mutating func begin(batch bytes: [UInt8]) {
        Arena.prepare(&entries)
        currentBatch = nextSource
        sources[nextSource] = bytes
        nextSource += 1
    }

    /// Logs a message of the current batch at `offset` (its bytes are `bytes`).
    mutating func append(seq: Int64, time: Timestamp, offset: Int, bytes: UnsafeBufferPointer<UInt8>, isBinary: Bool,
                         isJSON: Bool, reason: String? = nil) {
        let limit = isBinary ? 16 : maxEntryBytes
        var source = currentBatch
        var start = offset
        let keep = min(bytes.count, limit)
        if bytes.count > limit {
            source = nextSource
            sources[source] = Array(UnsafeBufferPointer(rebasing: bytes[0..<keep]))
            references[source] = 1
            nextSource += 1
            start = 0
        } else {
            currentReferences += 1
        }
        let entry = Entry(seq: seq, time: time, kind: isBinary ? .binary : (isJSON ? .json : .text), size: bytes.count,
                          source: source, offset: start, length: keep)
        if entries.count < capacity {
            entries.append(entry)
            head = entries.count - 1
        } else {
            head = head + 1 == capacity ? 0 : head + 1
            if entries.base[head].kind == .text { reasons[entries.base[head].seq] = nil }
            // Never the current batch's: a batch logs at most `capacity` messages.
            release(entries.base[head].source)
            entries.base[head] = entry
        }
        if let reason { reasons[seq] = reason }
        total += 1
    }

    /// Lets go of byte arrays that no entry points into any more. Called after each batch.
    mutating func end() {
        flushReleases()
        if currentReferences > 0 {
            references[currentBatch] = currentReferences
        } else {
            sources[currentBatch] = nil  // every message of the batch was cut and copied, or none logged
        }
        currentReferences = 0
    }

    /// An entry pointing into `source` left the log.
    private mutating func release(_ source: Int64) {
        if source == releasing.source {
            releasing.count += 1
        } else {
            flushReleases()
            releasing = (source, 1)
        }
    }

    private mutating func flushReleases() {
        guard releasing.count > 0 else { return }
        let left = (references[releasing.source] ?? 0) - releasing.count
        if left > 0 {
            references[releasing.source] = left
        } else {
            references[releasing.source] = nil
            sources[releasing.source] = nil
        }
        releasing = (-1, 0)
    }

    /// The kept entries, oldest first.
    public var all: [LogEntry] { (0..<entries.count).map { entry(at: $0) } }

    /// The `i`th kept entry, oldest first.
    public func entry(at i: Int) -> LogEntry {
        let e = entries.base[entries.count < capacity ? i : (head + 1 + i) % capacity]
        let kept = sources[e.source].map { Array($0[e.offset..<(e.offset + e.length)]) } ?? []
        let content: LogEntry.Content
        switch e.kind {
        case .json: content = .json(Self.text(kept))
        case .text: content = .text(Self.text(kept), reason: reasons[e.seq] ?? "")
        case .binary: content = .binary(size: e.size, hexPrefix: kept.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined())
        }
        return LogEntry(seq: e.seq, time: e.time, content: content, size: e.size,
                        isTruncated: e.kind != .binary && kept.count < e.size)
    }

    /// Decodes kept bytes; a message cut inside a UTF-8 sequence loses only that sequence.
    private static func text(_ bytes: [UInt8]) -> String {
        var end = bytes.count
        var back = 0
        while end > 0 && back < 3 && bytes[end - 1] & 0xC0 == 0x80 { end -= 1; back += 1 }
        if end > 0 && bytes[end - 1] >= 0xC0 {
            let lead = bytes[end - 1]
            let need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2
            if back + 1 < need { end -= 1 } else { end += back }
        } else {
            end += back
        }
        return String(decoding: bytes[0..<end], as: UTF8.self)
    }
}
