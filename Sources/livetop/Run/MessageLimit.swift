import LiveModel
import PushLink

/// `--max-messages`: lets exactly that many messages through, cutting the batch that crosses the
/// limit, for the dashboard and the JSON-lines printer alike.
struct MessageLimit {
    let limit: Int64
    private(set) var passed: Int64 = 0

    init(_ limit: Int64?) { self.limit = limit ?? .max }

    var isReached: Bool { passed >= limit }

    /// The part of `batch` within the limit; nil once the limit has been reached.
    mutating func admit(_ batch: MessageBatch) -> MessageBatch? {
        guard passed < limit else { return nil }
        var batch = batch
        let room = limit - passed
        if Int64(batch.count) > room {
            batch.messages = Array(batch.messages.prefix(Int(room)))
            if batch.times.count > batch.messages.count { batch.times = Array(batch.times.prefix(batch.messages.count)) }
        }
        passed += Int64(batch.count)
        return batch
    }
}
