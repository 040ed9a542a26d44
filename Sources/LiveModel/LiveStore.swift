/// The in-memory store: the folded document (or upsert rows), numeric histories, the message log,
/// stats and the connection status. A pure fold: `apply(_:)` is the only way it changes, and it
/// never reads a clock.
public struct LiveStore: Sendable {
    /// Fold rule, selection and the bounds that keep memory fixed whatever the feed sends.
    public struct Configuration: Hashable, Sendable {
        /// How each message changes the document (`--fold`).
        public var fold: FoldRule = .merge
        /// The part of each message to fold (`--select`); messages without it go to the log only.
        public var select: JSONPointer? = nil
        /// Parser limits: depth, string and message size.
        public var limits = JSONLimits()
        /// Samples kept per numeric leaf for sparklines.
        public var historyLength = 120
        /// Messages kept in the log.
        public var logLength = 1000
        /// Bytes of each message kept in the log.
        public var maxLogEntryBytes = 4096
        /// Keys (nodes of the document) tracked; beyond it the least recently updated are evicted
        /// (counted in `stats.evictions`, and said on the status line). Sized for a fleet: 10,000
        /// hosts of 10 fields each are 110,001 keys, measured at 182 MiB and 37 ms a snapshot fold
        /// (`LiveModelBench fleet`, release, 2026-12-06; 100,000 hosts took 1.5 GiB).
        public var maxKeys = 120_000
        /// Rows kept by `upsert`; beyond it the least recently updated row is evicted.
        public var maxRows = 1_000
        /// Bytes of each string value kept for display.
        public var maxStringBytes = 4096
        /// Window of the message rate, in seconds.
        public var rateWindow = 5.0
        /// The member of each message that holds its time (a layout source's `time: /ts`): an
        /// RFC 3339 string, or a number of seconds (milliseconds, microseconds, nanoseconds when
        /// it is that large) since the Unix epoch. A message that has one is folded at that time
        /// (histories, log) rather than at its arrival; one without keeps the transport's time.
        public var timePointer: JSONPointer? = nil

        public init(fold: FoldRule = .merge, select: JSONPointer? = nil) {
            self.fold = fold
            self.select = select
        }
    }

    public let configuration: Configuration
    public private(set) var status = ConnectionStatus()
    public private(set) var stats: MessageStats
    public private(set) var log: MessageLog
    /// The latest time the store has heard of.
    public private(set) var now: Timestamp?
    /// Grows by one whenever anything visible may have changed; a screen redraws when it moves.
    public private(set) var revision: UInt64 = 0
    private var document: Document
    private var tape = JSONTape()

    public init(_ configuration: Configuration = Configuration()) {
        self.configuration = configuration
        stats = MessageStats(rateWindow: configuration.rateWindow)
        log = MessageLog(capacity: configuration.logLength, maxEntryBytes: configuration.maxLogEntryBytes)
        document = Document(limits: .init(maxNodes: max(1, configuration.maxKeys), maxStringBytes: configuration.maxStringBytes),
                            historyLength: configuration.historyLength)
    }

    // MARK: Folding

    public mutating func apply(_ event: LiveEvent) {
        switch event {
        case .messages(let batch, let at):
            fold(batch, at: at)
        case .connection(let change, let at):
            status.apply(change, at: at)
            advance(to: at)
            revision &+= 1
        case .tick(let at):
            advance(to: at)
        }
    }

    public mutating func apply(contentsOf events: some Sequence<LiveEvent>) {
        for event in events { apply(event) }
    }

    /// Folds a batch of messages received at `time`: the same as `apply(.messages(batch, at: time))`.
    public mutating func apply(contentsOf batch: MessageBatch, at time: Timestamp) {
        fold(batch, at: time)
    }

    private mutating func advance(to time: Timestamp) {
        if now.map({ time > $0 }) ?? true { now = time }
    }

    private mutating func fold(_ batch: MessageBatch, at time: Timestamp) {
        guard !batch.isEmpty else { return }
        advance(to: time)
        revision &+= 1
        stats.record(messages: batch.count, at: time)
        status.staleSince = nil  // the source speaks again
        document.prepareForWriting()
        document.time = time.nanoseconds
        log.begin(batch: batch.bytes)
        // Only the last `logLength` messages of a batch can survive in the log; skip copying the rest.
        let firstLogged = max(0, batch.count - log.capacity)
        log.skip(firstLogged)  // counted all the same: the log's header says how many came
        // Rates and ages count arrivals (`stats`, `now`); a message's own place in time is the
        // server's when the batch carries one (replayed backlog is history, not now).
        let timed = !batch.times.isEmpty
        batch.bytes.withUnsafeBufferPointer { all in
            for (n, frame) in batch.messages.enumerated() {
                let bytes = UnsafeBufferPointer(rebasing: all[frame.offset..<(frame.offset + frame.length)])
                let at = timed ? (batch.serverTime(n) ?? time) : time
                fold(message: bytes, offset: frame.offset, isBinary: frame.isBinary, at: at, logged: n >= firstLogged)
            }
        }
        log.end()
        stats.evictions = document.evictions
    }

    private mutating func fold(message bytes: UnsafeBufferPointer<UInt8>, offset: Int, isBinary: Bool, at arrival: Timestamp, logged: Bool) {
        var time = arrival
        document.time = time.nanoseconds
        stats.messages += 1
        stats.bytes += Int64(bytes.count)
        let seq = stats.messages
        if isBinary {
            stats.binaryMessages += 1
            if logged { log.append(seq: seq, time: time, offset: offset, bytes: bytes, isBinary: true, isJSON: false) }
            return
        }
        do {
            try tape.parse(bytes, limits: configuration.limits)
        } catch {
            stats.textMessages += 1
            if let first = bytes.first, first == UInt8(ascii: "{") || first == UInt8(ascii: "[") {
                stats.invalidJSON += 1
                stats.lastInvalidReason = error.description
            }
            if logged { log.append(seq: seq, time: time, offset: offset, bytes: bytes, isBinary: false, isJSON: false, reason: error.description) }
            return
        }
        stats.jsonMessages += 1
        if let pointer = configuration.timePointer, let token = tape.resolve(pointer, in: bytes),
           let stated = Self.time(of: token, in: bytes, tape: &tape) {
            time = stated
            document.time = time.nanoseconds
        }
        if logged { log.append(seq: seq, time: time, offset: offset, bytes: bytes, isBinary: false, isJSON: true) }

        var at = 0
        if let select = configuration.select {
            guard let selected = tape.resolve(select, in: bytes) else {
                stats.unfolded += 1
                return
            }
            at = selected
        }
        document.seq = seq
        switch configuration.fold {
        case .append:
            return
        case .merge:
            document.assign(Document.root, token: at, tape: &tape, bytes: bytes, merge: true)
        case .replace:
            document.assign(Document.root, token: at, tape: &tape, bytes: bytes, merge: false)
        case .upsert(let pointer):
            guard upsert(row: at, keyAt: pointer, bytes: bytes) else {
                stats.unfolded += 1
                return
            }
        }
        document.evictToLimit()
    }

    /// The time a message's member states: an RFC 3339 string, or a number since the Unix epoch,
    /// read as seconds, or as milliseconds, microseconds or nanoseconds when it is too large to be
    /// seconds of the years up to 5138 (the ranges do not overlap for times after 1973). Nil for
    /// anything else (a message with a bad time keeps the transport's).
    static func time(of token: Int, in bytes: UnsafeBufferPointer<UInt8>, tape: inout JSONTape) -> Timestamp? {
        switch tape[token].kind {
        case .string: return tape.withStringBytes(token, in: bytes) { Timestamp(rfc3339Bytes: $0) }
        case .int: return epochTime(Double(tape[token].intValue))
        case .double: return epochTime(tape[token].doubleValue)
        default: return nil
        }
    }

    /// A number since the Unix epoch in whichever unit makes it a time between 1973 and 5138.
    public static func epochTime(_ n: Double) -> Timestamp? {
        guard n.isFinite, n > 0 else { return nil }
        var seconds = n
        for _ in 0..<3 where seconds >= 1e11 { seconds /= 1000 }
        guard seconds >= 1e8, seconds < 1e11 else { return nil }
        return Timestamp(seconds: seconds)
    }

    /// Folds the value at `row` as the row keyed by the value at `pointer` inside it.
    private mutating func upsert(row: Int, keyAt pointer: JSONPointer, bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let keyToken = tape.resolve(pointer, from: row, in: bytes) else { return false }
        let token = tape[keyToken]
        switch token.kind {
        case .string, .int, .double, .true, .false: break
        default: return false
        }
        let root = Document.root
        document.makeObject(root)
        // The key's bytes in place when they need no decoding: no array per message, and no
        // closure around the document (see `Document.findForWriting`).
        let id: Int32
        if let literal = tape.literalBytes(keyToken, in: bytes) {
            id = upsertRow(key: literal)
        } else {
            let decoded = tape.withStringBytes(keyToken, in: bytes) { Array($0) }
            id = decoded.withUnsafeBufferPointer { upsertRow(key: $0) }
        }
        document.assign(id, token: row, tape: &tape, bytes: bytes, merge: true)
        document.touch(root)
        while Int(document.nodes[Int(root)].childCount) > configuration.maxRows { document.evictOldestChild(of: root) }
        return true
    }

    /// The row keyed `key`, made when it is new.
    private mutating func upsertRow(key: UnsafeBufferPointer<UInt8>) -> Int32 {
        let hash = JSONTape.hash(key)
        let id = document.findForWriting(parent: Document.root, key: key, hash: hash)
        return id >= 0 ? id : document.addChild(Document.root, key: String(decoding: key, as: UTF8.self), hash: hash)
    }

    // MARK: Reading

    /// The folded document as a JSON value (the rows object for `upsert`).
    public var value: JSONValue { document.value(of: Document.root) }

    /// The history of the numeric leaf at `pointer`, or nil if there is none.
    public func history(at pointer: JSONPointer) -> History? {
        guard let id = document.node(at: pointer), document.nodes[Int(id)].history >= 0 else { return nil }
        return document.histories.history(document.nodes[Int(id)].history)
    }

    /// The value at `pointer` in the document, or nil.
    public func value(at pointer: JSONPointer) -> JSONValue? {
        document.node(at: pointer).map { document.value(of: $0) }
    }

    /// The member names of the object (or the indices of the array) at `pointer`, in document
    /// order; nil when there is no container there. Cheaper than `value(at:)` for expanding `*`.
    public func childKeys(at pointer: JSONPointer) -> [String]? {
        guard let id = document.node(at: pointer) else { return nil }
        switch document.nodes[Int(id)].kind {
        case .object: return document.children(of: id).map { document.nodes[Int($0)].key }
        case .array: return document.children(of: id).indices.map(String.init)
        default: return nil
        }
    }

    /// Keys evicted (or refused, when one message held too many) from under `pointer` so far, to
    /// mark the panels whose data is incomplete; where the node at `pointer` is gone, the count
    /// under the deepest part of it still tracked. The root's count is `stats.evictions`.
    public func evictions(under pointer: JSONPointer) -> Int64 {
        document.evictions(under: pointer)
    }

    /// Where the store stands, to ask later what changed since (`childKeysUpdated`).
    public struct ChangeMark: Equatable, Sendable {
        fileprivate var messages: Int64
        fileprivate var shape: UInt64
    }

    public var changeMark: ChangeMark { ChangeMark(messages: stats.messages, shape: document.shapeChanges) }

    /// True when no key was added or removed anywhere since `mark`: every `childKeys` answer is
    /// what it was then.
    public func keysUnchanged(since mark: ChangeMark) -> Bool { mark.shape == document.shapeChanges }

    /// The keys of the members (or indices of the elements) of the container at `pointer` that
    /// a message folded after `mark` updated (or confirmed) something in; nil when a key was added
    /// or removed anywhere since (`childKeys` may differ), when more than `limit` values were
    /// updated, or when there is no container there: then read everything again. A table of
    /// 100,000 rows with one changing asks this instead of reading every row each frame.
    public func childKeysUpdated(at pointer: JSONPointer, since mark: ChangeMark, limit: Int) -> [String]? {
        guard keysUnchanged(since: mark), let id = document.node(at: pointer) else { return nil }
        let kind = document.nodes[Int(id)].kind
        guard kind == .object || kind == .array else { return nil }
        guard let updated = document.childrenUpdated(of: id, after: mark.messages, limit: limit) else { return nil }
        if kind == .object { return updated.map { document.nodes[Int($0)].key } }
        let children = document.children(of: id)
        let position = Dictionary(uniqueKeysWithValues: children.enumerated().map { ($1, $0) })
        return updated.compactMap { position[$0].map(String.init) }
    }

    /// Keys (document nodes) currently tracked.
    public var trackedKeys: Int { document.liveNodes }
    /// Numeric histories currently kept.
    public var trackedHistories: Int { document.histories.slotsInUse }

    /// Upsert rows, in first-seen order, with their keys.
    public var rows: [(key: String, value: JSONValue)] {
        guard case .upsert = configuration.fold else { return [] }
        return document.children(of: Document.root).map { (document.nodes[Int($0)].key, document.value(of: $0)) }
    }
}
