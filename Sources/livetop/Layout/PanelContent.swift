import LiveModel

/// A panel resolved against its source's store now: what it shows and how bad each value is.
/// The screen draws from it and the alert monitor observes it, so both always agree.
struct PanelContent {
    /// One value a tile, gauge, chart or text panel shows.
    struct Item {
        var label: String
        /// What the value is, as alerts name it: the pointer, `rate(/pointer)` or the expression.
        var name: String
        var value: JSONValue?
        var level: Level?
        /// The value over time, derived as the value is (a rate per pair of samples); nil when
        /// the value has no numeric history.
        var history: History?
        /// What the value is made from is in the store, though it may give no value: a rate
        /// before its second sample, a division by zero.
        var exists: Bool
        /// A chart series' colour from the layout (`color:`); nil: the palette's.
        var color: Style.Color? = nil
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
    var isEmpty: Bool { items.allSatisfy { !$0.exists } && rows.isEmpty }

    /// The worst level of anything shown: the panel's title shows it.
    var worstLevel: Level? {
        (items.compactMap(\.level) + rows.flatMap { $0.levels.compactMap { $0 } }).max()
    }

    /// Every value with a level, as the alert monitor sees it.
    func observations(source: String, panel: String) -> [AlertObservation] {
        var out: [AlertObservation] = []
        for item in items {
            guard let level = item.level, let value = item.value else { continue }
            out.append(AlertObservation(source: source, panel: panel, pointer: item.name, level: level, value: value))
        }
        for row in rows {
            for (i, level) in row.levels.enumerated() {
                guard let level, i < columns.count, let value = row.cells[i] else { continue }
                // A key/value table's one column is the row's own value.
                let pointer = columns[i].key.isEmpty ? row.pointer : JSONPointer(tokens: row.pointer.tokens + [columns[i].key])
                let name = Expression.Operand(pointer: pointer, derivation: columns[i].derivation ?? .value).description
                out.append(AlertObservation(source: source, panel: panel, pointer: name, level: level, value: value))
            }
        }
        return out
    }

    /// Columns discovered from the rows when a table names none.
    static let discoveredColumnLimit = 16

    /// `histories: false` leaves out the histories of values shown as they are (the alert
    /// monitor reads values only); derived values read theirs anyway.
    /// `cells: false` (a table on the screen) leaves the rows' cells and levels empty: the
    /// screen resolves only the rows it shows (`resolved(_:panel:store:)`), so a table of
    /// 100,000 rows costs its keys, not its values.
    init(_ panel: Panel, store: LiveStore, histories: Bool = true, cells: Bool = true) {
        switch panel.kind {
        case .table:
            resolveTable(panel, store: store, cells: cells)
        case .log:
            break
        case .tile, .gauge, .chart, .text, .bars:
            func add(_ pointer: JSONPointer, label: String, color: Style.Color?) {
                let (value, history) = Self.value(at: pointer, as: panel.derivation, in: store, history: histories)
                items.append(Item(label: label,
                                  name: Expression.Operand(pointer: pointer, derivation: panel.derivation).description,
                                  value: value, level: value.flatMap { panel.thresholds?.level(of: $0) }, history: history,
                                  exists: store.value(at: pointer) != nil, color: color))
            }
            for (index, entry) in panel.values.enumerated() {
                switch entry {
                case .pattern(let pattern):
                    for pointer in pattern.expand(in: store) {
                        // A bars panel on an object (`value: /cpu_by_core`) has a bar per member, labelled by its key.
                        if panel.kind == .bars, let keys = store.childKeys(at: pointer) {
                            for key in keys { add(JSONPointer(tokens: pointer.tokens + [key]), label: key, color: nil) }
                            continue
                        }
                        add(pointer, label: pattern.label(for: pointer), color: panel.color(ofValue: index))
                    }
                case .expression(let expression):
                    let (value, history) = Self.value(of: expression, as: panel.derivation, in: store)
                    let name = panel.derivation == .value ? expression.text : "\(panel.derivation)(\(expression.text))"
                    items.append(Item(label: expression.text, name: name, value: value,
                                      level: value.flatMap { panel.thresholds?.level(of: $0) }, history: history,
                                      exists: expression.operands.allSatisfy { store.value(at: $0.pointer) != nil },
                                      color: panel.color(ofValue: index)))
                }
            }
        }
    }

    /// The value at `pointer` shown as `derivation`, and its history when `history` (or when
    /// derived). A value that is not a number is shown as it is: it has no rate.
    static func value(at pointer: JSONPointer, as derivation: Derivation, in store: LiveStore,
                      history wanted: Bool) -> (JSONValue?, History?) {
        guard let value = store.value(at: pointer) else { return (nil, nil) }
        if derivation == .value { return (value, wanted ? store.history(at: pointer) : nil) }
        guard value.numberValue != nil, let history = store.history(at: pointer) else { return (value, nil) }
        let derived = derivation.apply(to: history)
        return (derivation.current(derived, of: history).map(JSONValue.double), derived)
    }

    /// An expression's value now (from its operands' values now), and its history: the
    /// expression at every time all its operands have a sample (messages that carry all of them
    /// at once). Shown as `derivation`, both come from that history.
    static func value(of expression: Expression, as derivation: Derivation, in store: LiveStore) -> (JSONValue?, History?) {
        var now: [Expression.Operand: Double] = [:]
        var series: [Expression.Operand: History] = [:]
        for operand in expression.operands {
            let current = store.value(at: operand.pointer)?.numberValue
            if operand.derivation == .value { now[operand] = current }
            guard let history = store.history(at: operand.pointer) else { continue }
            let derived = operand.derivation.apply(to: history)
            series[operand] = derived
            if operand.derivation != .value, current != nil { now[operand] = operand.derivation.current(derived, of: history) }
        }
        let history = aligned(expression, series)
        if derivation == .value { return (expression.evaluate(values: now).map(JSONValue.double), history) }
        let derived = derivation.apply(to: history)
        return (derivation.current(derived, of: history).map(JSONValue.double), derived)
    }

    /// `expression` evaluated at each time every operand has a sample (the last at that time);
    /// times where it has no value (a division by zero) are left out.
    static func aligned(_ expression: Expression, _ series: [Expression.Operand: History]) -> History {
        let operands = expression.operands
        guard let first = operands.first, operands.allSatisfy({ series[$0] != nil }) else { return History(values: [], times: []) }
        var byTime: [Expression.Operand: [Timestamp: Double]] = [:]
        for operand in operands.dropFirst() {
            byTime[operand] = Dictionary(Derivation.lastAtEachTime(series[operand] ?? History(values: [], times: [])).map { ($0.time, $0.value) },
                                         uniquingKeysWith: { _, last in last })
        }
        var values: [Double] = [], times: [Timestamp] = []
        for (value, time) in Derivation.lastAtEachTime(series[first] ?? History(values: [], times: [])) {
            var sample: [Expression.Operand: Double] = [first: value]
            for operand in operands.dropFirst() {
                guard let other = byTime[operand]?[time] else { break }
                sample[operand] = other
            }
            guard sample.count == operands.count, let result = expression.evaluate(values: sample) else { continue }
            values.append(result)
            times.append(time)
        }
        return History(values: values, times: times)
    }

    private mutating func resolveTable(_ panel: Panel, store: LiveStore, cells: Bool) {
        let pattern = panel.rowsPattern
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
            columns = [Panel.Column(key: "", title: "value", format: nil, thresholds: nil, derivation: panel.derivation)]
            nameColumn = pattern.tokens.isEmpty ? "key" : panel.title
        } else {
            columns = panel.columns
            if columns.isEmpty {
                var seen = Set<String>()
                // The columns come from the first rows: a table of 100,000 hosts is not read whole for them.
                for (_, pointer) in rowPointers.prefix(Self.discoveryRows) {
                    for key in store.childKeys(at: pointer) ?? [] where !seen.contains(key) && seen.count < Self.discoveredColumnLimit {
                        seen.insert(key)
                        columns.append(Panel.Column(key: key, title: key, format: nil, thresholds: nil))
                    }
                }
            }
            nameColumn = upsertRoot ? nil : (pattern.tokens.last.map { token -> String in
                if case .key(let k) = token { return k } else { return "name" }
            } ?? "name")
            for i in columns.indices where columns[i].derivation == nil { columns[i].derivation = panel.derivation }
        }
        // `key: {title: host}` renames the column of row names, `key: false` hides it.
        if nameColumn != nil {
            if !panel.showKey { nameColumn = nil } else if let title = panel.keyTitle { nameColumn = title }
        }
        rows = rowPointers.map { Row(name: $0.0, pointer: $0.1, cells: [], levels: []) }
        guard cells else { return }
        rows = rows.map { resolved($0, panel: panel, store: store) }
        if let key = panel.sortKey, let index = columns.firstIndex(where: { $0.key == key }) {
            rows = Self.sorted(rows, by: index, descending: panel.sortDescending)
        }
    }

    /// Rows read for the columns a table discovers when it names none.
    static let discoveryRows = 200

    /// The pointer of a row's value under `column` (a key/value table's one column is the row's own value).
    func pointer(of row: Row, column: Int) -> JSONPointer {
        columns[column].key.isEmpty ? row.pointer : JSONPointer(tokens: row.pointer.tokens + [columns[column].key])
    }

    /// The value of one cell, without its level.
    func value(of row: Row, column: Int, store: LiveStore) -> JSONValue? {
        Self.value(at: pointer(of: row, column: column), as: columns[column].derivation ?? .value, in: store, history: false).0
    }

    /// `row` with its cells and their levels read from the store.
    func resolved(_ row: Row, panel: Panel, store: LiveStore) -> Row {
        var row = row
        row.cells = columns.indices.map { value(of: row, column: $0, store: store) }
        row.levels = columns.indices.map { i in row.cells[i].flatMap { panel.thresholds(column: columns[i].key)?.level(of: $0) } }
        return row
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

    /// How bad a state word is, for sorting a status column worst first: its level by the
    /// column's thresholds when they say, else the common words (down, critical, error, failed
    /// are worst; degraded, warn, pending next; up, ok, healthy, running best); nil for others.
    static func severity(_ value: JSONValue, thresholds: Thresholds?) -> Int? {
        if let level = thresholds?.level(of: value) { return level.rawValue }
        guard case .string(let text) = value else { return nil }
        switch text.lowercased() {
        case "down", "critical", "crit", "error", "err", "failed", "failing", "fail", "dead", "fatal", "unhealthy", "offline":
            return 2
        case "degraded", "warn", "warning", "pending", "stale", "unknown", "starting", "flapping": return 1
        case "up", "ok", "healthy", "running", "pass", "passing", "online", "good", "ready": return 0
        default: return nil
        }
    }

    /// The `s` key's order for one column's values (indices into `values`, stable): worst
    /// state first, then numbers largest first, then text A to Z, missing values last.
    /// `reversed` (a second click on the same header) turns the order of the values round;
    /// rows without a value stay last, and equal ones keep their order.
    static func sortOrder(_ values: [JSONValue?], thresholds: Thresholds?, reversed: Bool = false) -> [Int] {
        let keys = values.map { v -> (rank: Int, number: Double?, text: String?)? in
            guard let v, !v.isNull else { return nil }
            let number = v.numberValue
            return (severity(v, thresholds: thresholds) ?? -1, number, number == nil ? Format.value(v) : nil)
        }
        return values.indices.sorted { a, b in
            switch (keys[a], keys[b]) {
            case (nil, nil): return a < b
            case (nil, _): return false
            case (_, nil): return true
            case let (p?, q?):
                let (x, y) = reversed ? (q, p) : (p, q)
                if x.rank != y.rank { return x.rank > y.rank }
                switch (x.number, y.number) {
                case let (p?, q?): if p != q { return p > q }
                case (_?, nil): return true
                case (nil, _?): return false
                case (nil, nil): if x.text != y.text { return (x.text ?? "") < (y.text ?? "") }
                }
                return a < b
            }
        }
    }
}
