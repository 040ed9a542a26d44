import LiveModel

/// A panel resolved against its source's store now: what it shows and how bad each value is.
/// The screen draws from it and the alert monitor observes it, so both always agree.
struct PanelContent {
    /// One value a tile, gauge, chart or text panel shows.
    struct Item {
        var label: String
        var pointer: JSONPointer
        var value: JSONValue?
        var level: Level?
    }

    /// One row of a table.
    struct Row {
        var name: String
        var pointer: JSONPointer
        var cells: [JSONValue?]
        var levels: [Level?]
    }

    var items: [Item] = []
    /// Table: the columns shown and the rows; `nameColumn` heads the column of row names (nil:
    /// the rows carry their own key, as upsert rows do).
    var columns: [Panel.Column] = []
    var nameColumn: String?
    var rows: [Row] = []

    /// Nothing the panel points at exists yet.
    var isEmpty: Bool { items.allSatisfy { $0.value == nil } && rows.isEmpty }

    /// The worst level of anything shown: the panel's title shows it.
    var worstLevel: Level? {
        (items.compactMap(\.level) + rows.flatMap { $0.levels.compactMap { $0 } }).max()
    }

    /// Every value with a level, as the alert monitor sees it.
    func observations(source: String, panel: String) -> [AlertObservation] {
        var out: [AlertObservation] = []
        for item in items {
            guard let level = item.level, let value = item.value else { continue }
            out.append(AlertObservation(source: source, panel: panel, pointer: item.pointer.description, level: level, value: value))
        }
        for row in rows {
            for (i, level) in row.levels.enumerated() {
                guard let level, i < columns.count, let value = row.cells[i] else { continue }
                // A key/value table's one column is the row's own value.
                let pointer = columns[i].key.isEmpty ? row.pointer : JSONPointer(tokens: row.pointer.tokens + [columns[i].key])
                out.append(AlertObservation(source: source, panel: panel, pointer: pointer.description, level: level, value: value))
            }
        }
        return out
    }

    /// Columns discovered from the rows when a table names none.
    static let discoveredColumnLimit = 16

    init(_ panel: Panel, store: LiveStore) {
        switch panel.kind {
        case .table:
            resolveTable(panel, store: store)
        case .log:
            break
        case .tile, .gauge, .chart, .text:
            for pattern in panel.values {
                for pointer in pattern.expand(in: store) {
                    let value = store.value(at: pointer)
                    let level = value.flatMap { panel.thresholds?.level(of: $0) }
                    items.append(Item(label: pattern.label(for: pointer), pointer: pointer, value: value, level: level))
                }
            }
        }
    }

    private mutating func resolveTable(_ panel: Panel, store: LiveStore) {
        let pattern = panel.values.first ?? PointerPattern("")!
        let upsertRoot: Bool
        if case .upsert = store.configuration.fold, pattern.tokens.isEmpty { upsertRoot = true } else { upsertRoot = false }
        var rowPointers: [(String, JSONPointer)] = []
        var keyValue = false
        for container in pattern.expand(in: store) {
            for key in store.childKeys(at: container) ?? [] {
                let pointer = JSONPointer(tokens: container.tokens + [key])
                if rowPointers.isEmpty { keyValue = store.childKeys(at: pointer) == nil }
                rowPointers.append((key, pointer))
            }
        }
        if keyValue {
            // An object of plain values: one row per key, its value in one column.
            columns = [Panel.Column(key: "", title: "value", format: nil, thresholds: nil)]
            nameColumn = pattern.tokens.isEmpty ? "key" : panel.title
            rows = rowPointers.map { name, pointer in
                let value = store.value(at: pointer)
                return Row(name: name, pointer: pointer, cells: [value], levels: [value.flatMap { panel.thresholds?.level(of: $0) }])
            }
            return
        }
        columns = panel.columns
        if columns.isEmpty {
            var seen = Set<String>()
            for (_, pointer) in rowPointers {
                for key in store.childKeys(at: pointer) ?? [] where !seen.contains(key) && seen.count < Self.discoveredColumnLimit {
                    seen.insert(key)
                    columns.append(Panel.Column(key: key, title: key, format: nil, thresholds: nil))
                }
            }
        }
        nameColumn = upsertRoot ? nil : (pattern.tokens.last.map { token -> String in
            if case .key(let k) = token { return k } else { return "name" }
        } ?? "name")
        let thresholds = columns.map { panel.thresholds(column: $0.key) }
        rows = rowPointers.map { name, pointer in
            let cells = columns.map { store.value(at: JSONPointer(tokens: pointer.tokens + [$0.key])) }
            let levels = zip(cells, thresholds).map { cell, t in cell.flatMap { t?.level(of: $0) } }
            return Row(name: name, pointer: pointer, cells: cells, levels: levels)
        }
        if let key = panel.sortKey, let index = columns.firstIndex(where: { $0.key == key }) {
            rows = Self.sorted(rows, by: index, descending: panel.sortDescending)
        }
    }

    /// Rows sorted by one column: numbers as numbers, text as text, missing values last.
    static func sorted(_ rows: [Row], by column: Int, descending: Bool) -> [Row] {
        rows.sorted { a, b in
            let x = column < a.cells.count ? a.cells[column] : nil
            let y = column < b.cells.count ? b.cells[column] : nil
            switch (x, y) {
            case (nil, nil): return false
            case (nil, _): return false
            case (_, nil): return true
            case let (x?, y?):
                if let p = x.numberValue, let q = y.numberValue { return descending ? p > q : p < q }
                let s = Format.value(x), t = Format.value(y)
                return descending ? s > t : s < t
            }
        }
    }
}
