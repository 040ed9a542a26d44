/// The rules for message ids across a link's connections (docs/transports.md, "Message ids:
/// repeats and gaps"): each message's id and bytes in, what to do with it out. Pure, no I/O.
///
/// - A message whose id was already delivered *with the same bytes* is a repeat: dropped and
///   counted. (The bytes matter: a server that lost its state, as Nchan does when the worker that
///   owned a channel dies, numbers new messages from the start again; those are new.)
/// - Ids of Nchan's form (`NchanMessageID`) also show what was skipped: within one second the tag
///   counts messages, so `T:3` then `T:19` proves 15 skipped; a new second that starts past tag 0
///   means messages were likely skipped (how many is not known); ids that go back mean the
///   server's sequence started over, and what was published meanwhile may be gone.
/// - Other ids (any SSE server's) are opaque: only the repeat rule applies.
///
/// The link keeps one tracker across reconnects and transports, so a resume that replays what
/// was delivered is recognised whichever transport it comes over.
public struct MessageIDTracker: Sendable {
    public enum Verdict: Hashable, Sendable {
        case deliver
        /// Already delivered: drop it and count it.
        case repeated
        /// Deliver it, after reporting that messages were skipped before it: `missed` when the
        /// ids prove how many, nil when they only make it likely.
        case deliverAfterGap(missed: Int?, reason: String)
    }

    /// How many delivered ids are remembered to recognise a repeat (about 50 bytes each): a
    /// replay of more than this many is not recognised past them.
    public static let defaultCapacity = 10_000
    public let capacity: Int

    /// The id of the last message delivered: where a resume starts from (`Last-Event-ID`).
    public private(set) var lastID: String?
    /// The last delivered id of Nchan's form, the one the next is compared with.
    public private(set) var lastNchanID: NchanMessageID?

    /// Delivered ids and a hash of their bytes, with their order for eviction (a ring).
    private var known: [String: UInt64] = [:]
    private var order: [String] = []
    private var oldest = 0

    public init(capacity: Int = MessageIDTracker.defaultCapacity) {
        self.capacity = max(1, capacity)
    }

    /// Judges the message `id` with `payload` and, unless it is a repeat, records it as delivered.
    public mutating func message(id: String, payload: some Collection<UInt8>) -> Verdict {
        let hash = Self.fnv1a(payload)
        if known[id] == hash { return .repeated }
        var verdict = Verdict.deliver
        let nchan = NchanMessageID(id)
        if let nchan, let previous = lastNchanID {
            verdict = Self.judge(nchan, after: previous)
        }
        remember(id, hash: hash)
        lastID = id
        if let nchan { lastNchanID = nchan }
        return verdict
    }

    /// Nchan's id `next` arrived after `previous` (both delivered): what was skipped between.
    package static func judge(_ next: NchanMessageID, after previous: NchanMessageID) -> Verdict {
        if next <= previous {
            return .deliverAfterGap(missed: nil, reason: "messages may have been skipped: the server's message ids started over "
                                    + "(\(previous) then \(next)); Nchan lost the channel (a restart, or its worker died)")
        }
        if next.time == previous.time {
            let skipped = next.tag - previous.tag - 1
            guard skipped > 0 else { return .deliver }
            return .deliverAfterGap(missed: skipped, reason: "\(skipped) message\(skipped == 1 ? "" : "s") skipped: Nchan's ids went "
                                    + "from \(previous) to \(next) (older than the channel's buffer)")
        }
        guard next.tag > 0 else { return .deliver }
        return .deliverAfterGap(missed: nil, reason: "messages may have been skipped: Nchan's ids went from \(previous) to \(next), "
                                + "a later second already at tag \(next.tag)")
    }

    /// The position is no longer known (the server forgot the cursor, and said so with a gap of
    /// its own): the next id is not compared with the last. Repeats are still recognised.
    public mutating func forgetPosition() {
        lastNchanID = nil
    }

    private mutating func remember(_ id: String, hash: UInt64) {
        if known.updateValue(hash, forKey: id) != nil { return }
        if order.count < capacity {
            order.append(id)
            return
        }
        known[order[oldest]] = nil
        order[oldest] = id
        oldest = (oldest + 1) % capacity
    }

    /// FNV-1a, 64 bits: the same bytes give the same hash in every run (tests can count on it).
    package static func fnv1a(_ bytes: some Collection<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes {
            hash ^= UInt64(b)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }
}
