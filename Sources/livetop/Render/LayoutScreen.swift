import LiveModel

/// Draws a declared layout: rows with relative heights, panels with relative widths, each in a
/// frame whose title shows the worst level inside. When the rows do not fit framed, each row
/// drops to one line of titles, and what still does not fit is summarised (`+N more`), never
/// drawn over.
struct LayoutScreen {
    var layout: Layout
    var board: Board
    var view: ViewState
    var now: Timestamp
    var glyphs: Glyphs

    /// A framed panel needs its border and one line inside; narrower than this it is not drawn.
    static let minimumHeight = 3
    /// A table needs its header and a line under it (a row, or `+N more rows`): never a header alone.
    static let minimumTableHeight = 4
    static let minimumWidth = 10

    /// The tables' rows as last worked out (the dashboard loop keeps one); nil works them out
    /// every frame.
    var memo: TableMemo? = nil

    /// Draws into `area`; returns what the keys need to know (panels shown, where, their rows).
    func render(in area: Rect, into buffer: inout Buffer) -> KeyContext {
        var context = KeyContext(panelCount: layout.panels.count)
        guard !area.isEmpty else { return context }
        let all = Array(layout.panels.enumerated())
        let filter = view.filter.lowercased()
        func shown(_ index: Int, _ panel: Panel) -> Bool { filter.isEmpty || panel.title.lowercased().contains(filter) }

        if view.zoomed, let focus = view.focus, focus < all.count {
            drawPanel(all[focus].element, index: focus, in: area, into: &buffer, context: &context)
            return context
        }
        // Rows of (index, panel), with the filtered-out panels and empty rows dropped.
        var first = 0
        var rows: [(height: Int, panels: [(Int, Panel)])] = []
        for row in layout.rows {
            let panels = row.panels.enumerated().map { (first + $0.offset, $0.element) }.filter { shown($0.0, $0.1) }
            first += row.panels.count
            if !panels.isEmpty { rows.append((row.height, panels)) }
        }
        guard !rows.isEmpty else {
            buffer.write(TerminalText.truncate("no panels match /\(view.filter)", to: area.width, ascii: glyphs.isASCII),
                         x: area.x, y: area.y, style: .muted, clip: area)
            return context
        }
        var minimums = rows.map { row in
            row.panels.contains { $0.1.kind == .table } ? Self.minimumTableHeight : Self.minimumHeight
        }
        var heights = Self.share(area.height, weights: rows.map(\.height), minimums: minimums)
        if heights == nil {
            // Too small for every row framed: the rows that matter most (worst level first, then
            // in layout order) are drawn whole and the rest hidden, with a line that says so,
            // rather than every row shrunk to a line of titles over blank lines.
            let worst = rows.map { row in row.panels.compactMap { level(of: $0.1, index: $0.0) }.max() }
            let ranked = rows.indices.sorted { a, b in
                (worst[a]?.rawValue ?? -1, -a) > (worst[b]?.rawValue ?? -1, -b)
            }
            var kept: [Int] = []
            var used = 0
            for r in ranked where used + minimums[r] <= area.height - 1 {
                kept.append(r)
                used += minimums[r]
            }
            kept.sort()
            guard !kept.isEmpty else {
                drawTitles(rows.map { $0.panels }, in: area, into: &buffer)
                return context
            }
            let hidden = rows.indices.filter { !kept.contains($0) }.reduce(0) { $0 + rows[$1].panels.count }
            let note = "\(hidden) panel\(hidden == 1 ? "" : "s") hidden: \(buffer.width)x\(buffer.height) too small"
            buffer.write(TerminalText.truncate(note, to: area.width, ascii: glyphs.isASCII), x: area.x, y: area.maxY - 1, style: .muted,
                         clip: area)
            rows = kept.map { rows[$0] }
            minimums = kept.map { minimums[$0] }
            heights = Self.share(area.height - 1, weights: rows.map(\.height), minimums: minimums)
        }
        var y = area.y
        for (row, height) in zip(rows, heights ?? []) {
            let rowArea = Rect(x: area.x, y: y, width: area.width, height: height)
            y += height
            // As many panels as fit at their least width; the rest are counted at the row's end.
            var fitting = row.panels
            var widths = Self.share(rowArea.width, weights: fitting.map { $0.1.width }, minimum: Self.minimumWidth)
            func more() -> String { "+\(row.panels.count - fitting.count) more" }
            while widths == nil && !fitting.isEmpty {
                fitting.removeLast()
                widths = fitting.isEmpty ? []
                    : Self.share(rowArea.width - TerminalText.width(more()) - 1, weights: fitting.map { $0.1.width }, minimum: Self.minimumWidth)
            }
            if row.panels.count == 1 && fitting.isEmpty {
                // One panel narrower than its least width is still drawn (its frame copes): nothing to count.
                fitting = row.panels
                widths = [rowArea.width]
            }
            var x = rowArea.x
            for ((index, panel), width) in zip(fitting, widths ?? []) {
                drawPanel(panel, index: index, in: Rect(x: x, y: rowArea.y, width: width, height: rowArea.height), into: &buffer,
                          context: &context)
                x += width
            }
            if fitting.count < row.panels.count {
                buffer.write(more(), x: x + (fitting.isEmpty ? 0 : 1), y: rowArea.y, style: .muted, clip: rowArea)
            }
        }
        return context
    }

    /// Splits `total` cells by `weights`, each part at least `minimum`; nil when they cannot all
    /// have their minimum. Rounding leftovers go to the parts that lost the most.
    static func share(_ total: Int, weights: [Int], minimum: Int) -> [Int]? {
        share(total, weights: weights, minimums: weights.map { _ in minimum })
    }

    /// As `share(_:weights:minimum:)`, with a minimum for each part.
    static func share(_ total: Int, weights: [Int], minimums: [Int]) -> [Int]? {
        guard !weights.isEmpty, total >= minimums.reduce(0, +) else { return nil }
        let sum = Double(weights.reduce(0) { $0 + max(1, $1) })
        let ideal = weights.map { Double(total) * Double(max(1, $0)) / sum }
        var parts = zip(ideal, minimums).map { max($1, Int($0)) }
        // Too much (minimums pushed some up): take from the largest parts above their minimum.
        while parts.reduce(0, +) > total,
              let i = parts.indices.filter({ parts[$0] > minimums[$0] }).max(by: { parts[$0] < parts[$1] }) {
            parts[i] -= 1
        }
        // Too little (rounding down): give to the parts furthest below their ideal.
        while parts.reduce(0, +) < total, let i = parts.indices.max(by: { ideal[$0] - Double(parts[$0]) < ideal[$1] - Double(parts[$1]) }) {
            parts[i] += 1
        }
        return parts
    }

    /// The smallest form: each row one line of its panels' titles, with their levels.
    private func drawTitles(_ rows: [[(Int, Panel)]], in area: Rect, into buffer: inout Buffer) {
        let lines = rows.count <= area.height ? rows.count : max(0, area.height - 1)
        for (r, row) in rows.prefix(lines).enumerated() {
            var x = area.x
            for (index, panel) in row {
                let level = self.level(of: panel, index: index)
                let focused = view.focus == index
                let style = focused ? Style(foreground: .cyan, bold: true, reverse: true) : level.map(Style.level) ?? .title
                let mark = level.map { glyphs.symbol($0) }.map { $0.isEmpty ? "" : " " + $0 } ?? ""
                x = buffer.write(TerminalText.truncate(panel.title + mark, to: max(0, area.maxX - x), ascii: glyphs.isASCII),
                                 x: x, y: area.y + r, style: style, clip: area) + 2
            }
        }
        let hidden = rows.dropFirst(lines).reduce(0) { $0 + $1.count }
        if hidden > 0 {
            buffer.write("+\(hidden) more", x: area.x, y: area.y + lines, style: .muted, clip: area)
        }
    }

    /// The worst level `panel` shows (a table's over every row, shown or not).
    private func level(of panel: Panel, index: Int) -> Level? {
        panel.kind == .table ? tableRows(panel, index: index).worstLevel : PanelContent(panel, store: store(of: panel), histories: false).worstLevel
    }

    /// Keys the store evicted from under what `panel` shows: the most under any of its values'
    /// pointers (each up to its first `*`), so a table on `/hosts` that lost rows says so.
    static func evictions(shownBy panel: Panel, in store: LiveStore) -> Int64 {
        guard store.stats.evictions > 0, panel.kind != .log else { return 0 }
        var patterns = panel.values.compactMap { value -> PointerPattern? in
            if case .pattern(let pattern) = value { return pattern }
            return nil
        }
        if panel.kind == .table { patterns = [panel.rowsPattern] }  // upsert rows: the root
        var most: Int64 = 0
        for pattern in patterns {
            var tokens: [String] = []
            for token in pattern.tokens {
                guard case .key(let key) = token else { break }
                tokens.append(key)
            }
            most = max(most, store.evictions(under: JSONPointer(tokens: tokens)))
        }
        return most
    }

    private func store(of panel: Panel) -> LiveStore {
        board.sources.indices.contains(panel.source) ? board.sources[panel.source].store : LiveStore()
    }

    private func tableRows(_ panel: Panel, index: Int) -> TableRows {
        let store = store(of: panel)
        let sortColumn = view.sortColumns[index], filter = view.rowFilters[index], reversed = view.sortReversed.contains(index)
        return memo?.rows(index: index, panel: panel, store: store, sortColumn: sortColumn, reversed: reversed, filter: filter)
            ?? TableRows(panel: panel, store: store, sortColumn: sortColumn, reversed: reversed, filter: filter)
    }

    private func drawPanel(_ panel: Panel, index: Int, in area: Rect, into buffer: inout Buffer, context: inout KeyContext) {
        let store = store(of: panel)
        let inside = PanelFrame.inner(of: area)
        var place = PanelPlace(rect: area, kind: .other, page: max(1, inside.height))
        var title = panel.title
        var content: PanelContent
        var level: Level?
        var table: TableRows?
        let rowFilter = view.rowFilters[index]
        switch panel.kind {
        case .table:
            let rows = tableRows(panel, index: index)
            content = rows.content
            level = rows.worstLevel
            table = rows
            let columns = content.columns.count + (content.nameColumn == nil ? 0 : 1)
            let capacity = RowTable.capacity(of: inside)
            place.kind = .table(rows: rows.order.count, columns: columns)
            place.page = max(1, capacity)
            // The count of rows, those the filter keeps, and how far it is scrolled: `hosts (10,000) ↑120 more above`.
            let count = Format.grouped(Int64(rows.total))
            title += rowFilter == nil ? " (\(count))" : " (\(Format.grouped(Int64(rows.order.count))) of \(count)) /\(rowFilter ?? "")"
            let offset = RowTable.clamped(view.rowOffsets[index] ?? 0, rows: rows.order.count, capacity: capacity)
            if offset > 0 { title += " \(glyphs.isASCII ? "^" : "↑")\(Format.grouped(Int64(offset))) more above" }
        case .log:
            content = PanelContent(panel, store: store)
            let (oldest, newest) = LogPanel.span(of: store.log)
            place.kind = .log(oldest: oldest, newest: newest)
            if let rowFilter { title += " /\(rowFilter)" }
            title += LogPanel.scrolledMark(anchor: view.logAnchors[index], newest: newest)
        default:
            // Bars draw no history: leave the copies out.
            content = PanelContent(panel, store: store, histories: panel.kind != .bars)
            level = content.worstLevel
        }
        context.places[index] = place
        var note: String?
        if store.status.phase != .open && store.status.phase != .idle {
            note = store.status.word  // the panel's feed is down: what it shows is stale
        } else if store.status.staleSince != nil {
            note = "stale"  // open, but silent for longer than its expect:
        } else if content.isEmpty && panel.kind != .log && panel.text == nil {
            note = "no data yet"
        }
        let evicted = Self.evictions(shownBy: panel, in: store)
        let warning = evicted > 0 ? "\(glyphs.warn) \(Format.grouped(evicted)) evicted" : nil
        let inner = PanelFrame(title: title, level: level, focused: view.focus == index, note: note,
                               warning: warning, glyphs: glyphs)
            .render(in: area, into: &buffer)
        guard !inner.isEmpty else { return }
        switch panel.kind {
        case .tile: drawTiles(content.items, panel: panel, in: inner, into: &buffer)
        case .chart: drawChart(content.items, panel: panel, in: inner, into: &buffer)
        case .gauge: drawGauges(content.items, panel: panel, in: inner, into: &buffer)
        case .table:
            if let table {
                context.places[index]?.header = drawTable(table, panel: panel, store: store, index: index, in: inner, into: &buffer)
            }
        case .log: drawLog(panel, store: store, index: index, in: inner, into: &buffer)
        case .text: drawText(panel, items: content.items, in: inner, into: &buffer)
        case .bars: BarChart(content.items, panel: panel, glyphs: glyphs).render(in: inner, into: &buffer)
        }
    }

    /// `value ✖` in its level's style.
    private func valueText(_ value: JSONValue?, level: Level?, format: String?) -> (String, Style) {
        guard let value else { return ("-", .muted) }
        let text = Format.value(value, format: format)
        guard let level else { return (text, .plain) }
        guard level != .ok else { return (text, Style.level(.ok)) }
        return (text + " " + glyphs.symbol(level), Style.level(level))
    }

    private func drawTiles(_ items: [PanelContent.Item], panel: Panel, in area: Rect, into buffer: inout Buffer) {
        if items.count == 1, let item = items.first {
            // One value: the value, then its sparkline and range below.
            let (text, style) = valueText(item.value, level: item.level, format: panel.format)
            buffer.write(TerminalText.truncate(text, to: area.width, ascii: glyphs.isASCII), x: area.x, y: area.y,
                         style: Style(foreground: style.foreground, bold: true), clip: area)
            guard area.height > 1, let history = item.history, history.values.count > 1,
                  let lo = history.min, let hi = history.max else { return }
            let range = " \(Format.number(lo, format: panel.format))..\(Format.number(hi, format: panel.format))"
            let sparkWidth = max(1, area.width - (TerminalText.width(range) < area.width / 2 ? TerminalText.width(range) : 0))
            Sparkline(values: history.values, glyphs: glyphs, baseline: panel.baseline ?? 0)
                .render(in: Rect(x: area.x, y: area.y + 1, width: sparkWidth, height: 1), into: &buffer)
            if sparkWidth < area.width { buffer.write(range, x: area.x + sparkWidth, y: area.y + 1, style: .muted, clip: area) }
            return
        }
        // Several: one line each, label, value and sparkline.
        let labelWidth = min(area.width / 3, items.map { TerminalText.width($0.label) }.max() ?? 0)
        drawLines(items.count, in: area, into: &buffer) { i, y, buffer in
            let item = items[i]
            buffer.write(TerminalText.truncate(item.label, to: labelWidth, ascii: glyphs.isASCII), x: area.x, y: y, style: .muted, clip: area)
            let (text, style) = valueText(item.value, level: item.level, format: panel.format)
            let valueX = area.x + labelWidth + 1
            let end = buffer.write(TerminalText.truncate(text, to: max(0, area.maxX - valueX), ascii: glyphs.isASCII), x: valueX, y: y,
                                   style: style, clip: area)
            let sparkX = max(end + 1, valueX + 12)
            if let history = item.history, history.values.count > 1, sparkX < area.maxX {
                Sparkline(values: history.values, glyphs: glyphs, baseline: panel.baseline ?? 0)
                    .render(in: Rect(x: sparkX, y: y, width: area.maxX - sparkX, height: 1), into: &buffer)
            }
        }
    }

    /// Draws `count` lines from the top of `area`; when they do not all fit the last line says how many more.
    private func drawLines(_ count: Int, in area: Rect, into buffer: inout Buffer, _ line: (Int, Int, inout Buffer) -> Void) {
        let shown = count <= area.height ? count : max(0, area.height - 1)
        for i in 0..<shown { line(i, area.y + i, &buffer) }
        if shown < count { buffer.write("+\(count - shown) more", x: area.x, y: area.y + shown, style: .muted, clip: area) }
    }

    private func drawChart(_ items: [PanelContent.Item], panel: Panel, in area: Rect, into buffer: inout Buffer) {
        let series = items.enumerated().compactMap { i, item -> LineChart.Series? in
            guard let history = item.history else { return nil }
            return LineChart.Series(name: item.label, history: history, color: item.color ?? LineChart.palette[i % LineChart.palette.count])
        }
        var chart = LineChart(series: series, now: now, glyphs: glyphs, monochrome: view.noColor)
        chart.fixedMin = panel.min
        chart.fixedMax = panel.max
        let format = panel.format
        chart.format = { Format.number($0, format: format) }
        if format != nil { chart.tickFormat = chart.format }
        chart.render(in: area, into: &buffer)
    }

    private func drawGauges(_ items: [PanelContent.Item], panel: Panel, in area: Rect, into buffer: inout Buffer) {
        let labelWidth = items.count > 1 ? min(area.width / 3, items.map { TerminalText.width($0.label) }.max() ?? 0) : 0
        drawLines(items.count, in: area, into: &buffer) { i, y, buffer in
            let item = items[i]
            Gauge(label: items.count > 1 ? item.label : "", value: item.value?.numberValue,
                  text: item.value.map { Format.value($0, format: panel.format) } ?? "-",
                  min: panel.min ?? 0, max: panel.max ?? 100, level: item.level, labelWidth: labelWidth, glyphs: glyphs)
                .render(in: Rect(x: area.x, y: y, width: area.width, height: 1), into: &buffer)
        }
    }

    /// Only the rows shown are read from the store and formatted.
    /// Returns where the header went, for a click on it.
    private func drawTable(_ table: TableRows, panel: Panel, store: LiveStore, index: Int, in area: Rect,
                           into buffer: inout Buffer) -> TableHeader? {
        let content = table.content
        var headers = content.columns.map(\.title)
        if let name = content.nameColumn { headers.insert(name, at: 0) }
        let filter = view.rowFilters[index]
        var rowTable = RowTable(columns: headers, rowCount: table.order.count, offset: view.rowOffsets[index] ?? 0,
                                sortColumn: view.sortColumns[index], sortReversed: view.sortReversed.contains(index), glyphs: glyphs,
                                emptyNote: filter.map { "no rows match /\($0)" }) { i in
            let row = content.resolved(content.rows[table.order[i]], panel: panel, store: store)
            var texts: [String] = content.nameColumn == nil ? [] : [row.name]
            var styles: [Style] = content.nameColumn == nil ? [] : [.plain]
            for (c, column) in content.columns.enumerated() {
                if let width = column.spark {
                    // Only the rows shown read their history.
                    let history = PanelContent.value(at: content.pointer(of: row, column: c), as: column.derivation ?? .value, in: store,
                                                     history: true).1
                    texts.append(SparkColumn.text(of: history, width: width, glyphs: glyphs))
                    styles.append(SparkColumn.style(level: row.levels[c]))
                    continue
                }
                let (text, style) = valueText(row.cells[c], level: row.levels[c], format: column.format)
                texts.append(row.cells[c] == nil ? "" : text)
                styles.append(style)
            }
            return (texts, styles)
        }
        let nameOffset = content.nameColumn == nil ? 0 : 1
        rowTable.sparkColumns = Set(content.columns.indices.filter { content.columns[$0].spark != nil }.map { $0 + nameOffset })
        return rowTable.render(in: area, into: &buffer)
    }

    private func drawLog(_ panel: Panel, store: LiveStore, index: Int, in area: Rect, into buffer: inout Buffer) {
        let log = store.log
        let anchor = view.logAnchors[index]
        let needle = view.rowFilters[index]?.lowercased()
        // Newest at the bottom; with a filter, only messages with a value there, shown as that value.
        var lines: [(seq: Int64, text: String, style: Style)] = []
        var i = log.count - 1
        while i >= 0 && lines.count < area.height {
            let entry = log.entry(at: i)
            i -= 1
            if let anchor, entry.seq > anchor { continue }
            let line: (seq: Int64, text: String, style: Style)
            switch entry.content {
            case .json(let text):
                if let filter = panel.filter {
                    guard let value = try? JSONValue(parsing: text), let part = value[filter], !part.isNull else { continue }
                    line = (entry.seq, Format.value(part), .plain)
                } else {
                    line = (entry.seq, text, .plain)
                }
            case .text(let text, _):
                guard panel.filter == nil else { continue }
                line = (entry.seq, text, .muted)
            case .binary(let size, let hex):
                guard panel.filter == nil else { continue }
                line = (entry.seq, "<binary \(size) bytes: \(hex)>", .muted)
            }
            if let needle, !line.text.lowercased().contains(needle) { continue }
            lines.append(line)
        }
        if lines.isEmpty, let filter = view.rowFilters[index] {
            buffer.write(TerminalText.truncate("no lines match /\(filter)", to: area.width, ascii: glyphs.isASCII), x: area.x, y: area.y,
                         style: .muted, clip: area)
        }
        for (row, line) in lines.reversed().enumerated() {
            let x = buffer.write("#\(line.seq) ", x: area.x, y: area.y + row, style: .muted, clip: area)
            buffer.write(TerminalText.truncate(line.text, to: max(0, area.maxX - x), ascii: glyphs.isASCII), x: x, y: area.y + row,
                         style: line.style, clip: area)
        }
    }

    private func drawText(_ panel: Panel, items: [PanelContent.Item], in area: Rect, into buffer: inout Buffer) {
        let text = panel.text ?? items.first.flatMap { $0.value.map(Format.value) } ?? ""
        let lines = TerminalText.wrap(text, to: area.width)
        drawLines(lines.count, in: area, into: &buffer) { i, y, buffer in
            buffer.write(lines[i], x: area.x, y: y, clip: area)
        }
    }
}
