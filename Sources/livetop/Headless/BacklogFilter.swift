import LiveModel
import PushLink

/// `--since` and `--last`: how much of what a server kept from before the client connected is
/// shown (README, "Backlog"). Pure: batches in, the part to show out; the same for
/// the dashboard and the JSON-lines printer.
///
/// - `--since D` drops each message whose server time (docs/transports.md, "Server time") is
///   more than D older than its arrival. A message with no server time is always shown: nothing
///   says it is old.
/// - `--last N` asks the server for only the newest N it kept (`?last=N`, which livetop serve
///   reads; other servers ignore it) and, for those that do not, keeps only the newest N of the
///   first batch after the first `open`: the burst a server sends a new subscriber at once.
///   Later batches, and everything after a reconnect (which resumes), pass.
struct BacklogFilter {
    var since: Duration?
    var last: Int?
    private var firstBatchDone = false

    init(since: Duration? = nil, last: Int? = nil) {
        self.since = since
        self.last = last
    }

    var isActive: Bool { since != nil || last != nil }

    /// The part of `batch` to show; nil when nothing of it is.
    mutating func admit(_ batch: MessageBatch) -> MessageBatch? {
        guard isActive, !batch.isEmpty else { return batch }
        var keep = Array(batch.messages.indices)
        if let since, !batch.times.isEmpty {
            let oldest = batch.receivedAt - Int64(since.seconds * 1e9)
            keep = keep.filter { batch.serverTime($0).map { $0.nanoseconds >= oldest } ?? true }
        }
        // The first batch of a run is the first after the first `open` (a link hands on nothing
        // before it), the burst a server sends a new subscriber at once.
        if let last, !firstBatchDone {
            firstBatchDone = true
            if keep.count > last { keep = Array(keep.suffix(max(0, last))) }
        }
        if keep.count == batch.count { return batch }
        guard !keep.isEmpty else { return nil }
        var out = batch
        out.messages = keep.map { batch.messages[$0] }
        out.times = batch.times.isEmpty ? [] : keep.map { $0 < batch.times.count ? batch.times[$0] : MessageBatch.noTime }
        return out
    }
}
