import Foundation
import JSONLines
import LiveModel
import PushLink

/// Prints every source's events as JSON lines until they all end: one consumer task per source,
/// its events through the source's `SourcePipeline` (backlog, `--max-messages`, `--record`), one
/// write per read burst under one lock. With a layout that declares alerts it also folds each
/// burst into a `Board` and prints `alert` and `alert_cleared` lines (their commands as
/// `AlertResponse` says), with a timer for holds that end between messages. With a layout's
/// alerts or an explicit `--max-keys` it keeps that store, and prints a `stats` line when the
/// store evicts keys (at most once a second per source, and once at the end), since alerts then
/// judge less than the feed sent.
final class HeadlessPrinter<Source: FeedSource>: @unchecked Sendable {
    private let feeds: [Feed<Source>]
    private let emit: HeadlessWriter.Emit
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
    var alerted: Bool { lock.withLock { response.endedRun } }
    private var response: AlertResponse

    init(feeds: [Feed<Source>], layout: Layout?, emit: HeadlessWriter.Emit, exitOnAlert: Bool, keepsStore: Bool = false) {
        self.feeds = feeds
        self.emit = emit
        response = AlertResponse(exitOnAlert: exitOnAlert)
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
        var pipeline = SourcePipeline(feed)
        for await event in feed.source.events {
            let closed = lock.withLock { () -> Bool in
                var actions = pipeline.receive(event)
                while !actions.isEmpty {
                    switch actions.removeFirst() {
                    case .show(let shown, let record):
                        show(shown, recording: record ? feed.recording : nil, writer: &writer, source: index)
                        if record { actions += pipeline.recorded(failure: feed.recording?.failure) }
                    case .stopSource:
                        feed.source.stop()
                    case .reportRecordingFailure(let failure):
                        // No screen to keep clean: a failed recording is said at once, on stderr.
                        Diagnostics.warn(failure)
                    }
                }
                out.flush()  // the input has drained: one write per read burst
                return out.isClosed
            }
            if closed {
                feeds.forEach { $0.source.stop() }
                return true
            }
        }
        return pipeline.reachedLimit
    }

    /// Prints one event the pipeline let through (and records it first, when `recording` is
    /// given), then folds it. Called under the lock.
    private func show(_ event: LinkEvent, recording: Recording?, writer: inout HeadlessWriter, source index: Int) {
        switch event {
        case .messages(let batch):
            if let recording, sharesLines {
                let start = out.buffer.count
                writer.write(batch, into: &out, flushing: false)
                recording.record(lines: out.buffer[start...])
            } else {
                recording?.record(event)
                writer.write(batch, into: &out)
            }
            fold(event, source: index, at: Timestamp(nanoseconds: batch.receivedAt))
        case .state(let state, let at):
            recording?.record(event)
            writer.write(state, at: at, into: &out)
            fold(event, source: index, at: Timestamp(nanoseconds: at))
        }
    }

    /// With alerts: folds the event and prints what was raised or cleared. Called under the lock.
    private func fold(_ event: LinkEvent, source: Int, at time: Timestamp) {
        guard board != nil else { return }
        board?.apply(LiveEvent(event), source: source)
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

    /// Prints each change and does what its rule says (`AlertResponse`; no bell without a
    /// terminal). Called under the lock.
    private func report(_ changes: [AlertChange], at time: Timestamp) {
        let writer = HeadlessWriter(emit: emit)
        for change in changes {
            writer.write(change, at: time, into: &out)
            for action in response.respond(to: change, rule: board?.rule(for: change.alert)) {
                switch action {
                case .ringBell: break
                case .run(let argv, let change, let timeout):
                    AlertCommand.run(argv, change: change, timeout: timeout) { failure in
                        if let failure { Diagnostics.warn(failure) }
                    }
                case .endRun:
                    feeds.forEach { $0.source.stop() }
                }
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
