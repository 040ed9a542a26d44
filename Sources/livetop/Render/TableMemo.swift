import LiveModel

/// A table as the screen shows it: its rows (keys only), the order they are shown in (row
/// filter and sort applied) and the worst level in any row. Working it out reads every row's
/// key (and the sort column's values when sorted), so the loop keeps the last one per panel in a
/// `TableMemo` and works it out again only when the store's revision, the panel, the sort or the
/// filter changed: frames in between (scrolling, a clock, a paused screen) cost only the rows
/// shown. Rows are formatted only when drawn.
struct TableRows {
    var content: PanelContent
    /// Indices into `content.rows`, in the order shown.
    var order: [Int]
    var worstLevel: Level?
    /// Rows before the filter.
    var total: Int

    /// `reversed`: the sort column's order turned round (a second click on its header).
    init(panel: Panel, store: LiveStore, sortColumn: Int?, reversed: Bool = false, filter: String?) {
        let content = PanelContent(panel, store: store, histories: false, cells: false)
        self.content = content
        total = content.rows.count
        let rows = content.rows
        let columns = content.columns
        var order = Array(rows.indices)
        if let filter = filter?.lowercased(), !filter.isEmpty {
            order = order.filter { i in
                if rows[i].name.lowercased().contains(filter) { return true }
                return columns.indices.contains { c in
                    content.value(of: rows[i], column: c, store: store).map { Format.value($0).lowercased().contains(filter) } ?? false
                }
            }
        }
        let nameOffset = content.nameColumn == nil ? 0 : 1
        if let sort = sortColumn {
            if sort < nameOffset {
                order.sort { reversed ? (rows[$1].name, $0) < (rows[$0].name, $1) : (rows[$0].name, $0) < (rows[$1].name, $1) }
            } else if sort - nameOffset < columns.count {
                let c = sort - nameOffset
                let values = order.map { content.value(of: rows[$0], column: c, store: store) }
                order = PanelContent.sortOrder(values, thresholds: panel.thresholds(column: columns[c].key), reversed: reversed)
                    .map { order[$0] }
            }
        } else if let key = panel.sortKey, let c = columns.firstIndex(where: { $0.key == key }) {
            // The layout's own `sort:` (numbers as numbers, text as text, missing last).
            let keyed = order.map { i in
                PanelContent.Row(name: rows[i].name, pointer: rows[i].pointer, cells: [content.value(of: rows[i], column: c, store: store)],
                                 levels: [])
            }
            let positions = Dictionary(uniqueKeysWithValues: order.enumerated().map { (rows[$0.element].pointer, $0.offset) })
            order = PanelContent.sorted(keyed, by: 0, descending: panel.sortDescending).compactMap { positions[$0.pointer] }.map { order[$0] }
        }
        self.order = order
        // The title's level covers every row, shown or not: only columns with thresholds are read.
        let judged = columns.indices.compactMap { c in panel.thresholds(column: columns[c].key).map { (c, $0) } }
        var worst: Level?
        if !judged.isEmpty {
            outer: for row in rows {
                for (c, thresholds) in judged {
                    guard let value = content.value(of: row, column: c, store: store), let level = thresholds.level(of: value) else { continue }
                    if worst == nil || level > worst! { worst = level }
                    if level == .crit { break outer }
                }
            }
        }
        worstLevel = worst
    }
}

/// The last `TableRows` of each table panel, kept by the dashboard loop across frames (see
/// `TableRows`). Only the UI thread uses it.
final class TableMemo {
    private struct Entry {
        var panel: Panel
        var revision: UInt64
        var sortColumn: Int?
        var reversed: Bool
        var filter: String?
        var rows: TableRows
    }

    private var entries: [Int: Entry] = [:]
    /// How many times rows were worked out (tests check that scrolling reuses them).
    private(set) var computed = 0

    func rows(index: Int, panel: Panel, store: LiveStore, sortColumn: Int?, reversed: Bool = false, filter: String?) -> TableRows {
        if let e = entries[index], e.revision == store.revision, e.sortColumn == sortColumn, e.reversed == reversed, e.filter == filter,
           e.panel == panel {
            return e.rows
        }
        let rows = TableRows(panel: panel, store: store, sortColumn: sortColumn, reversed: reversed, filter: filter)
        computed += 1
        entries[index] = Entry(panel: panel, revision: store.revision, sortColumn: sortColumn, reversed: reversed, filter: filter,
                               rows: rows)
        return rows
    }
}
