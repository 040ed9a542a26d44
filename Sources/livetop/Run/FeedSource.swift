import LiveModel
import PushLink

/// Where the events a viewer shows come from: a live `Link`, or a recording played back. The
/// dashboard and the JSON-lines printer take any of them, so a replay goes through the same fold
/// and screen as a live feed.
protocol FeedSource: Sendable {
    associatedtype Events: AsyncSequence, Sendable where Events.Element == LinkEvent, Events.Failure == Never
    /// State changes and message batches, in order; finishes when the source has ended.
    var events: Events { get }
    /// Drives the source until it ends; false when it ended on a failure.
    func run() async -> Bool
    /// Ends the source: `events` finishes soon after.
    func stop()
    /// The `r` key: a link reconnects at once; a recording has nothing to do.
    func reconnectNow()
    /// When the source ends, the dashboard stays on the last frame with this on the status line
    /// until `q` (a replay's last frame is worth looking at); nil: the dashboard ends with the
    /// source (`--exit-on-close`).
    var endNotice: String? { get }
    /// The source reads livetop's stdin: the dashboard takes its keys from /dev/tty.
    var readsStdin: Bool { get }
    /// Its events carry the times they were recorded at, not the wall clock's (a replay at
    /// `--speed 0`): the dashboard's clock follows them.
    var timesAreRecorded: Bool { get }
}

extension FeedSource {
    var readsStdin: Bool { false }
    var timesAreRecorded: Bool { false }
}

extension Link: FeedSource {
    var endNotice: String? { nil }
}
