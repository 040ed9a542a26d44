/// Counts, bytes, rate and the time of the last message. Time arrives with each batch.
public struct MessageStats: Hashable, Sendable {
    public internal(set) var messages: Int64 = 0
    public internal(set) var bytes: Int64 = 0
    public internal(set) var jsonMessages: Int64 = 0
    public internal(set) var textMessages: Int64 = 0
    public internal(set) var binaryMessages: Int64 = 0
    /// Text messages that were not valid JSON (kept in the log as text).
    public internal(set) var invalidJSON: Int64 = 0
    /// Messages without a value at the `--select` pointer, or without a row key for `upsert`.
    public internal(set) var unfolded: Int64 = 0
    /// Keys or rows dropped to stay within the tracked-key and row bounds, least recently updated first.
    public internal(set) var evictions: Int64 = 0
    public internal(set) var firstMessageAt: Timestamp?
    public internal(set) var lastMessageAt: Timestamp?
    /// Why the last invalid message was not JSON.
    public internal(set) var lastInvalidReason: String?

    /// Width of the window the rate is measured over.
    public let rateWindow: Double
    private static let bucketsPerSecond = 4
    private var buckets: [Int64]
    private var bucketTimes: [Int64]

    init(rateWindow: Double) {
        self.rateWindow = max(0.25, rateWindow)
        let n = Int((self.rateWindow * Double(Self.bucketsPerSecond)).rounded(.up)) + 1
        buckets = Array(repeating: 0, count: n)
        bucketTimes = Array(repeating: Int64.min, count: n)
    }

    mutating func record(messages count: Int, at time: Timestamp) {
        let b = Self.bucket(time)
        let i = Int(b.magnitude % UInt64(buckets.count))
        if bucketTimes[i] != b {
            bucketTimes[i] = b
            buckets[i] = 0
        }
        buckets[i] += Int64(count)
        if firstMessageAt == nil { firstMessageAt = time }
        lastMessageAt = time
    }

    private static func bucket(_ t: Timestamp) -> Int64 {
        let quarter = 1_000_000_000 / Int64(bucketsPerSecond)
        return t.nanoseconds >= 0 ? t.nanoseconds / quarter : (t.nanoseconds - quarter + 1) / quarter
    }

    /// Messages per second over the last `rateWindow` seconds (or since the first message, if sooner).
    public func rate(at now: Timestamp) -> Double {
        guard let first = firstMessageAt else { return 0 }
        let current = Self.bucket(now)
        let span = Int64(buckets.count - 1)
        var sum: Int64 = 0
        for i in 0..<buckets.count where bucketTimes[i] <= current && bucketTimes[i] > current - span {
            sum += buckets[i]
        }
        // At least a second: one message a second, just begun, is 1 msg/s, not the 3 or 4 a
        // quarter of a second would make of its first message.
        let elapsed = min(rateWindow, max(1, now - first))
        return Double(sum) / elapsed
    }

    /// Seconds since the last message, or nil before the first.
    public func age(at now: Timestamp) -> Double? { lastMessageAt.map { max(0, now - $0) } }
}
