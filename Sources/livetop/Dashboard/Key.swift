/// A key the dashboard understands, as the terminal backend reads it.
enum Key: Hashable, Sendable {
    case character(Character)
    case up, down, left, right, pageUp, pageDown, home, end, tab, backTab, enter, escape, backspace, resize
    /// A click or the wheel (off with --no-mouse, or where the terminal reports none).
    case mouse(MouseEvent)
}

/// What a key asks of the world outside the view: the loop carries these out.
enum Command: Hashable, Sendable {
    case quit
    /// `r`: every source reconnects at once.
    case reconnect
    /// `L`: read the layout file again.
    case reloadLayout
    /// Forget the last frame and draw the next one whole (after a resize).
    case redrawAll
    /// Esc: a message that stays until dismissed (a failed reload) goes.
    case dismissMessage
}

/// Where a panel was drawn and what it holds, as the last frame left it: what focus by screen
/// position and the scroll keys need.
struct PanelPlace: Hashable, Sendable {
    enum Kind: Hashable, Sendable {
        /// `rows`: rows after the row filter; `columns`: the columns `s`/`S` go through.
        case table(rows: Int, columns: Int)
        /// The sequence numbers of the oldest and newest messages the log holds.
        case log(oldest: Int64, newest: Int64)
        case other
    }

    var rect: Rect
    var kind: Kind
    /// Rows (or lines) of data the panel shows at once: a page for PgUp/PgDn.
    var page = 1
    /// A table's header as drawn, for a click on a column's title.
    var header: TableHeader? = nil

    /// Where the cell (`x`, `y`) lies in this panel's box.
    func contains(x: Int, y: Int) -> Bool { x >= rect.x && x < rect.maxX && y >= rect.y && y < rect.maxY }
}

/// A table's header row as last drawn: its line and the cells of each column shown, by the index
/// `s`/`S` sort by (columns dropped for want of room are missing).
struct TableHeader: Hashable, Sendable {
    var y: Int
    var columns: [Range<Int>]

    /// The column whose title is at (`x`, `y`), if any.
    func column(x: Int, y: Int) -> Int? {
        guard y == self.y else { return nil }
        return columns.firstIndex { $0.contains(x) }
    }
}

/// What the keys need to know of the screen as last drawn. Taken from the last frame, so a key
/// press never derives the panels from the model again.
struct KeyContext: Hashable, Sendable {
    var panelCount = 0
    /// The panels drawn, by index (panels filtered out or not fitting are missing).
    var places: [Int: PanelPlace] = [:]
    /// Lines of the event panel, as last drawn.
    var eventLines = 0

    /// The panel the scroll, sort and row-filter keys act on: the focused one when it is a table
    /// or a log; with none focused, the first log drawn (as j/k always scrolled the log).
    func target(of view: ViewState) -> Int? {
        if let focus = view.focus, let place = places[focus] {
            switch place.kind {
            case .table, .log: return focus
            case .other: break
            }
        }
        return places.filter { if case .log = $0.value.kind { return true } else { return false } }.keys.min()
    }
}

/// The keys: one list of bindings says what each key does, and the same list writes the `?`
/// overlay and the README's key table (`markdownTable`, checked by a test), so the three never
/// disagree. `apply` is a pure function: the view and a key in, the new view and the commands out.
enum KeyMap {
    enum Action: Hashable, Sendable {
        case quit, help, events, pause, reconnect, reload
        case focusNext, focusPrevious, focusLeft, focusRight, focusUp, focusDown, zoom
        case lineUp, lineDown, pageUp, pageDown, top, bottom
        case filter, sortNext, sortPrevious, clear
        /// What the mouse resolves to (`pointed`): a click focuses a panel, or sorts the focused
        /// table by the column whose title it hit; a wheel notch scrolls the panel under the pointer.
        case focusPanel(Int)
        case sortBy(panel: Int, column: Int)
        /// `panel` nil: the event panel (`e`).
        case wheel(panel: Int?, down: Bool)
    }

    /// Lines a wheel notch scrolls (as three j or k), the step most terminal programs take.
    static let wheelLines = 3

    struct Binding: Sendable {
        /// The keys of one line of the help, each with what it does.
        var keys: [(key: Key, action: Action)]
        /// The keys as the help shows them.
        var label: String
        var help: String

        init(_ keys: [(key: Key, action: Action)], _ label: String, _ help: String) {
            self.keys = keys
            self.label = label
            self.help = help
        }

        init(_ keys: [Key], _ action: Action, _ label: String, _ help: String) {
            self.init(keys.map { ($0, action) }, label, help)
        }
    }

    static let bindings: [Binding] = [
        Binding([.character("q"), .character("Q")], .quit, "q, Ctrl-C", "quit"),
        Binding([.character("?")], .help, "?", "this help"),
        Binding([.character("p")], .pause, "p", "pause every panel (p again: jump to now)"),
        Binding([.character("r")], .reconnect, "r", "reconnect every source now"),
        Binding([(.tab, .focusNext), (.backTab, .focusPrevious)], "Tab, S-Tab", "focus the next or previous panel"),
        Binding([(.left, .focusLeft), (.right, .focusRight), (.up, .focusUp), (.down, .focusDown)], "arrows",
                "focus the panel on that side on screen"),
        Binding([.enter], .zoom, "Enter", "zoom the focused panel (again: back)"),
        Binding([(.character("j"), .lineDown), (.character("k"), .lineUp)], "j, k",
                "scroll the focused table or log (else the log)"),
        Binding([(.pageDown, .pageDown), (.pageUp, .pageUp)], "PgDn, PgUp", "scroll it a page"),
        Binding([.home, .character("g")], .top, "Home, g", "to the first row (a log: the oldest)"),
        Binding([.end, .character("G")], .bottom, "End, G", "to the last row (a log: follow the newest)"),
        Binding([.character("/")], .filter, "/", "filter the focused table's or log's rows, else panels"),
        Binding([(.character("s"), .sortNext), (.character("S"), .sortPrevious)], "s, S",
                "sort the focused table by the next or previous column"),
        Binding([.character("L")], .reload, "L", "reload the layout file"),
        Binding([.character("e")], .events, "e", "events: every state change and error, whole"),
        Binding([.escape], .clear, "Esc", "clear filters, zoom, help, scrolling: follow again"),
        // The mouse (off with --no-mouse): no key of its own; `pointed` turns each event into an action.
        Binding([], "click", "focus the panel; on the focused table's header: sort by that column (again: reverse)"),
        Binding([], "wheel", "scroll the table or log under the pointer (\(wheelLines) lines a notch)"),
    ]

    static let actions: [Key: Action] = {
        var map: [Key: Action] = [:]
        for binding in bindings { for (key, action) in binding.keys { map[key] = action } }
        return map
    }()

    /// The `?` overlay's lines: the keys column, then what they do.
    static var helpLines: [String] {
        let width = bindings.map(\.label.count).max() ?? 0
        return bindings.map { $0.label.padding(toLength: width + 2, withPad: " ", startingAt: 0) + $0.help }
    }

    /// The README's key table (a test compares it with the README between its markers).
    static var markdownTable: String {
        (["| key | what it does |", "|---|---|"] + bindings.map { b in
            let keys = b.label.split(separator: ",").map { "`\($0.trimmingCharacters(in: .whitespaces))`" }.joined(separator: ", ")
            return "| \(keys) | \(b.help.replacingOccurrences(of: "|", with: "\\|")) |"
        }).joined(separator: "\n")
    }

    static func apply(_ key: Key, to view: ViewState, context: KeyContext) -> (ViewState, [Command]) {
        var view = view
        if key == .resize { return (view, [.redrawAll]) }
        // The mouse does not type: a click or a wheel notch while a filter is typed changes nothing.
        if view.editingFilter, case .mouse = key { return (view, []) }
        if view.editingFilter {
            var text = view.filterTarget.flatMap { view.rowFilters[$0] } ?? (view.filterTarget == nil ? view.filter : "")
            switch key {
            case .enter: view.editingFilter = false
            case .escape:
                view.editingFilter = false
                text = ""
            case .backspace: if !text.isEmpty { text.removeLast() }
            case .character(let c): text.append(c)
            default: break
            }
            if let target = view.filterTarget {
                view.rowFilters[target] = text.isEmpty ? nil : text
                // A new filter starts at the top of what it leaves.
                view.rowOffsets[target] = nil
                view.logAnchors[target] = nil
            } else {
                view.filter = text
            }
            return (view, [])
        }
        let action: Action
        if case .mouse(let mouse) = key {
            guard let pointed = pointed(mouse, view: view, context: context) else { return (view, []) }
            action = pointed
        } else {
            guard let bound = actions[key] else { return (view, []) }
            action = bound
        }
        // With the event panel open, the scroll keys (and the wheel) scroll it.
        if view.showEvents, case .wheel(_, let down) = action {
            for _ in 0..<wheelLines { (view, _) = perform(down ? .lineDown : .lineUp, on: view, context: context) }
            return (view, [])
        }
        return perform(action, on: view, context: context)
    }

    /// What the mouse event under the pointer asks: nil for nothing (a click on no panel, the
    /// wheel over a panel that does not scroll). With the help shown a click closes it; with the
    /// event panel open the wheel scrolls it.
    static func pointed(_ mouse: MouseEvent, view: ViewState, context: KeyContext) -> Action? {
        if view.showHelp { return mouse.button == .press ? .help : nil }
        if view.showEvents {
            return mouse.button == .press ? nil : .wheel(panel: nil, down: mouse.button == .wheelDown)
        }
        // Panels' boxes do not overlap; the lowest index wins should they ever.
        guard let hit = context.places.filter({ $0.value.contains(x: mouse.x, y: mouse.y) }).min(by: { $0.key < $1.key }) else {
            return nil
        }
        let (index, place) = (hit.key, hit.value)
        switch mouse.button {
        case .press:
            if view.focus == index, case .table = place.kind, let column = place.header?.column(x: mouse.x, y: mouse.y) {
                return .sortBy(panel: index, column: column)
            }
            return .focusPanel(index)
        case .wheelUp, .wheelDown:
            switch place.kind {
            case .table, .log: return .wheel(panel: index, down: mouse.button == .wheelDown)
            case .other: return nil
            }
        }
    }

    /// One action on the view; the keys and the mouse both end here.
    private static func perform(_ action: Action, on view: ViewState, context: KeyContext) -> (ViewState, [Command]) {
        var view = view
        // With the event panel open, the scroll keys scroll it.
        if view.showEvents, [.lineUp, .lineDown, .pageUp, .pageDown, .top, .bottom].contains(action) {
            let last = max(0, context.eventLines - 1)
            switch action {
            case .lineUp: view.eventScroll = min(last, view.eventScroll + 1)
            case .pageUp: view.eventScroll = min(last, view.eventScroll + 10)
            case .lineDown: view.eventScroll = max(0, view.eventScroll - 1)
            case .pageDown: view.eventScroll = max(0, view.eventScroll - 10)
            case .top: view.eventScroll = last
            default: view.eventScroll = 0
            }
            return (view, [])
        }
        let panels = max(1, context.panelCount)
        switch action {
        case .quit: return (view, [.quit])
        case .help: view.showHelp.toggle()
        case .events:
            view.showEvents.toggle()
            view.eventScroll = 0
        case .pause: view.paused.toggle()
        case .reconnect: return (view, [.reconnect])
        case .reload: return (view, [.reloadLayout])
        case .focusNext: view.focus = ((view.focus ?? -1) + 1) % panels
        case .focusPrevious: view.focus = ((view.focus ?? panels) - 1 + panels) % panels
        case .focusLeft, .focusRight, .focusUp, .focusDown: view.focus = move(view.focus, action, context: context)
        case .zoom: if view.focus != nil { view.zoomed.toggle() }
        case .lineUp, .lineDown, .pageUp, .pageDown, .top, .bottom:
            if let target = context.target(of: view) { scroll(&view, action, target: target, context: context) }
        case .focusPanel(let index): view.focus = index
        case .sortBy(let panel, let column):
            // The column sorted already: the other way round; another: that one, worst or largest first.
            if view.sortColumns[panel] == column {
                if view.sortReversed.remove(panel) == nil { view.sortReversed.insert(panel) }
            } else {
                view.sortColumns[panel] = column
                view.sortReversed.remove(panel)
            }
        case .wheel(let panel, let down):
            guard let panel else { break }
            for _ in 0..<wheelLines { scroll(&view, down ? .lineDown : .lineUp, target: panel, context: context) }
        case .filter:
            view.editingFilter = true
            view.filterTarget = context.target(of: view).flatMap { view.focus == $0 ? $0 : nil }
        case .sortNext, .sortPrevious: sort(&view, forward: action == .sortNext, context: context)
        case .clear:
            view.showHelp = false
            view.showEvents = false
            view.zoomed = false
            view.filter = ""
            view.rowFilters = [:]
            view.rowOffsets = [:]
            view.logAnchors = [:]
            return (view, [.dismissMessage])
        }
        return (view, [])
    }

    /// Arrows move focus by where panels are on screen: the nearest panel whose box lies wholly
    /// on that side, preferring the one that overlaps the current panel's span most (Down from
    /// the top-left panel goes to the one below it, not the top-right one). Without a focus,
    /// any arrow focuses the top-left panel; with nothing on that side, focus stays.
    static func move(_ focus: Int?, _ action: Action, context: KeyContext) -> Int? {
        let places = context.places
        guard let focus, let here = places[focus]?.rect else {
            return places.min { ($0.value.rect.y, $0.value.rect.x, $0.key) < ($1.value.rect.y, $1.value.rect.x, $1.key) }?.key
                ?? (context.panelCount > 0 ? 0 : nil)
        }
        func overlap(_ a: Int, _ aEnd: Int, _ b: Int, _ bEnd: Int) -> Int { max(0, min(aEnd, bEnd) - max(a, b)) }
        let scored = places.compactMap { index, place -> (Int, Int, Int, Int)? in
            let r = place.rect
            guard index != focus else { return nil }
            let distance: Int, span: Int, offset: Int
            switch action {
            case .focusDown where r.y >= here.maxY:
                (distance, span, offset) = (r.y - here.maxY, overlap(r.x, r.maxX, here.x, here.maxX), abs(r.x - here.x))
            case .focusUp where r.maxY <= here.y:
                (distance, span, offset) = (here.y - r.maxY, overlap(r.x, r.maxX, here.x, here.maxX), abs(r.x - here.x))
            case .focusRight where r.x >= here.maxX:
                (distance, span, offset) = (r.x - here.maxX, overlap(r.y, r.maxY, here.y, here.maxY), abs(r.y - here.y))
            case .focusLeft where r.maxX <= here.x:
                (distance, span, offset) = (here.x - r.maxX, overlap(r.y, r.maxY, here.y, here.maxY), abs(r.y - here.y))
            default: return nil
            }
            // Panels sharing some of the span come first, then the nearest, then the best aligned.
            return (span > 0 ? 0 : 1, distance, offset, index)
        }
        return scored.min { ($0.0, $0.1, $0.2, $0.3) < ($1.0, $1.1, $1.2, $1.3) }?.3 ?? focus
    }

    /// j/k, PgUp/PgDn, Home/End on the target table (the first row shown) or log (the newest
    /// message shown, by sequence number, so arriving messages do not slide a scrolled log).
    private static func scroll(_ view: inout ViewState, _ action: Action, target: Int, context: KeyContext) {
        guard let place = context.places[target] else { return }
        let page = max(1, place.page)
        switch place.kind {
        case .table(let rows, _):
            let last = max(0, rows - page)
            let now = min(last, view.rowOffsets[target] ?? 0)
            let clamped = max(0, min(last, scrolled(now, action, page: max(1, page - 1), top: 0, bottom: last)))
            view.rowOffsets[target] = clamped == 0 ? nil : clamped
        case .log(let oldest, let newest):
            let lowest = min(newest, oldest + Int64(page) - 1)
            let now = view.logAnchors[target] ?? newest
            let clamped = max(lowest, scrolled(now, action, page: Int64(max(1, page - 1)), top: lowest, bottom: newest))
            view.logAnchors[target] = clamped >= newest ? nil : clamped
        case .other:
            break
        }
    }

    /// Where a scroll key moves a position that grows downwards (a table's first row shown, a
    /// log's newest message shown): a line, a page (`page`, one line kept), or to either end.
    private static func scrolled<T: BinaryInteger>(_ now: T, _ action: Action, page: T, top: T, bottom: T) -> T {
        switch action {
        case .lineUp: now - 1
        case .lineDown: now + 1
        case .pageUp: now - page
        case .pageDown: now + page
        case .top: top
        default: bottom
        }
    }

    /// `s`/`S` on the focused table (with nothing focused, the first table shown, which takes the
    /// focus; with another panel focused, nothing): none, then each column forward (or back),
    /// then none again.
    private static func sort(_ view: inout ViewState, forward: Bool, context: KeyContext) {
        let tables = context.places.filter { if case .table = $0.value.kind { return true } else { return false } }
        guard let target = view.focus.map({ tables[$0] != nil ? $0 : nil }) ?? tables.keys.min(),
              case .table(_, let columns)? = tables[target]?.kind, columns > 0 else { return }
        let now = view.sortColumns[target]
        let next: Int?
        if forward {
            next = now.map { $0 + 1 < columns ? $0 + 1 : nil } ?? 0
        } else {
            next = now.map { $0 > 0 ? $0 - 1 : nil } ?? columns - 1
        }
        view.sortColumns[target] = next
        view.sortReversed.remove(target)  // `s` sorts each column its own way round
        if view.focus == nil { view.focus = target }  // the table sorted is the one focused: seen, never hidden
    }
}
