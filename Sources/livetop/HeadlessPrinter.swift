import Foundation
import LiveModel
import PushLink

/// Prints every source's events as JSON lines until they all end: one consumer task per source,
/// one write per read burst under one lock. With a layout that declares alerts it also folds each
/// burst into a `Board` and prints `alert` and `alert_cleared` lines, with a timer for holds
/// that end between messages. With a layout's alerts or an explicit `--max-keys` it keeps that
/// store, and prints a `stats` line when the store evicts keys (at most once a second per source,
/// and once at the end), since alerts then judge less than the feed sent.
final class HeadlessPrinter<Source: FeedSource>: @unchecked Sendable {
    private let feeds: [Feed<Source>]
    private let emit: HeadlessWriter.Emit
    private let exitOnAlert: Bool
    private let lock = NSLock()
    private var out = StandardOutput()
    /// Folded only when the layout has alerts or `--max-keys` is given: printing alone needs no store.
    private var board: Board?
    private let hasAlerts: Bool
    /// Per source: evictions said by the last `stats` line, and when it was printed.
    private var statsEvictions: [Int64]
    private var statsAt: [Timestamp?]
    private let statsInterval = 1.0
    private var ended = false
    /// An alert was raised under `--exit-on-alert`: the run ends with status 3.
    var alerted: Bool { lock.withLock { raised } }
    private var raised = false

    init(feeds: [Feed<Source>], layout: Layout?, emit: HeadlessWriter.Emit, exitOnAlert: Bool, keepsStore: Bool = false) {
        self.feeds = feeds
        self.emit = emit
        self.exitOnAlert = exitOnAlert
        hasAlerts = layout?.panels.contains(where: { $0.alert != nil }) ?? false
        if hasAlerts || keepsStore {
            board = Board(layout: layout, sources: feeds.map { ($0.name, $0.configuration) })
        }
        statsEvictions = Array(repeating: 0, count: feeds.count)
        statsAt = Array(repeating: nil, count: feeds.count)
        // Message lines name their source when a layout declares the sources.
        tagSources = layout != nil
    }

    private let tagSources: Bool
    /// The printed message lines are the recording's (all lines, no source field): written once.
    private var sharesLines: Bool { emit == .all && !tagSources }

    /// Returns true when every source that ended did so normally: `--max-messages` reached, or the
    /// reader went away.
    func run() async -> Bool {
        let timer = !hasAlerts ? nil : Task.detached { [self] in await holdTimer() }
        let completed = await withTaskGroup(of: Bool.self) { group in
            for (index, feed) in feeds.enumerated() {
                group.addTask { await self.print(feed, index: index) }
            }
            var all = true
            for await completed in group { all = all && completed }
            return all
        }
        lock.withLock { ended = true }
        timer?.cancel()
        lock.withLock {
            let now = Timestamp(nanoseconds: Link.wallClock())
            for index in feeds.indices { reportStats(source: index, at: now, final: true) }
            out.flush()
        }
        return completed
    }

    private func print(_ feed: Feed<Source>, index: Int) async -> Bool {
        var writer = HeadlessWriter(emit: emit, source: tagSources ? feed.name : nil)
        var limit = MessageLimit(feed.maxMessages)
        var backlog = feed.backlog
        for await event in feed.source.events {
            let closed = lock.withLock { () -> Bool in
                switch event {
                case .messages(let received):
                    // Exactly --max-messages are printed and recorded, of what --since and --last show.
                    guard let shown = backlog.admit(received) else { return false }
                    guard let batch = limit.admit(shown) else { return false }
                    if let recording = feed.recording, sharesLines {
                        let start = out.buffer.count
                        writer.write(batch, into: &out, flushing: false)
                        recording.record(lines: out.buffer[start...])
                    } else {
                        feed.recording?.record(.messages(batch))
                        writer.write(batch, into: &out)
                    }
                    if limit.isReached { feed.source.stop() }
                    fold(.messages(batch), source: index, at: Timestamp(nanoseconds: batch.receivedAt))
                case .state(let state, let at):
                    feed.recording?.record(event)
                    writer.write(state, at: at, into: &out)
                    fold(event, source: index, at: Timestamp(nanoseconds: at))
                }
                out.flush()  // the input has drained: one write per read burst
                // No screen to keep clean: a failed recording is said at once, on stderr.
                if let failure = feed.recording?.takeNewFailure() { Diagnostics.warn(failure) }
                return out.isClosed
            }
            if closed {
                feeds.forEach { $0.source.stop() }
                return true
            }
        }
        return limit.isReached
    }

    /// With alerts: folds the event and prints what was raised or cleared. Called under the lock.
    private func fold(_ event: LinkEvent, source: Int, at time: Timestamp) {
        guard board != nil else { return }
        board?.apply(LinkBridge.liveEvent(event), source: source)
        if hasAlerts { report(board?.checkAlerts(at: time, source: source) ?? [], at: time) }
        reportStats(source: source, at: time, final: false)
    }

    /// A `stats` line for a source whose store has evicted keys since the last one, at most once
    /// per `statsInterval`; `final`: the figures at the end, when it ever evicted. Called under the lock.
    private func reportStats(source: Int, at time: Timestamp, final: Bool) {
        guard let store = board?.sources[source].store else { return }
        let evictions = store.stats.evictions
        if final {
            guard evictions > 0 else { return }
        } else {
            guard evictions > statsEvictions[source] else { return }
            if let last = statsAt[source], time - last < statsInterval { return }
        }
        statsEvictions[source] = evictions
        statsAt[source] = time
        HeadlessWriter(emit: emit).write(stats: store, source: feeds[source].name, at: time, into: &out)
    }

    private func report(_ changes: [AlertChange], at time: Timestamp) {
        let writer = HeadlessWriter(emit: emit)
        for change in changes {
            writer.write(change, at: time, into: &out)
            guard case .raised(let alert) = change else {
                if case .cleared(let alert, _) = change, let rule = board?.rule(for: alert), !rule.onClear.isEmpty {
                    AlertCommand.run(rule.onClear, change: change, timeout: rule.timeout) { failure in
                        if let failure { Diagnostics.warn(failure) }
                    }
                }
                continue
            }
            if let rule = board?.rule(for: alert), !rule.command.isEmpty {
                AlertCommand.run(rule.command, alert: alert, timeout: rule.timeout) { failure in
                    if let failure { Diagnostics.warn(failure) }
                }
            }
            if exitOnAlert && !raised {
                raised = true
                feeds.forEach { $0.source.stop() }
            }
        }
    }

    /// Raises alerts whose hold ends while no message arrives: sleeps until the next hold ends (or
    /// a second, to notice new ones), then checks.
    private func holdTimer() async {
        while !Task.isCancelled {
            let now = Timestamp(nanoseconds: Link.wallClock())
            let wait = lock.withLock { board?.nextAlertDeadline.map { max(0.01, $0 - now) } } ?? 1
            try? await Task.sleep(for: .milliseconds(Int64(min(wait, 1) * 1000)))
            lock.withLock {
                guard !ended, board != nil else { return }
                let now = Timestamp(nanoseconds: Link.wallClock())
                report(board?.checkAlerts(at: now) ?? [], at: now)
                out.flush()
            }
        }
    }
}
