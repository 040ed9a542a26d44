import Foundation
import LinkWire
import LiveModel
import PushLink
import TextFormats
import Yams

/// Rows and panels: each kind's keys, titles, columns, sparks and derivations.
extension LayoutReader {
    mutating func row(_ node: Node, sources: [SourceSpec]) throws(LayoutError) -> Layout.Row {
        let f = try fields(node, expected: "a mapping with 'panels' for a row", place: "in row", known: ["height", "panels"])
        let height = try f["height"].map { (node) throws(LayoutError) in try integer(node, "height", in: 1...100) } ?? 1
        guard let panelsNode = f["panels"] else { throw error("a row needs 'panels'", at: node) }
        let panelNodes = try list(panelsNode, "panels")
        guard !panelNodes.isEmpty else { throw error("'panels' is empty; expected at least one panel", at: panelsNode) }
        var panels: [Panel] = []
        for panelNode in panelNodes { panels.append(try panel(panelNode, sources: sources)) }
        return Layout.Row(height: height, panels: panels)
    }

    /// Keys every panel takes.
    static let commonPanelKeys: Set<String> = ["kind", "title", "source", "width"]

    /// The keys that mean something for `kind`; the others are warned about and not read.
    static func panelKeys(for kind: Panel.Kind) -> Set<String> {
        let values: Set = ["value", "values", "series"]
        let levels: Set = ["thresholds", "alert"]
        let derived: Set = ["rate", "delta"]
        switch kind {
        case .tile: return commonPanelKeys.union(values).union(levels).union(derived).union(["format", "baseline"])
        case .gauge: return commonPanelKeys.union(values).union(levels).union(derived).union(["min", "max", "format"])
        case .chart: return commonPanelKeys.union(values).union(levels).union(derived).union(["min", "max", "color", "format"])
        case .table: return commonPanelKeys.union(levels).union(derived).union(["rows", "columns", "sort", "key"])
        case .log: return commonPanelKeys.union(["filter"])
        case .text: return commonPanelKeys.union(values).union(levels).union(["text"])
        case .bars: return commonPanelKeys.union(values).union(levels).union(derived).union(["min", "max", "format", "sort"])
        }
    }

    static let allPanelKeys = Panel.Kind.allCases.reduce(into: Set<String>()) { $0.formUnion(panelKeys(for: $1)) }

    mutating func panel(_ node: Node, sources: [SourceSpec]) throws(LayoutError) -> Panel {
        let f = try fields(node, expected: "a mapping with 'kind' for a panel", place: "in panel", known: Self.allPanelKeys)
        guard let kindNode = f["kind"] else { throw error("a panel needs 'kind'", at: node) }
        let kindName = try string(kindNode, "kind")
        guard let kind = Panel.Kind(rawValue: kindName) else {
            throw error("unknown panel kind \(quote(kindName)); expected tile, chart, gauge, bars, table, log or text", at: kindNode)
        }
        let applicable = Self.panelKeys(for: kind)
        for entry in f.entries where Self.allPanelKeys.contains(entry.name) && !applicable.contains(entry.name) {
            warn("key '\(entry.name)' does not apply to a \(kind) panel (ignored)", at: entry.key)
        }
        // Keys that do not apply are not read: a bad value there is not worth stopping for.
        func given(_ key: String) -> Node? { applicable.contains(key) ? f[key] : nil }

        var source = 0
        if let sourceNode = f["source"] {
            let name = try string(sourceNode, "source")
            guard let index = sources.firstIndex(where: { $0.name == name }) else {
                let names = sources.map(\.name).joined(separator: ", ")
                throw error("no source named \(quote(name)); the sources are: \(names)", at: sourceNode)
            }
            source = index
        }
        var panel = Panel(kind: kind, title: "", source: source, location: location(of: node))
        panel.width = try f["width"].map { (node) throws(LayoutError) in try integer(node, "width", in: 1...100) } ?? 1

        let valueKeys = ["value", "values", "series"].filter { given($0) != nil }
        if valueKeys.count > 1, let second = f.key(valueKeys[1]) {
            throw error("give only one of 'value', 'values' and 'series' (they are the same key)", at: second)
        }
        var valuesNode: Node?
        if let key = valueKeys.first, let node = f[key] {
            valuesNode = node
            for entry in try valueEntries(node, key, kind: kind) {
                panel.values.append(try value(entry.text, at: entry.node))
                panel.colors.append(try entry.color.map { (node) throws(LayoutError) in try color(node) })
            }
        }
        if let colorNode = given("color") {
            let color = try color(colorNode)
            panel.colors = panel.colors.map { $0 ?? color }
        }
        if panel.colors.allSatisfy({ $0 == nil }) { panel.colors = [] }

        switch kind {
        case .tile, .gauge, .chart, .bars:
            guard !panel.values.isEmpty else { throw error("a \(kind) panel needs 'value', 'values' or 'series'", at: valuesNode ?? node) }
        case .text:
            if let valuesNode, panel.values.count > 1 {
                throw error("a text panel shows one value, not \(panel.values.count)", at: valuesNode)
            }
            if let textNode = f["text"] {
                if let key = valueKeys.first, let keyNode = f.key(key) {
                    throw error("a text panel takes 'text' or '\(key)', not both", at: keyNode)
                }
                panel.text = try string(textNode, "text")
            } else if panel.values.isEmpty {
                throw error("a text panel needs 'text' or 'value'", at: node)
            }
        case .table:
            let rowsNode = f["rows"] ?? node
            panel.values = [.pattern(try pattern(f["rows"] == nil ? "" : string(rowsNode, "rows"), at: rowsNode))]
            if let columnsNode = f["columns"] {
                for columnNode in try list(columnsNode, "columns") { panel.columns.append(try column(columnNode)) }
            }
            if let sortNode = f["sort"] {
                let text = try string(sortNode, "sort")
                let key = text.hasPrefix("-") ? String(text.dropFirst()) : text
                guard !key.isEmpty else {
                    throw error("expected a column key for 'sort', such as latency_ms or -latency_ms, not \(quote(text))", at: sortNode)
                }
                panel.sort = (key, text.hasPrefix("-"))
            }
            if let keyNode = f["key"] { try keyColumn(keyNode, into: &panel) }
        case .log:
            panel.filter = try f["filter"].map { (node) throws(LayoutError) in try pointer(node, "filter") }
        }
        if kind == .bars, let sortNode = f["sort"] {
            let text = try string(sortNode, "sort")
            guard let order = BarSort(text) else {
                throw error("unknown sort \(quote(text)) for a bars panel; expected \(BarSort.spellings)", at: sortNode)
            }
            panel.barSort = order
        }

        panel.min = try given("min").map { (node) throws(LayoutError) in try number(node, "min") }
        panel.max = try given("max").map { (node) throws(LayoutError) in try number(node, "max") }
        if let min = panel.min, let max = panel.max, min >= max, let maxNode = f["max"] {
            throw error("'max' must be more than 'min' (\(Format.number(min))), not \(Format.number(max))", at: maxNode)
        }
        panel.baseline = try given("baseline").map { (node) throws(LayoutError) in try number(node, "baseline") }
        panel.derivation = try derivation(given("rate"), given("delta"), f)
        panel.format = try given("format").map { (node) throws(LayoutError) in try format(node) }
        panel.thresholds = try given("thresholds").map { (node) throws(LayoutError) in try thresholds(node) }
        panel.alert = try given("alert").map { (node) throws(LayoutError) in try alert(node) }
        // An alert judges levels: with no thresholds anywhere on the panel it could never fire.
        if let alert = panel.alert, alert.stale == nil, panel.thresholds == nil, !panel.columns.contains(where: { $0.thresholds != nil }),
           let alertNode = f["alert"] {
            throw error("'alert' needs 'thresholds' on the panel (or on a column) to judge by, or 'stale:'; without them it never fires",
                        at: alertNode)
        }
        panel.title = try f["title"].map { (node) throws(LayoutError) in try string(node, "title") } ?? Self.defaultTitle(of: panel)
        return panel
    }

    /// An expression longer than this is cut short in a default title.
    static let titleLength = 32

    /// A short title from what the panel shows, for files that do not name their panels.
    static func defaultTitle(of panel: Panel) -> String {
        /// The last key of a pattern: `latency_ms` for `/services/*/latency_ms`.
        func name(_ pattern: PointerPattern) -> String? {
            pattern.tokens.reversed().lazy.compactMap { token -> String? in
                switch token {
                case .key(let key): return key
                case .selector(let metric, let labels): return "\(metric){\(labels.joined(separator: ","))}"
                case .any: return nil
                }
            }.first
        }
        func name(_ value: PanelValue) -> String {
            switch value {
            case .pattern(let pattern):
                let key = name(pattern) ?? "value"
                return panel.derivation == .value ? key : "\(panel.derivation)(\(key))"
            case .expression(let expression):
                let text = expression.text.count > titleLength ? expression.text.prefix(titleLength - 1) + "…" : expression.text
                return panel.derivation == .value ? text : "\(panel.derivation)(\(text))"
            }
        }
        switch panel.kind {
        case .tile, .gauge, .chart, .bars: return panel.values.map(name).joined(separator: ", ")
        case .table: return name(panel.rowsPattern) ?? "rows"
        case .log: return panel.filter.map { "log: \($0)" } ?? "log"
        case .text: return "text"
        }
    }

    /// A table's `key`: `false` hides the column of row names, `true` keeps it, a string or
    /// `{title: host}` renames it.
    mutating func keyColumn(_ node: Node, into panel: inout Panel) throws(LayoutError) {
        if case .scalar(let scalar) = node {
            if let show = Bool.construct(from: Node.Scalar(scalar.string)) {
                panel.showKey = show
            } else if scalar.string.isEmpty {
                throw error("expected false, true, a title or {title: …} for 'key', not an empty string", at: node)
            } else {
                panel.keyTitle = scalar.string
            }
            return
        }
        let f = try fields(node, expected: "false, true, a title or {title: …} for 'key'", place: "in key", known: ["title"])
        guard let titleNode = f["title"] else { throw error("'key' needs 'title' (or false to hide the column)", at: node) }
        panel.keyTitle = try string(titleNode, "title")
    }

    mutating func column(_ node: Node) throws(LayoutError) -> Panel.Column {
        if case .scalar = node {
            let key = try string(node, "columns")
            guard !key.isEmpty else { throw error("a column key must not be empty", at: node) }
            return Panel.Column(key: key, title: key)
        }
        let f = try fields(node, expected: "a key or a mapping with 'key' for a column", place: "in column",
                           known: ["key", "title", "format", "thresholds", "rate", "delta", "spark"])
        guard let keyNode = f["key"] else { throw error("a column needs 'key'", at: node) }
        let key = try string(keyNode, "key")
        guard !key.isEmpty else { throw error("a column key must not be empty", at: keyNode) }
        return Panel.Column(
            key: key,
            title: try f["title"].map { (node) throws(LayoutError) in try string(node, "title") } ?? key,
            format: try f["format"].map { (node) throws(LayoutError) in try format(node) },
            thresholds: try f["thresholds"].map { (node) throws(LayoutError) in try thresholds(node) },
            derivation: f["rate"] == nil && f["delta"] == nil ? nil : try derivation(f["rate"], f["delta"], f),
            spark: try f["spark"].map { (node) throws(LayoutError) in try spark(node) } ?? nil
        )
    }

    /// Cells a sparkline column takes with `spark: true`: 10 samples read at a glance and leave
    /// room for the other columns at 80 wide.
    static let sparkWidth = 10
    /// A table column is at most 24 cells wide (`RowTable`).
    static let sparkWidths = 2...24

    /// A column's `spark`: `true` (the default width), `false` (a value column) or a width in cells.
    func spark(_ node: Node) throws(LayoutError) -> Int? {
        if case .scalar(let scalar) = node {
            if let on = Bool.construct(from: Node.Scalar(scalar.string)) { return on ? Self.sparkWidth : nil }
            if let width = Int.construct(from: Node.Scalar(scalar.string)) {
                guard Self.sparkWidths.contains(width) else {
                    throw error("'spark' must be from \(Self.sparkWidths.lowerBound) to \(Self.sparkWidths.upperBound) cells, not \(width)",
                                at: node)
                }
                return width
            }
        }
        throw error("expected true, false or a width in cells for 'spark', not \(describe(node))", at: node)
    }

    /// `rate: true` or `delta: true` (not both).
    func derivation(_ rateNode: Node?, _ deltaNode: Node?, _ f: Fields) throws(LayoutError) -> Derivation {
        let rate = try rateNode.map { (node) throws(LayoutError) in try bool(node, "rate") } ?? false
        let delta = try deltaNode.map { (node) throws(LayoutError) in try bool(node, "delta") } ?? false
        if rate && delta, let rateKey = f.key("rate"), let deltaKey = f.key("delta") {
            let (r, d) = (location(of: rateKey), location(of: deltaKey))
            let second = (r.line, r.column) < (d.line, d.column) ? deltaKey : rateKey
            throw error("give 'rate: true' or 'delta: true', not both (a rate is a delta per second)", at: second)
        }
        return rate ? .rate : delta ? .delta : .value
    }
}
