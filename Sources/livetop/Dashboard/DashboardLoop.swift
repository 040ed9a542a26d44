#if canImport(Glibc)
import Glibc
#endif
import LiveModel
import PushLink

/// What reaches the UI thread through the hand-off.
enum DashboardEvent: Sendable {
    /// An event of source number `source`.
    case link(source: Int, LinkEvent)
    /// A line for the status line (an alert command that failed).
    case notice(String)
}

/// The UI thread's work, one step at a time: fold what arrived, check alerts, apply keys, draw
/// when due, and say how long to sleep. It owns the board and the view; the terminal is any
/// `TerminalBackend`, so tests drive it on a `TestBackend` with a moved clock.
final class DashboardLoop {
    private(set) var board: Board
    private(set) var view = ViewState()
    private var scheduler: FrameScheduler
    private let backend: any TerminalBackend
    /// What the keys know of the last frame.
    private(set) var context = KeyContext()
    private var drawnRevision: UInt64 = .max
    private var drawnView: ViewState?
    private var mustDraw = true
    /// A transient line for the status bar (a bad reload, a failed alert command) and when it goes.
    private(set) var message: (text: String, until: Double)?
    /// `p`: the board and the time as they were when the screen was frozen; drawn instead of the
    /// live board (which keeps folding) until `p` again jumps to now.
    private var frozen: (board: Board, at: Timestamp)?
    private(set) var frames = 0
    /// The tables' rows, kept between frames while their store does not change.
    let tables = TableMemo()
    /// CPU seconds the UI thread spent rendering and drawing frames, for the render-cost benchmark.
    private(set) var renderCPU = 0.0
    /// The UI thread's CPU time (only for `renderCPU`; tests may swap it).
    var cpuClock: () -> Double = DashboardLoop.threadCPUSeconds
    /// What the loop asks of the world outside: reconnect the sources, read the layout again, an
    /// alert was raised or cleared.
    var onReconnect: () -> Void = {}
    var onReload: () -> Result<(layout: Layout, warnings: [String]), LayoutError>? = { nil }
    var onAlert: (AlertChange) -> Void = { _ in }
    /// Shown on the status line once the sources have ended (a replay's last frame); nil ends
    /// the loop with the sources.
    var endNotice: String?
    /// Seconds a status-line message stays.
    static let messageSeconds = 10.0
    /// The sources' events carry recorded times (a replay at `--speed 0`, played in a moment):
    /// the time shown, the charts, staleness and alert holds follow the newest of them, not
    /// `wall`, which would put a whole recording in one chart column.
    var followsEventTimes = false
    /// The newest time an event carried, when `followsEventTimes`.
    private var eventClock: Int64?

    init(board: Board, backend: any TerminalBackend, fps: Int, ascii: Bool) {
        self.board = board
        self.backend = backend
        scheduler = FrameScheduler(fps: fps)
        view.ascii = ascii || backend.asciiOnly
        view.noColor = !backend.colors
    }

    /// One pass. `monotonic` is seconds on a steady clock, `wall` the time shown. Returns the
    /// milliseconds to sleep, or nil when the dashboard should end.
    func step(_ events: [DashboardEvent], sourcesFinished: Bool, monotonic: Double, wall wallClock: Timestamp) -> Int32? {
        if followsEventTimes { advanceEventClock(over: events) }
        let wall = eventClock.map { Timestamp(nanoseconds: $0) } ?? wallClock
        for event in events {
            switch event {
            case .link(let source, let linkEvent): board.apply(LiveEvent(linkEvent), source: source)
            case .notice(let text):
                message = (text, monotonic + Self.messageSeconds)
                board.note(text, at: wall)
                mustDraw = true
            }
        }
        for change in board.checkAlerts(at: wall) { onAlert(change) }
        if sourcesFinished {
            // Nothing more will come: end now (no frame for a screen about to go), or hold the
            // last frame with a notice until q.
            guard let endNotice else { return nil }
            view.notice = endNotice
        }
        while let key = backend.readKey() {
            let (next, commands) = KeyMap.apply(key, to: view, context: context)
            view = next
            for command in commands {
                switch command {
                case .quit: return nil
                case .reconnect:
                    onReconnect()
                    // Said, so the key is seen to do something even when the connection was fine.
                    message = ("reconnecting (asked)", monotonic + Self.messageSeconds)
                    board.note("reconnecting (asked with r)", at: wall)
                    mustDraw = true
                case .redrawAll:
                    backend.invalidate()
                    mustDraw = true
                case .reloadLayout: reload(at: monotonic, wall: wall)
                case .dismissMessage:
                    if message != nil { mustDraw = true }
                    message = nil
                }
            }
        }
        if view.paused, frozen == nil { frozen = (board, wall) }
        if !view.paused, frozen != nil {
            frozen = nil
            mustDraw = true
        }
        if backend.followTerminalSize() { mustDraw = true }
        if let current = message, monotonic >= current.until {
            message = nil
            mustDraw = true
        }
        let modelChanged = board.revision != drawnRevision && !view.paused
        if scheduler.isDue(at: monotonic, modelChanged: modelChanged, mustDraw: mustDraw || view != drawnView) {
            let (width, height) = backend.size
            let cpuBefore = cpuClock()
            let live = frozen.map { f in
                (board, wall, zip(board.sources, f.board.sources).reduce(Int64(0)) { $0 + $1.0.store.stats.messages - $1.1.store.stats.messages })
            }
            let frame = Screen.render(frozen?.board ?? board, view: view, width: width, height: height, now: frozen?.at ?? wall,
                                      message: message?.text, live: live, memo: tables)
            backend.draw(frame.buffer)
            renderCPU += cpuClock() - cpuBefore
            context = frame.context
            frames += 1
            scheduler.drew(at: monotonic)
            drawnRevision = board.revision
            drawnView = view
            mustDraw = false
        }
        let stillChanged = board.revision != drawnRevision && !view.paused
        // An alert's hold timer ends between messages: wake for it too.
        let deadline = board.nextAlertDeadline.map { monotonic + max(0, $0 - wall) }
        let messageEnd = message.map(\.until)
        return scheduler.sleep(at: monotonic, modelChanged: stillChanged, deadline: [deadline, messageEnd].compactMap { $0 }.min())
    }

    static func threadCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    private func advanceEventClock(over events: [DashboardEvent]) {
        for case .link(_, let event) in events {
            let time: Int64
            switch event {
            case .state(_, let at): time = at
            case .messages(let batch): time = batch.receivedAt
            }
            eventClock = max(eventClock ?? time, time)
        }
    }

    private func reload(at monotonic: Double, wall: Timestamp) {
        switch onReload() {
        case nil:
            message = ("no layout file to reload", monotonic + Self.messageSeconds)
        case .failure(let error):
            // It stays until the file loads or Esc dismisses it: a reason read in passing is lost.
            message = ("reload failed, layout kept: \(error)", .infinity)
        case .success(let (layout, warnings)):
            board.replaceLayout(layout).forEach(onAlert)
            // Warnings as on start (unknown keys, keys that do not apply): each in the event panel.
            warnings.forEach { board.note($0, at: wall) }
            message = (warnings.isEmpty ? "layout reloaded"
                       : "layout reloaded with \(warnings.count) warning\(warnings.count == 1 ? "" : "s") (e shows them)",
                       monotonic + Self.messageSeconds)
        }
        if let message { board.note(message.text, at: wall) }
        mustDraw = true
    }
}
