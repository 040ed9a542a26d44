import LiveModel

/// The layout livetop uses when no file declares one: a `Layout` derived from one store's data
/// (and the size it will be drawn at), the same value a layout file parses to, so the screen
/// draws it with `LayoutScreen` like any declared layout (docs/dashboard.md, docs/layouts.md).
///
/// What each root key becomes:
/// - a scalar (number, string, boolean): a tile; the document itself when it is one value: a tile "value";
/// - an object or an array: a table (`rows: /key`), which `LayoutScreen` draws as rows with
///   columns for an object of objects and as keys and values otherwise;
/// - upsert rows: one table over the root ("rows");
/// - the log comes last.
///
/// For the screen (`screen(_:width:height:filter:)`) every panel is sized in lines and only what
/// fits is laid out; for a starting file (`file(_:width:)`, `--print-layout`) panel kinds are
/// picked from the values (`FieldKind`) and heights are relative.
enum AutoLayout {
    /// From this width on, the panels other than tiles go two to a row.
    static let wideScreen = 120
    /// A tile's share of a row: 24 columns and one between tiles, as tiles always had.
    static let tileColumns = 25
    /// A chart's share of a row in a printed file: room for its y-axis labels and some history.
    static let chartColumns = 40
    /// A table is given at least its header and one row, inside its frame.
    static let minimumTableHeight = 4
    /// Children read to judge a container (an object of numbers or of rows), so that a table of
    /// 100,000 rows costs the same to judge as one of 200.
    static let judgedChildren = 200
    /// An object of numbers with more keys than this is a table, not one chart or gauge of them all.
    static let groupLimit = 8

    /// What one root key (or the root, or the upsert rows) holds.
    struct Field {
        enum Shape { case scalar, container, rows }
        var title: String
        var pointer: JSONPointer
        var shape: Shape
    }

    /// The fields of `store` in document order (the log is not one).
    static func fields(of store: LiveStore) -> [Field] {
        if case .upsert = store.configuration.fold {
            return (store.childKeys(at: JSONPointer(tokens: [])) ?? []).isEmpty ? [] : [Field(title: "rows", pointer: JSONPointer(tokens: []), shape: .rows)]
        }
        let root = JSONPointer(tokens: [])
        guard let keys = store.childKeys(at: root) else {
            // One plain value: the auto layout names it "value".
            guard let value = store.value(at: root), !value.isNull else { return [] }
            return [Field(title: "value", pointer: root, shape: .scalar)]
        }
        return keys.map { key in
            let pointer = JSONPointer(tokens: [key])
            return Field(title: key, pointer: pointer, shape: store.childKeys(at: pointer) == nil ? .scalar : .container)
        }
    }

    // MARK: The screen

    /// The screen's layout of `store` for an area of `width` x `height`, with what did not fit
    /// counted in `hidden` (the screen says `+N more`). Only panels whose title contains `filter`
    /// (case aside) are laid out, so a filter can bring back one that did not fit.
    static func screen(_ store: LiveStore, width: Int, height: Int, filter: String = "") -> (layout: Layout, hidden: Int) {
        let needle = filter.lowercased()
        func kept(_ panel: Panel) -> Bool { needle.isEmpty || panel.title.lowercased().contains(needle) }
        var tiles: [(panel: Panel, lines: Int)] = []
        var others: [(panel: Panel, lines: Int)] = []
        for field in fields(of: store) {
            switch field.shape {
            case .scalar:
                // A number gets a line for its sparkline under the value.
                let lines = store.value(at: field.pointer)?.numberValue == nil ? 3 : 4
                tiles.append((panel(.tile, field), lines))
            case .container, .rows:
                let rows = store.childKeys(at: field.pointer)?.count ?? 0
                others.append((panel(.table, field), rows + 3))  // frame, header, rows
            }
        }
        var log = Panel(kind: .log, title: "log", source: 0)
        log.title = "log (\(Format.grouped(Int64(store.log.total))) messages)"
        others.append((log, Int.max))
        tiles = tiles.filter { kept($0.panel) }
        others = others.filter { kept($0.panel) }

        // Tiles in rows of as many as fit at their width, then the others, two to a row when wide.
        var blocks: [(panels: [Panel], lines: Int, isTile: Bool)] = []
        for row in grid(tiles, perRow: max(1, (width + 1) / tileColumns)) {
            blocks.append((row.map(\.panel), row.map(\.lines).max() ?? 3, true))
        }
        for pair in grid(others, perRow: width >= wideScreen ? 2 : 1, balanced: false) {
            blocks.append((pair.map(\.panel), pair.map(\.lines).max() ?? 3, false))
        }

        var rows: [Layout.Row] = []
        var used = 0, hidden = 0
        let minimum = LayoutScreen.minimumHeight
        let hasOthers = blocks.contains { !$0.isTile }
        var tilesFit = true
        for (i, block) in blocks.enumerated() {
            let rest = height - used
            if block.isTile {
                // Tile rows keep the least height of a panel below them; once one does not fit,
                // the later ones are counted too, so the tiles shown are the first ones.
                tilesFit = tilesFit && block.lines + (hasOthers ? minimum : 0) <= rest
                if tilesFit {
                    rows.append(Layout.Row(height: block.lines, panels: block.panels))
                    used += block.lines
                } else {
                    hidden += block.panels.count
                }
                continue
            }
            // What the panel needs (the log: all that is left), leaving the next one its least height.
            let last = i == blocks.count - 1
            let lines = block.lines == Int.max ? rest : min(rest, min(block.lines, max(minimumTableHeight, rest - (last ? 0 : minimum))))
            guard lines >= minimum else {
                hidden += blocks[i...].reduce(0) { $0 + $1.panels.count }
                break
            }
            rows.append(Layout.Row(height: lines, panels: block.panels))
            used += lines
        }
        if rows.isEmpty {
            // Not even one framed panel fits: every panel, for LayoutScreen's titles-only form.
            rows = blocks.map { Layout.Row(height: 1, panels: $0.panels) }
            hidden = 0
        } else if used < height {
            rows[rows.count - 1].height += height - used  // the last panel (the log, mostly) takes what is left
        }
        return (Layout(sources: [SourceSpec(name: "main")], rows: rows), hidden)
    }

    // MARK: A starting file

    /// The panel kind a value reads best as in a printed layout.
    enum FieldKind: Equatable {
        case tile, chart, gauge, table
    }

    /// A number is a percentage when its name says so (it contains `pct`, `percent`, `perc`,
    /// `util` or `%`, case aside) and every value it has had lies in 0…100.
    static func isPercentage(name: String, values: [Double]) -> Bool {
        let name = name.lowercased()
        guard ["pct", "percent", "perc", "util", "%"].contains(where: name.contains), !values.isEmpty else { return false }
        return values.allSatisfy { (0...100).contains($0) }
    }

    /// The values a number has had (its history), or its value alone; nil when it is not a number.
    static func samples(at pointer: JSONPointer, in store: LiveStore) -> [Double]? {
        guard let value = store.value(at: pointer)?.numberValue else { return nil }
        let history = store.history(at: pointer)?.values ?? []
        return history.isEmpty ? [value] : history
    }

    /// How a printed layout shows `field`: a percentage as a gauge (0…100), a number that changed
    /// as a chart, any other scalar as a tile; an object of at most `groupLimit` numbers as one
    /// gauge (all percentages, by their names or the object's) or one chart (one series each, when
    /// any changed); any other container as a table.
    static func kind(of field: Field, in store: LiveStore) -> FieldKind {
        switch field.shape {
        case .rows:
            return .table
        case .scalar:
            guard let values = samples(at: field.pointer, in: store) else { return .tile }
            if isPercentage(name: field.title, values: values) { return .gauge }
            return Set(values).count > 1 ? .chart : .tile
        case .container:
            let keys = store.childKeys(at: field.pointer) ?? []
            guard !keys.isEmpty, keys.count <= groupLimit else { return .table }
            var series: [(name: String, values: [Double])] = []
            for key in keys.prefix(judgedChildren) {
                let pointer = JSONPointer(tokens: field.pointer.tokens + [key])
                guard store.childKeys(at: pointer) == nil, let values = samples(at: pointer, in: store) else { return .table }
                series.append((key, values))
            }
            if series.allSatisfy({ isPercentage(name: $0.name, values: $0.values) || isPercentage(name: field.title, values: $0.values) }) {
                return .gauge
            }
            return series.contains { Set($0.values).count > 1 } ? .chart : .table
        }
    }

    /// The layout `--print-layout` writes for `store`, for a terminal `width` columns wide:
    /// kinds picked by `kind(of:in:)`; tiles and gauges in rows of as many as fit, charts two
    /// (three from 120 columns) to a row, then tables and the log, one to a row, two from
    /// `wideScreen` columns. Heights are relative: 1 for tiles and gauges, 2 for the rest.
    static func file(_ store: LiveStore, width: Int, source: SourceSpec) -> Layout {
        var small: [Panel] = [], charts: [Panel] = [], big: [Panel] = []
        for field in fields(of: store) {
            let pattern = field.shape == .container ? JSONPointer(tokens: field.pointer.tokens + ["*"]) : field.pointer
            switch kind(of: field, in: store) {
            case .tile:
                small.append(panel(.tile, field))
            case .gauge:
                small.append(panel(.gauge, field, pointer: pattern))
            case .chart:
                charts.append(panel(.chart, field, pointer: pattern))
            case .table:
                var table = panel(.table, field)
                // The columns found now, written out so that they can be edited (an object of plain
                // values is a table of keys and values: it has none).
                let content = PanelContent(table, store: store, histories: false, cells: false)
                if !content.columns.contains(where: { $0.key.isEmpty }) {
                    table.columns = content.columns.map { Panel.Column(key: $0.key, title: $0.title) }
                }
                big.append(table)
            }
        }
        big.append(Panel(kind: .log, title: "log", source: 0))
        var rows: [Layout.Row] = []
        for row in grid(small, perRow: max(1, (width + 1) / tileColumns)) { rows.append(Layout.Row(height: 1, panels: row)) }
        for row in grid(charts, perRow: max(1, width / chartColumns)) { rows.append(Layout.Row(height: 2, panels: row)) }
        for row in grid(big, perRow: width >= wideScreen ? 2 : 1, balanced: false) { rows.append(Layout.Row(height: 2, panels: row)) }
        return Layout(sources: [source], rows: rows)
    }

    // MARK: Parts

    /// A panel of `kind` showing `field` (or `pointer`, a pattern under it), titled by its key.
    static func panel(_ kind: Panel.Kind, _ field: Field, pointer: JSONPointer? = nil) -> Panel {
        var panel = Panel(kind: kind, title: field.title, source: 0)
        let text = (pointer ?? field.pointer).description
        // A key holding `*` or `{…}` reads as a pattern; it still matches itself.
        if let pattern = PointerPattern(text) { panel.values = [.pattern(pattern)] }
        return panel
    }

    /// `items` in rows of at most `perRow`; `balanced` spreads them evenly (7 by 3: 3, 2, 2), so a
    /// last row is never one item stretched across the screen beside full ones.
    static func grid<T>(_ items: [T], perRow: Int, balanced: Bool = true) -> [[T]] {
        guard !items.isEmpty else { return [] }
        let count = (items.count + perRow - 1) / perRow
        var rows: [[T]] = []
        var start = 0
        for r in 0..<count {
            let size = balanced ? (items.count - start + (count - r) - 1) / (count - r) : min(perRow, items.count - start)
            rows.append(Array(items[start..<start + size]))
            start += size
        }
        return rows
    }
}
