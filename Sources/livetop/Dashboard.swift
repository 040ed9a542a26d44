import Foundation
import LiveModel
import PushLink

/// The terminal dashboard. Link events arrive in batches on a queue; one thread owns the terminal
/// (every curses call happens there), folds the queued events into the store, reads keys, and draws
/// at most `fps` frames a second, only when the model or the view changed, plus once a second for
/// clocks and countdowns.
final class Dashboard<Source: FeedSource>: @unchecked Sendable {
    private let source: Source
    private let recording: Recording?
    private let configuration: LiveStore.Configuration
    private let fps: Int
    private let forceASCII: Bool
    private let maxMessages: Int64?
    private let lock = NSLock()
    /// Events the UI thread has not folded yet; the consumer waits while it holds `pendingLimit`.
    private var pending: [LinkEvent] = []
    private var consumerWaiting: CheckedContinuation<Void, Never>?
    /// Bursts queued at most: a UI thread that falls behind slows the source (and so the socket)
    /// instead of growing this queue; a replay at --speed 0 would otherwise queue the whole file.
    private static var pendingLimit: Int { 64 }
    private var linkFinished = false
    private var quitRequested = false
    /// Frames drawn, for the render-cost benchmark.
    private(set) var frames = 0

    init(source: Source, configuration: LiveStore.Configuration, fps: Int, ascii: Bool, maxMessages: Int64? = nil,
         recording: Recording? = nil) {
        self.source = source
        self.maxMessages = maxMessages
        self.recording = recording
        self.configuration = configuration
        self.fps = max(1, fps)
        self.forceASCII = ascii
    }

    func requestQuit() {
        lock.withLock { quitRequested = true; return wake }?.wake()
    }

    /// Runs until the user quits or the link ends. Returns false if the terminal could not be opened
    /// (the caller then falls back to JSON lines) — in that case nothing was drawn.
    func run() async -> Bool {
        let opened = await withCheckedContinuation { (started: CheckedContinuation<Bool, Never>) in
            let thread = Thread { [self] in
                guard let backend = CursesBackend() else { return started.resume(returning: false) }
                lock.withLock { wake = backend.wake }
                started.resume(returning: true)
                loop(backend)
                lock.withLock { quitRequested = true }
                source.stop()
            }
            thread.name = "livetop-ui"
            thread.start()
        }
        guard opened else { return false }
        Dashboard.restoreTerminalOnCrash()
        var limit = MessageLimit(maxMessages)
        for await received in source.events {
            var event = received
            if case .messages(let batch) = received {
                // --max-messages: exactly that many are folded (and recorded), then the source stops.
                guard let admitted = limit.admit(batch) else { continue }
                event = .messages(admitted)
                if limit.isReached { source.stop() }
            }
            recording?.record(event)
            // One wake-up per burst: only the event that finds the queue empty writes to the pipe.
            let (quit, wakeUI, full) = lock.withLock { () -> (Bool, Bool, Bool) in
                let wasEmpty = pending.isEmpty
                pending.append(event)
                return (quitRequested, wasEmpty, pending.count >= Self.pendingLimit)
            }
            if wakeUI { wake?.wake() }
            if quit { source.stop() }
            if full {
                await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                    let resumeNow = lock.withLock { () -> Bool in
                        if pending.count < Self.pendingLimit || uiDone || quitRequested { return true }
                        consumerWaiting = c
                        return false
                    }
                    if resumeNow { c.resume() }
                }
            }
        }
        lock.withLock { linkFinished = true }
        wake?.wake()
        // Wait for the UI thread to give the terminal back.
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let done = lock.withLock { () -> Bool in
                if uiDone { return true }
                uiFinished = c
                return false
            }
            if done { c.resume() }
        }
        return true
    }

    private var uiDone = false
    private var uiFinished: CheckedContinuation<Void, Never>?
    /// Set once the UI thread has opened the terminal; wakes it when events, quit or the end arrive.
    private var wake: WakePipe?

    private func loop(_ backend: CursesBackend) {
        defer {
            backend.end()
            let (finished, waiting) = lock.withLock { () -> (CheckedContinuation<Void, Never>?, CheckedContinuation<Void, Never>?) in
                uiDone = true
                defer {
                    uiFinished = nil
                    consumerWaiting = nil
                }
                return (uiFinished, consumerWaiting)
            }
            waiting?.resume()
            finished?.resume()
        }
        var store = LiveStore(configuration)
        var view = ViewState()
        view.ascii = forceASCII || backend.asciiOnly
        let clock = ContinuousClock()
        let start = clock.now
        let frameInterval = 1.0 / Double(fps)
        var lastFrame = -1.0
        var drawnRevision: UInt64 = .max
        var drawnView = view
        var drawnSecond = -1
        var mustDraw = true
        defer {
            // For the render-cost benchmark: frames drawn and seconds run.
            if let path = ProcessInfo.processInfo.environment["LIVETOP_FRAME_STATS"] {
                let line = "frames=\(frames) seconds=\(String(format: "%.3f", (clock.now - start).seconds)) wakeups=\(wakeups) messages=\(store.stats.messages)\n"
                try? line.write(toFile: path, atomically: true, encoding: .utf8)
            }
        }
        while true {
            // The pipe was drained before this, so a burst queued from here on wakes the next wait.
            let (events, finished, quit, waiting) = lock.withLock { () -> ([LinkEvent], Bool, Bool, CheckedContinuation<Void, Never>?) in
                defer {
                    pending.removeAll(keepingCapacity: true)
                    consumerWaiting = nil
                }
                return (pending, linkFinished, quitRequested, consumerWaiting)
            }
            waiting?.resume()  // the queue has room again
            if quit { return }
            for event in events { store.apply(LinkBridge.liveEvent(event)) }
            if finished {
                // Nothing more will come: end now (no frame for a screen about to go), or hold it.
                guard let notice = source.endNotice else { return }
                // The last frame stays up until q; the status line says why nothing moves.
                view.notice = notice
            }
            while let key = backend.readKey() {
                if key == .resize { mustDraw = true }
                if !handle(key, view: &view, store: store, backend: backend) { return }
            }
            if backend.followTerminalSize() { mustDraw = true }
            let elapsed = (clock.now - start).seconds
            let second = Int(elapsed)
            let modelChanged = store.revision != drawnRevision && !view.paused
            let frameDue = lastFrame + frameInterval
            if mustDraw || view != drawnView || (elapsed >= frameDue && (modelChanged || second != drawnSecond)) {
                let (width, height) = backend.size
                let now = Timestamp(nanoseconds: Link.wallClock())
                backend.draw(Screen.render(store, view: view, width: width, height: height, now: now))
                frames += 1
                lastFrame = elapsed
                drawnRevision = store.revision
                drawnView = view
                drawnSecond = second
                mustDraw = false
            }
            // Sleep until the next thing that can change the screen: a key, a resize, a burst of
            // events (woken through the pipe), the frame a changed model waits for, or the next
            // whole second for clocks and countdowns. Nothing else wakes an idle dashboard.
            let nextSecond = Double(Int(elapsed) + 1)
            let stillChanged = store.revision != drawnRevision && !view.paused
            let until = stillChanged ? min(max(lastFrame + frameInterval, elapsed), nextSecond) : nextSecond
            guard backend.wait(milliseconds: Int32(((until - elapsed) * 1000).rounded(.up)) + 1) else {
                return  // the terminal hung up (and no SIGHUP came, as under nohup): nothing to draw on
            }
            wakeups += 1
        }
    }

    /// Times the UI thread woke, for the render-cost benchmark.
    private var wakeups = 0

    /// Applies a key; false means quit.
    private func handle(_ key: CursesBackend.Key, view: inout ViewState, store: LiveStore, backend: CursesBackend) -> Bool {
        let panelCount = Screen.panels(store, view: view).count
        if view.editingFilter {
            switch key {
            case .enter, .escape:
                view.editingFilter = false
                if key == .escape { view.filter = "" }
            case .backspace: if !view.filter.isEmpty { view.filter.removeLast() }
            case .character(let c): view.filter.append(c)
            default: break
            }
            return true
        }
        switch key {
        case .character("q"), .character("Q"): return false
        case .character("?"): view.showHelp.toggle()
        case .character("p"): view.paused.toggle()
        case .character("r"): source.reconnectNow()
        case .character("/"): view.editingFilter = true
        case .character("s"): view.sortColumn = view.sortColumn.map { $0 + 1 < 12 ? $0 + 1 : nil } ?? 0
        case .tab, .right, .down: view.focus = ((view.focus ?? -1) + 1) % max(1, panelCount)
        case .backTab, .left, .up: view.focus = ((view.focus ?? panelCount) - 1 + panelCount) % max(1, panelCount)
        case .enter: view.zoomed.toggle()
        case .character("k"), .pageUp: view.logScroll = min(store.log.count, view.logScroll + (key == .pageUp ? 10 : 1))
        case .character("j"), .pageDown: view.logScroll = max(0, view.logScroll - (key == .pageDown ? 10 : 1))
        case .escape:
            view.showHelp = false
            view.zoomed = false
            view.filter = ""
        case .resize: backend.invalidate()
        default: break
        }
        return true
    }

    /// A crash must not leave the terminal raw: fatal signals restore it before dying.
    private static func restoreTerminalOnCrash() {
        for sig in [SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE] {
            signal(sig) { number in
                CursesBackend.emergencyRestore()
                signal(number, SIG_DFL)
                raise(number)
            }
        }
    }
}
