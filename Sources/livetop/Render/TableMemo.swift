import LiveModel

/// The last `TableRows` of each table panel, kept by the dashboard loop across frames (see
/// `TableRows`). Only the UI thread uses it.
final class TableMemo {
    private struct Entry {
        var panel: Panel
        var revision: UInt64
        var mark: LiveStore.ChangeMark
        var sortColumn: Int?
        var reversed: Bool
        var filter: String?
        var rows: TableRows
        /// Row indices by container and key, made the first time a change is read row by row.
        var index: [JSONPointer: [String: Int]]?
    }

    private var entries: [Int: Entry] = [:]
    /// How many times rows were worked out whole, and how many times only the changed ones were
    /// read again (tests check that scrolling reads none and one changed row reads one).
    private(set) var computed = 0
    private(set) var updated = 0

    /// More changed values than this in one step, and the rows are read whole: cheaper than a
    /// walk over most of the store.
    static let changeLimit = 4096

    func rows(index: Int, panel: Panel, store: LiveStore, sortColumn: Int?, reversed: Bool = false, filter: String?) -> TableRows {
        if var e = entries[index], e.sortColumn == sortColumn, e.reversed == reversed, e.filter == filter, e.panel == panel {
            if e.revision == store.revision { return e.rows }
            if e.rows.orderIsStructural, let changed = changedRows(&e, store: store) {
                e.rows = e.rows.updating(rows: changed, store: store)
                e.revision = store.revision
                e.mark = store.changeMark
                entries[index] = e
                updated += 1
                return e.rows
            }
        }
        let rows = TableRows(panel: panel, store: store, sortColumn: sortColumn, reversed: reversed, filter: filter)
        computed += 1
        entries[index] = Entry(panel: panel, revision: store.revision, mark: store.changeMark, sortColumn: sortColumn, reversed: reversed,
                               filter: filter, rows: rows, index: nil)
        return rows
    }

    /// The rows a change since `entry` touched, or nil when they must all be read again.
    private func changedRows(_ entry: inout Entry, store: LiveStore) -> [Int]? {
        // Checked first: a table with no rows yet has no container to ask.
        guard store.keysUnchanged(since: entry.mark) else { return nil }
        if entry.index == nil {
            var index: [JSONPointer: [String: Int]] = [:]
            for (i, row) in entry.rows.content.rows.enumerated() {
                index[JSONPointer(tokens: Array(row.pointer.tokens.dropLast())), default: [:]][row.name] = i
            }
            entry.index = index
        }
        var changed: [Int] = []
        for (container, keys) in entry.index ?? [:] {
            guard let updated = store.childKeysUpdated(at: container, since: entry.mark, limit: Self.changeLimit) else { return nil }
            changed += updated.compactMap { keys[$0] }
        }
        return changed
    }
}
