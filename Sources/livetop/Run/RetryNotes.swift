import Foundation
import LiveModel

/// Retry notes for stderr: the first of a run of failures, then at most one every 5 s, and the
/// recovery.
final class RetryNotes: @unchecked Sendable {
    private let lock = NSLock()
    private var last: ContinuousClock.Instant?

    func report(_ text: String) {
        let now = ContinuousClock.now
        let show = lock.withLock { () -> Bool in
            if text.contains("publishing again") {
                last = nil
                return true
            }
            if let last, now - last < .seconds(5) { return false }
            last = now
            return true
        }
        if show { Diagnostics.note("publish: \(text)") }
    }
}
