import LiveModel

/// A drawn screen and what the keys need to know of it.
struct Frame {
    var buffer: Buffer
    var context: KeyContext
}

/// The whole UI as one function of the board and the view: panels declared by a layout or derived
/// from the data with no configuration, the alert strip and the status lines at the bottom.
/// Rendering never writes state.
enum Screen {
    /// The auto layout of one store (no layout file), for tests and snapshots.
    static func render(_ store: LiveStore, view: ViewState, width: Int, height: Int, now: Timestamp) -> Buffer {
        render(Board(layout: nil, stores: [("", store)]), view: view, width: width, height: height, now: now).buffer
    }

    /// The whole screen: panels (declared by the layout, or derived from the one source's data),
    /// the alert strip when alerts are raised, and one status line per source at the bottom.
    /// While `p` has frozen the panels: `live` is the board as it is now, whose status lines (the
    /// connections go on) are drawn at `liveNow`, with the messages folded since the freeze.
    /// `memo` keeps the tables' rows between frames (the loop's); nil works them out each frame.
    static func render(_ board: Board, view: ViewState, width: Int, height: Int, now: Timestamp, message: String? = nil,
                       live: (board: Board, now: Timestamp, arrived: Int64)? = nil, memo: TableMemo? = nil) -> Frame {
        var buffer = Buffer(width: width, height: height)
        var context = KeyContext()
        guard width > 0, height > 0 else { return Frame(buffer: buffer, context: context) }
        let glyphs = view.ascii ? Glyphs.ascii : Glyphs.unicode
        // Every source keeps its status line while there is a row for the panels.
        let statusRows = max(1, min(board.sources.count, height - 1))
        var (main, bottom) = buffer.area.splitBottom(statusRows)
        let alerts = (live?.board ?? board).monitor.active  // alerts go on while the panels are frozen
        for (i, source) in (live?.board ?? board).sources.prefix(statusRows).enumerated() {
            let row = Rect(x: bottom.x, y: bottom.y + i, width: bottom.width, height: 1)
            StatusLine(status: source.store.status, stats: source.store.stats, now: live?.now ?? now, paused: view.paused,
                       arrivedWhilePaused: i == 0 ? live?.arrived : nil,
                       notice: i == 0 ? (message ?? view.notice) : nil, glyphs: glyphs,
                       name: board.sources.count > 1 ? source.name : nil, alerts: i == 0 ? alerts.count : 0,
                       worstAlert: i == 0 ? alerts.first?.level : nil, maxKeys: source.store.configuration.maxKeys)
                .render(in: row, into: &buffer)
        }
        // A layout that declares alerts keeps the strip's row while none is raised, so the panels
        // above do not shrink by a row (and jump) the moment one is.
        let declaresAlerts = board.layout?.panels.contains { $0.alert != nil } ?? false
        if !alerts.isEmpty || declaresAlerts, main.height >= 2 {
            let (rest, strip) = main.splitBottom(1)
            AlertStrip(alerts: alerts, now: now, glyphs: glyphs).render(in: strip, into: &buffer)
            main = rest
        }
        if let layout = board.layout {
            context = LayoutScreen(layout: layout, board: board, view: view, now: now, glyphs: glyphs, memo: memo)
                .render(in: main, into: &buffer)
        } else if let store = board.sources.first?.store {
            // No file: the layout derived from the data for this size, drawn as a declared one.
            let auto = AutoLayout.screen(store, width: main.width, height: main.height, filter: view.filter)
            context = LayoutScreen(layout: auto.layout, board: board, view: view, now: now, glyphs: glyphs, memo: memo)
                .render(in: main, into: &buffer)
            if auto.hidden > 0, !view.zoomed, !main.isEmpty {
                let note = "+\(auto.hidden) more"
                buffer.write(note, x: max(main.x, main.maxX - TerminalText.width(note) - 1), y: main.maxY - 1, style: .muted, clip: main)
            }
        }
        let typed = view.filterTarget.map { view.rowFilters[$0] ?? "" } ?? view.filter
        if view.editingFilter || !view.filter.isEmpty, main.height > 0 {
            let prompt = "/" + (view.editingFilter ? typed : view.filter) + (view.editingFilter ? "_" : "")
            buffer.write(prompt, x: max(0, main.maxX - TerminalText.width(prompt) - 1), y: main.y, style: .color(.magenta, bold: true))
        }
        if view.showEvents {
            context.eventLines = EventPanel(events: board.events, scroll: view.eventScroll, glyphs: glyphs).render(in: main, into: &buffer)
        }
        if view.showHelp { HelpOverlay().render(in: main, into: &buffer) }
        return Frame(buffer: buffer, context: context)
    }
}
