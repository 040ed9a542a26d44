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
    /// A panel the auto layout found in the model.
    enum Panel {
        case tile(title: String, value: String, history: History?)
        case table(title: String, pairs: [(key: String, value: String)])
        case rows(title: String, columns: [String], rows: [[String]])
        case log

        var title: String {
            switch self {
            case .tile(let t, _, _), .table(let t, _): return t
            case .rows(let t, _, _): return t
            case .log: return "log"
            }
        }
    }

    /// The panels for the current model: numbers and other scalars become tiles, objects and
    /// arrays tables, upsert rows one table, and the log comes last.
    static func panels(_ store: LiveStore, view: ViewState) -> [Panel] {
        var panels: [Panel] = []
        if case .upsert = store.configuration.fold {
            if let panel = rowsPanel(title: "rows", keyColumn: nil, rows: store.rows.map { $0.value }) {
                panels.append(panel)
            }
        } else {
            switch store.value {
            case .object(let root):
                for (key, value) in root {
                    let pointer = JSONPointer(tokens: [key])
                    switch value {
                    case .object(let o) where !o.isEmpty && o.allSatisfy({ $0.value.objectValue != nil }):
                        // An object of objects (services by name, hosts by id) reads best as rows.
                        let rows = o.map { name, inner -> JSONValue in
                            var row = JSONObject()
                            row[key] = .string(name)
                            for (k, v) in inner.objectValue ?? JSONObject() where k != key { row[k] = v }
                            return .object(row)
                        }
                        if let panel = rowsPanel(title: key, keyColumn: key, rows: rows) { panels.append(panel) }
                    case .object(let o):
                        panels.append(.table(title: key, pairs: o.map { ($0.key, Format.value($0.value)) }))
                    case .array(let a):
                        panels.append(.table(title: key, pairs: a.enumerated().map { (String($0.offset), Format.value($0.element)) }))
                    default:
                        panels.append(.tile(title: key, value: Format.value(value), history: store.history(at: pointer)))
                    }
                }
            case .null:
                break
            case let other:
                panels.append(.tile(title: "value", value: Format.value(other), history: store.history(at: JSONPointer(tokens: []))))
            }
        }
        if !view.filter.isEmpty {
            panels = panels.filter { $0.title.lowercased().contains(view.filter.lowercased()) }
        }
        panels.append(.log)
        return panels
    }

    /// One table with a column per key found in the rows (first seen, first shown).
    private static func rowsPanel(title: String, keyColumn: String?, rows: [JSONValue]) -> Panel? {
        var columns: [String] = keyColumn.map { [$0] } ?? []
        var seen = Set(columns)
        for row in rows {
            for (k, _) in row.objectValue ?? JSONObject() where !seen.contains(k) {
                seen.insert(k)
                columns.append(k)
            }
        }
        guard !columns.isEmpty else { return nil }
        let table = rows.map { row in columns.map { c in row.objectValue?[c].map(Format.value) ?? "" } }
        return .rows(title: title, columns: columns, rows: table)
    }

    /// An auto table's rows as shown: those containing `filter`, sorted by column `sort` as `s`
    /// sorts (worst state first, numbers largest first, text A to Z).
    static func arranged(_ rows: [[String]], sort: Int?, filter: String?) -> [[String]] {
        var rows = rows
        if let needle = filter?.lowercased(), !needle.isEmpty {
            rows = rows.filter { $0.contains { $0.lowercased().contains(needle) } }
        }
        if let sort {
            let values = rows.map { row -> JSONValue? in
                guard sort < row.count, !row[sort].isEmpty else { return nil }
                return Double(row[sort]).map(JSONValue.double) ?? .string(row[sort])
            }
            rows = PanelContent.sortOrder(values, thresholds: nil).map { rows[$0] }
        }
        return rows
    }

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
        if !alerts.isEmpty, main.height >= 2 {
            let (rest, strip) = main.splitBottom(1)
            AlertStrip(alerts: alerts, now: now, glyphs: glyphs).render(in: strip, into: &buffer)
            main = rest
        }
        if let layout = board.layout {
            context = LayoutScreen(layout: layout, board: board, view: view, now: now, glyphs: glyphs, memo: memo)
                .render(in: main, into: &buffer)
        } else if let store = board.sources.first?.store {
            let panels = panels(store, view: view)
            context.panelCount = panels.count
            var indexed = Array(panels.enumerated())
            if view.zoomed, let focus = view.focus, focus < panels.count { indexed = [indexed[focus]] }
            context.places = layout(indexed, store: store, view: view, in: main, glyphs: glyphs, into: &buffer)
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

    /// Tiles in a grid at the top, then tables, then the log in what is left; what does not fit
    /// is summarised, never drawn over. Returns where each panel went, for the keys.
    private static func layout(_ panels: [(offset: Int, element: Panel)], store: LiveStore, view: ViewState, in area: Rect,
                               glyphs: Glyphs, into buffer: inout Buffer) -> [Int: PanelPlace] {
        var places: [Int: PanelPlace] = [:]
        guard !area.isEmpty else { return places }
        var rest = area
        let tiles = panels.filter { if case .tile = $0.element { return true } else { return false } }
        let others = panels.filter { if case .tile = $0.element { return false } else { return true } }
        var hidden = 0

        if !tiles.isEmpty {
            let tileWidth = min(area.width, 24)
            let perRow = max(1, (area.width + 1) / (tileWidth + 1))
            let rowsWanted = (tiles.count + perRow - 1) / perRow
            // Keep room for at least the log title and a line.
            let rowsFit = max(0, min(rowsWanted, (rest.height - (others.isEmpty ? 0 : 2)) / (ValueTile.height + 1)))
            let (grid, after) = rest.splitTop(rowsFit * (ValueTile.height + 1))
            rest = after
            let capacity = rowsFit * perRow
            for (n, item) in tiles.prefix(capacity).enumerated() {
                guard case .tile(let title, let value, let history) = item.element else { continue }
                let cell = Rect(x: grid.x + (n % perRow) * (tileWidth + 1), y: grid.y + (n / perRow) * (ValueTile.height + 1),
                                width: tileWidth, height: ValueTile.height)
                ValueTile(title: title, value: value, history: history, focused: view.focus == item.offset, glyphs: glyphs)
                    .render(in: cell, into: &buffer)
                places[item.offset] = PanelPlace(rect: cell, kind: .other)
            }
            hidden += max(0, tiles.count - capacity)
        }

        for (index, panel) in others {
            guard rest.height > 0 else {
                hidden += 1
                continue
            }
            let focused = view.focus == index
            switch panel {
            case .table(let title, let pairs):
                let wanted = min(pairs.count + 1, max(2, rest.height - 3))
                let (box, after) = rest.splitTop(min(rest.height, wanted + 1))
                rest = after
                KeyValueTable(title: title, pairs: pairs, focused: focused, glyphs: glyphs)
                    .render(in: Rect(x: box.x, y: box.y, width: box.width, height: max(0, box.height - 1)), into: &buffer)
                places[index] = PanelPlace(rect: box, kind: .other)
            case .rows(_, let columns, let rows):
                let shown = arranged(rows, sort: view.sortColumns[index], filter: view.rowFilters[index])
                let wanted = min(max(shown.count, 1) + 1, max(2, rest.height - 3))
                let (box, after) = rest.splitTop(min(rest.height, wanted + 1))
                rest = after
                let area = Rect(x: box.x, y: box.y, width: box.width, height: max(0, box.height - 1))
                RowTable(columns: columns, rows: shown, offset: view.rowOffsets[index] ?? 0, sortColumn: view.sortColumns[index], glyphs: glyphs,
                         emptyNote: view.rowFilters[index].map { "no rows match /\($0)" })
                    .render(in: area, into: &buffer)
                places[index] = PanelPlace(rect: box, kind: .table(rows: shown.count, columns: columns.count),
                                           page: max(1, RowTable.capacity(of: area)))
            case .log:
                LogPanel(log: store.log, anchor: view.logAnchors[index], filter: view.rowFilters[index], focused: focused, glyphs: glyphs)
                    .render(in: rest, into: &buffer)
                let (oldest, newest) = LogPanel.span(of: store.log)
                places[index] = PanelPlace(rect: rest, kind: .log(oldest: oldest, newest: newest), page: max(1, LogPanel.page(of: rest)))
                rest = Rect(x: rest.x, y: rest.maxY, width: rest.width, height: 0)
            case .tile:
                break
            }
        }
        if hidden > 0, area.height > 0 {
            let note = "+\(hidden) more"
            buffer.write(note, x: max(area.x, area.maxX - TerminalText.width(note)), y: area.maxY - 1, style: .muted)
        }
        return places
    }
}
