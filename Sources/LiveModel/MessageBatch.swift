/// Messages handed over together, one per read burst: one contiguous byte array and
/// where each message lies in it. Handing over batches, never single messages, is what keeps
/// the message path above a million messages a second. The link builds it on its event loop and
/// the store folds the same value: one type from the socket to the store.
public struct MessageBatch: Sendable {
    /// Where one message lies in `bytes`, and whether it is binary.
    public struct Message: Hashable, Sendable {
        public var offset: Int
        public var length: Int
        public var isBinary: Bool
        @inlinable public init(offset: Int, length: Int, isBinary: Bool) {
            self.offset = offset
            self.length = length
            self.isBinary = isBinary
        }
    }

    public var bytes: [UInt8]
    public var messages: [Message]
    /// The server's time for each message (nanoseconds since the Unix epoch), where the transport
    /// or the server carried one: empty when none did, else one per message, `MessageBatch.noTime`
    /// for those without. A message with a time is folded at it (histories, log), not at the
    /// batch's arrival, so replayed backlog lands where it happened.
    public var times: [Int64]
    /// Wall-clock time the burst was read, in nanoseconds since the Unix epoch.
    public var receivedAt: Int64 = 0
    /// The transport the messages came over.
    public var transport: Transport

    /// In `times`: this message carries no server time.
    public static let noTime = Int64.min

    /// An empty batch of a link's read burst.
    public init(transport: Transport) {
        self.init()
        self.transport = transport
    }

    /// A batch made outside a link (tests, the benchmark): its transport says websocket.
    public init(bytes: [UInt8] = [], messages: [Message] = [], times: [Int64] = []) {
        self.bytes = bytes
        self.messages = messages
        self.times = times
        self.transport = .websocket
    }

    /// The server's time for message `index`, nil when it has none.
    @inlinable public func serverTime(_ index: Int) -> Timestamp? {
        index < times.count && times[index] != Self.noTime ? Timestamp(nanoseconds: times[index]) : nil
    }

    /// A batch of text messages, one per string (for tests and replays).
    public init<S: Sequence>(texts: S) where S.Element == String {
        self.init()
        for t in texts { append(text: Array(t.utf8)) }
    }

    // The appends and these two are @inlinable: the link's reader and handlers call them for every
    // message from other modules, and a generic function called across modules runs unspecialized
    // (the payload's Collection looked up at run time, and Array.append with it): 10% more CPU per
    // message in bench.py when MessageBatch moved to LiveModel (docs/benchmarks.md).
    @inlinable public var count: Int { messages.count }
    @inlinable public var isEmpty: Bool { messages.isEmpty }

    @inlinable public mutating func append(text: some Collection<UInt8>) { append(text, isBinary: false) }
    @inlinable public mutating func append(binary: some Collection<UInt8>) { append(binary, isBinary: true) }

    @inlinable public mutating func append(_ payload: some Collection<UInt8>, isBinary: Bool) {
        messages.append(Message(offset: bytes.count, length: payload.count, isBinary: isBinary))
        bytes.append(contentsOf: payload)
    }

    /// Appends a message with the server's time for it (nil: none); `times` stays empty until a
    /// message has one.
    @inlinable public mutating func append(_ payload: some Collection<UInt8>, isBinary: Bool, serverTime: Int64?) {
        if serverTime != nil, times.count < messages.count {
            times.append(contentsOf: repeatElement(Self.noTime, count: messages.count - times.count))
        }
        append(payload, isBinary: isBinary)
        if let serverTime { times.append(serverTime) } else if !times.isEmpty { times.append(Self.noTime) }
    }
}
