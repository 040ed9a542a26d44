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
    /// When the source ends, the dashboard stays up with the final state until `q` (a replay's
    /// last frame is worth looking at) instead of ending with it (`--exit-on-close`).
    var holdsScreenAtEnd: Bool { get }
}

extension Link: FeedSource {
    var holdsScreenAtEnd: Bool { false }
}
