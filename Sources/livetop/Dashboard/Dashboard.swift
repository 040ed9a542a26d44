import Foundation
import LiveModel
import PushLink

/// The terminal dashboard: the feeds' consumers hand their events over (`HandOff`), and one
/// thread owns the terminal (every curses call happens there) and runs `DashboardLoop`: fold,
/// alerts, keys, frames. This type only joins them: threads, continuations, signals.
final class Dashboard<Source: FeedSource>: @unchecked Sendable {
    private let feeds: [Feed<Source>]
    private let layout: Layout?
    private let reloadLayout: (@Sendable () -> Result<(layout: Layout, warnings: [String]), LayoutError>)?
    private let fps: Int
    private let forceASCII: Bool
    /// Ask the terminal for clicks and the wheel (false: --no-mouse).
    private let mouse: Bool
    private let exitOnAlert: Bool
    private let lock = NSLock()
    /// Bursts queued at most: a UI thread that falls behind slows the sources (and so their
    /// sockets) instead of growing the queue; a replay at --speed 0 would otherwise queue the file.
    /// 16 bursts of at most ~64 KiB: with 64, peak RSS after 10 M messages was 1.35x that after
    /// 100 k, as the queue (and the batch the UI thread was folding) happened to be full.
    private var handOff = HandOff<DashboardEvent, CheckedContinuation<Void, Never>>(limit: 16)
    /// Set once the UI thread has opened the terminal; wakes it when events, quit or the end arrive.
    private var wake: WakePipe?
    /// An alert was raised under --exit-on-alert: the run ends with status 3.
    private(set) var endedOnAlert = false

    init(feeds: [Feed<Source>], layout: Layout?, reloadLayout: (@Sendable () -> Result<(layout: Layout, warnings: [String]), LayoutError>)?, fps: Int, ascii: Bool,
         exitOnAlert: Bool, keysFromTTY: Bool = false, mouse: Bool = true) {
        self.keysFromTTY = keysFromTTY
        self.mouse = mouse
        self.feeds = feeds
        self.layout = layout
        self.reloadLayout = reloadLayout
        self.fps = max(1, fps)
        self.forceASCII = ascii
        self.exitOnAlert = exitOnAlert
    }

    /// stdin carries a source's data: keys come from /dev/tty.
    private let keysFromTTY: Bool

    func requestQuit() {
        let (parked, wake) = lock.withLock { (handOff.requestQuit(), self.wake) }
        parked.forEach { $0.resume() }
        wake?.wake()
    }

    /// Runs until the user quits or every source ends. Returns false if the terminal could not be
    /// opened (the caller then falls back to JSON lines): in that case nothing was drawn.
    func run() async -> Bool {
        let opened = await withCheckedContinuation { (started: CheckedContinuation<Bool, Never>) in
            let thread = Thread { [self] in
                guard let backend = CursesBackend(keysFromTTY: keysFromTTY, mouse: mouse) else { return started.resume(returning: false) }
                lock.withLock { wake = backend.wake }
                started.resume(returning: true)
                runLoop(backend)
                backend.end()
                let waiters = lock.withLock { handOff.end() }
                waiters.forEach { $0.resume() }
                feeds.forEach { $0.source.stop() }
            }
            thread.name = "livetop-ui"
            thread.start()
        }
        guard opened else { return false }
        CursesBackend.restoreTerminalOnCrash()
        await withTaskGroup(of: Void.self) { group in
            for (index, feed) in feeds.enumerated() {
                group.addTask { await self.consume(feed, index: index) }
            }
        }
        let wakeUI = lock.withLock { handOff.finishSources() }
        if wakeUI { wake?.wake() }
        // Wait for the UI thread to give the terminal back.
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            if lock.withLock({ handOff.awaitEnd(c) }) { c.resume() }
        }
        return true
    }

    /// Hands one feed's events to the UI thread through its `SourcePipeline` (backlog,
    /// `--max-messages`, `--record`), one queue entry per burst.
    private func consume(_ feed: Feed<Source>, index: Int) async {
        var pipeline = SourcePipeline(feed)
        for await received in feed.source.events {
            var actions = pipeline.receive(received)
            while !actions.isEmpty {
                switch actions.removeFirst() {
                case .show(let event, let record):
                    if record, let recording = feed.recording {
                        recording.record(event)
                        actions += pipeline.recorded(failure: recording.failure)
                    }
                    if await !enqueue(.link(source: index, event)) { feed.source.stop() }
                case .stopSource:
                    feed.source.stop()
                case .reportRecordingFailure(let failure):
                    // Nothing may be written outside the screen while it is up: a failed recording
                    // is a note on the status line now, and a line on stderr once the terminal is
                    // restored.
                    let note = LinkEvent.state(.note(transport: received.transport ?? .websocket, text: failure), at: Link.wallClock())
                    if await !enqueue(.link(source: index, note)) { feed.source.stop() }
                }
            }
        }
    }

    /// Queues an event, parking while the queue is full; false when the source should stop.
    private func enqueue(_ event: DashboardEvent) async -> Bool {
        let (enqueued, wake) = lock.withLock { (handOff.enqueue(event), self.wake) }
        if enqueued.wakeUI { wake?.wake() }
        if enqueued.mustPark {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                if lock.withLock({ handOff.park(c) }) { c.resume() }
            }
        }
        return !enqueued.stopSource
    }

    /// The UI thread: steps the loop, sleeping in `poll()` between steps until a key, a resize, a
    /// burst (woken through the pipe), the frame a changed model waits for, an alert's hold timer
    /// or the next second. Nothing else wakes an idle dashboard.
    private func runLoop(_ backend: CursesBackend) {
        let board = Board(layout: layout, sources: feeds.map { ($0.name, $0.configuration) })
        let loop = DashboardLoop(board: board, backend: backend, fps: fps, ascii: forceASCII)
        loop.endNotice = feeds.count == 1 ? feeds[0].source.endNotice : nil
        loop.followsEventTimes = !feeds.isEmpty && feeds.allSatisfy { $0.source.timesAreRecorded }
        loop.onReconnect = { [feeds] in feeds.forEach { $0.source.reconnectNow() } }
        if let reloadLayout {
            loop.onReload = { reloadLayout() }
        }
        var response = AlertResponse(exitOnAlert: exitOnAlert)
        loop.onAlert = { [self] change in
            for action in response.respond(to: change, rule: loop.board.rule(for: change.alert)) {
                switch action {
                case .ringBell: backend.bell()
                case .run(let argv, let change, let timeout):
                    AlertCommand.run(argv, change: change, timeout: timeout) { [self] failure in
                        guard let failure else { return }
                        Task { _ = await enqueue(.notice(failure)) }
                    }
                case .endRun:
                    endedOnAlert = true
                    requestQuit()
                }
            }
        }
        let clock = ContinuousClock()
        let start = clock.now
        var wakeups = 0
        defer {
            // For the render-cost benchmark: frames drawn and seconds run.
            if let path = ProcessInfo.processInfo.environment["LIVETOP_FRAME_STATS"] {
                let messages = loop.board.sources.reduce(0) { $0 + $1.store.stats.messages }
                let line = "frames=\(loop.frames) seconds=\(String(format: "%.3f", (clock.now - start).seconds)) wakeups=\(wakeups) "
                    + "messages=\(messages) render_cpu=\(String(format: "%.4f", loop.renderCPU))\n"
                try? line.write(toFile: path, atomically: true, encoding: .utf8)
            }
        }
        while true {
            // The pipe was drained before this, so a burst queued from here on wakes the next wait.
            let taken = lock.withLock { handOff.take() }
            taken.resume.forEach { $0.resume() }  // the queue has room again
            if taken.quit { return }
            let monotonic = (clock.now - start).seconds
            guard let sleep = loop.step(taken.events, sourcesFinished: taken.sourcesFinished, monotonic: monotonic,
                                        wall: Timestamp(nanoseconds: Link.wallClock())) else { return }
            guard backend.wait(milliseconds: sleep) else {
                return  // the terminal hung up (and no SIGHUP came, as under nohup): nothing to draw on
            }
            wakeups += 1
        }
    }
}
