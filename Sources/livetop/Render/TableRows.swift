import LiveModel

/// A table as the screen shows it: its rows (keys only), the order they are shown in (row
/// filter and sort applied) and the worst level in any row. Working it out reads every row's
/// key (and the sort column's values when sorted), so the loop keeps the last one per panel in a
/// `TableMemo`. Frames in between changes (scrolling, a clock, a paused screen) cost only the
/// rows shown; a change to values only (no key added or removed) reads just the rows it touched
/// when the order does not depend on values (`updating(rows:)`). Rows are formatted only when drawn.
struct TableRows {
    var content: PanelContent
    /// Indices into `content.rows`, in the order shown.
    var order: [Int]
    /// Rows before the filter.
    var total: Int
    /// Each row's worst level over the columns with thresholds, and how many rows are at each
    /// level (by `Level.rawValue`): the title's level covers every row, shown or not, and a row
    /// that changed moves its count.
    private var rowLevels: [Level?]
    private var levelCounts = [Int](repeating: 0, count: Level.allCases.count)
    private let judged: [(column: Int, thresholds: Thresholds)]
    /// True when the order is the rows' own (no sort, no filter): values changing cannot move a row.
    let orderIsStructural: Bool

    var worstLevel: Level? { Level.allCases.last { levelCounts[$0.rawValue] > 0 } }

    /// `reversed`: the sort column's order turned round (a second click on its header).
    init(panel: Panel, store: LiveStore, sortColumn: Int?, reversed: Bool = false, filter: String?) {
        let content = PanelContent(panel, store: store, histories: false, cells: false)
        self.content = content
        total = content.rows.count
        let rows = content.rows
        let columns = content.columns
        var order = Array(rows.indices)
        let filtered = !(filter ?? "").isEmpty
        if let filter = filter?.lowercased(), !filter.isEmpty {
            order = order.filter { i in
                if rows[i].name.lowercased().contains(filter) { return true }
                return columns.indices.contains { c in
                    content.value(of: rows[i], column: c, store: store).map { Format.value($0).lowercased().contains(filter) } ?? false
                }
            }
        }
        let nameOffset = content.nameColumn == nil ? 0 : 1
        var sorted = false
        if let sort = sortColumn {
            if sort < nameOffset {
                order.sort { reversed ? (rows[$1].name, $0) < (rows[$0].name, $1) : (rows[$0].name, $0) < (rows[$1].name, $1) }
            } else if sort - nameOffset < columns.count {
                let c = sort - nameOffset
                let values = order.map { content.value(of: rows[$0], column: c, store: store) }
                order = PanelContent.sortOrder(values, thresholds: panel.thresholds(column: columns[c].key), reversed: reversed)
                    .map { order[$0] }
                sorted = true
            }
        } else if let key = panel.sortKey, let c = columns.firstIndex(where: { $0.key == key }) {
            // The layout's own `sort:` (numbers as numbers, text as text, missing last).
            let keyed = order.map { i in
                PanelContent.Row(name: rows[i].name, pointer: rows[i].pointer, cells: [content.value(of: rows[i], column: c, store: store)],
                                 levels: [])
            }
            let positions = Dictionary(uniqueKeysWithValues: order.enumerated().map { (rows[$0.element].pointer, $0.offset) })
            order = PanelContent.sorted(keyed, by: 0, descending: panel.sortDescending).compactMap { positions[$0.pointer] }.map { order[$0] }
            sorted = true
        }
        self.order = order
        // Sorting by the names depends on keys only, which a values-only change leaves alone.
        orderIsStructural = !filtered && !sorted
        judged = columns.indices.compactMap { c in panel.thresholds(column: columns[c].key).map { (c, $0) } }
        rowLevels = []
        if !judged.isEmpty {
            rowLevels.reserveCapacity(rows.count)
            for row in rows {
                let level = Self.level(of: row, judged: judged, content: content, store: store)
                rowLevels.append(level)
                if let level { levelCounts[level.rawValue] += 1 }
            }
        }
    }

    private static func level(of row: PanelContent.Row, judged: [(column: Int, thresholds: Thresholds)], content: PanelContent,
                              store: LiveStore) -> Level? {
        var worst: Level?
        for (c, thresholds) in judged {
            guard let value = content.value(of: row, column: c, store: store), let level = thresholds.level(of: value) else { continue }
            if worst == nil || level > worst! { worst = level }
            if level == .crit { break }
        }
        return worst
    }

    /// The same table after a change that added or removed no key and touched only `rows`
    /// (indices into `content.rows`): their levels are read again, nothing else. Valid only
    /// when `orderIsStructural` (otherwise a changed value may move a row or hide it).
    func updating(rows changed: [Int], store: LiveStore) -> TableRows {
        guard !judged.isEmpty else { return self }
        var next = self
        for i in changed where next.rowLevels.indices.contains(i) {
            if let old = next.rowLevels[i] { next.levelCounts[old.rawValue] -= 1 }
            let level = Self.level(of: content.rows[i], judged: judged, content: content, store: store)
            next.rowLevels[i] = level
            if let level { next.levelCounts[level.rawValue] += 1 }
        }
        return next
    }
}
