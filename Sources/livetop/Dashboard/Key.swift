/// A key the dashboard understands, as the terminal backend reads it.
enum Key: Hashable, Sendable {
    case character(Character)
    case up, down, left, right, pageUp, pageDown, tab, backTab, enter, escape, backspace, resize
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

/// What the keys need to know of the screen as last drawn. Taken from the last frame, so a key
/// press never derives the panels from the model again.
struct KeyContext: Hashable, Sendable {
    var panelCount = 0
    var logCount = 0
    /// Columns of the table a sort key cycles through.
    var sortableColumns = 12
    /// Lines of the event panel, as last drawn.
    var eventLines = 0
}

/// The keys as a pure function: the view and a key in, the new view and the commands out.
enum KeyMap {
    static func apply(_ key: Key, to view: ViewState, context: KeyContext) -> (ViewState, [Command]) {
        var view = view
        if view.editingFilter {
            switch key {
            case .enter: view.editingFilter = false
            case .escape:
                view.editingFilter = false
                view.filter = ""
            case .backspace: if !view.filter.isEmpty { view.filter.removeLast() }
            case .character(let c): view.filter.append(c)
            case .resize: return (view, [.redrawAll])
            default: break
            }
            return (view, [])
        }
        let panels = max(1, context.panelCount)
        // With the event panel open, the scroll keys scroll it.
        if view.showEvents, [.character("k"), .pageUp, .character("j"), .pageDown].contains(key) {
            let step = key == .pageUp || key == .pageDown ? 10 : 1
            let back = key == .character("k") || key == .pageUp
            view.eventScroll = back ? min(max(0, context.eventLines - 1), view.eventScroll + step) : max(0, view.eventScroll - step)
            return (view, [])
        }
        switch key {
        case .character("q"), .character("Q"): return (view, [.quit])
        case .character("?"): view.showHelp.toggle()
        case .character("e"):
            view.showEvents.toggle()
            view.eventScroll = 0
        case .character("p"): view.paused.toggle()
        case .character("r"): return (view, [.reconnect])
        case .character("L"): return (view, [.reloadLayout])
        case .character("/"): view.editingFilter = true
        case .character("s"):
            view.sortColumn = view.sortColumn.map { $0 + 1 < context.sortableColumns ? $0 + 1 : nil } ?? 0
        case .tab, .right, .down: view.focus = ((view.focus ?? -1) + 1) % panels
        case .backTab, .left, .up: view.focus = ((view.focus ?? panels) - 1 + panels) % panels
        case .enter: if view.focus != nil { view.zoomed.toggle() }
        case .character("k"), .pageUp: view.logScroll = min(context.logCount, view.logScroll + (key == .pageUp ? 10 : 1))
        case .character("j"), .pageDown: view.logScroll = max(0, view.logScroll - (key == .pageDown ? 10 : 1))
        case .escape:
            view.showHelp = false
            view.showEvents = false
            view.zoomed = false
            view.filter = ""
            return (view, [.dismissMessage])
        case .resize: return (view, [.redrawAll])
        default: break
        }
        return (view, [])
    }
}
