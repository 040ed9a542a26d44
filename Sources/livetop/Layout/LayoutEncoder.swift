import LiveModel
import Yams

/// Writes a `Layout` as a layout file with Yams, the library `LayoutFile` reads it with, so what
/// is written is what is read: every key in `LayoutFile`'s spelling, each value in the form its
/// reader takes, and strings quoted by Yams where they would read as something else. A written
/// layout parses back to the same `Layout` (less the places in the file), which a test checks.
///
/// Panels and columns whose values are all plain fit on one line (`{kind: tile, value: /cpu}`);
/// lists of plain values too (`columns: [status, rps]`); the rest is in block style.
enum LayoutEncoder {
    /// The YAML text of `layout` (no comments: the caller puts its own above).
    static func yaml(_ layout: Layout) throws -> String {
        // No line width: a long panel stays on its line instead of being folded mid-mapping.
        try Yams.serialize(node: node(layout), indent: 2, width: -1, allowUnicode: true)
    }

    static func node(_ layout: Layout) -> Node {
        var top: [(String, Node)] = []
        if let history = layout.history { top.append(("history", number(Double(history)))) }
        // Without sources a layout has one named main, which the reader makes up itself.
        if layout.sources != [SourceSpec(name: "main")] {
            top.append(("sources", .sequence(.init(layout.sources.map(source), .implicit, .block))))
        }
        let rows = layout.rows.map { row -> Node in
            let panels = row.panels.map { panel($0, sources: layout.sources) }
            return mapping([("height", number(Double(row.height))), ("panels", .sequence(.init(panels, .implicit, .block)))])
        }
        top.append(("rows", .sequence(.init(rows, .implicit, .block))))
        return mapping(top)
    }

    // MARK: Sources

    static func source(_ spec: SourceSpec) -> Node {
        var f: [(String, Node)] = [("name", string(spec.name))]
        if let url = spec.url { f.append(("url", string(url.text))) }
        if let command = spec.command { f.append(("command", strings(command))) }
        if let file = spec.file { f.append(("file", string(file))) }
        if !spec.headers.isEmpty { f.append(("headers", strings(spec.headers.map(\.description)))) }
        if let env = spec.bearerEnv { f.append(("bearer_env", string(env))) }
        if !spec.protocols.isEmpty { f.append(("protocols", strings(spec.protocols))) }
        if let origin = spec.origin { f.append(("origin", string(origin))) }
        if !spec.send.isEmpty { f.append(("send", strings(spec.send))) }
        if let transport = spec.transport { f.append(("transport", string(transport.description))) }
        if let fold = spec.fold { f.append(("fold", string(fold.description))) }
        if let select = spec.select { f.append(("select", string(select.description))) }
        if let time = spec.time { f.append(("time", string(time.description))) }
        if let cursor = spec.pollCursor { f.append(("poll_cursor", string(cursor.text))) }
        if let items = spec.pollItems { f.append(("poll_items", string(items.description))) }
        if let sse = spec.sseURL { f.append(("sse_url", string(sse.description))) }
        if let poll = spec.pollURL { f.append(("poll_url", string(poll.description))) }
        if let every = spec.every { f.append(("every", string(every.description))) }
        if let timeout = spec.timeout { f.append(("timeout", string(timeout.description))) }
        if let restart = spec.restart { f.append(("restart", bool(restart))) }
        if let parse = spec.parse { f.append(("parse", string(parse.rawValue))) }
        if let expect = spec.expect { f.append(("expect", string(expect.description))) }
        return mapping(f)
    }

    // MARK: Panels

    static func panel(_ panel: Panel, sources: [SourceSpec]) -> Node {
        var f: [(String, Node)] = [("kind", string(panel.kind.rawValue)), ("title", string(panel.title))]
        if panel.source != 0, sources.indices.contains(panel.source) { f.append(("source", string(sources[panel.source].name))) }
        if panel.width != 1 { f.append(("width", number(Double(panel.width)))) }
        switch panel.kind {
        case .table:
            f.append(("rows", string(panel.rowsPattern.text)))
            let columns = panel.columns.map(column)
            if !columns.isEmpty { f.append(("columns", .sequence(.init(columns, .implicit, flowIfPlain(columns))))) }
            if let key = panel.sortKey { f.append(("sort", string((panel.sortDescending ? "-" : "") + key))) }
            if !panel.showKey {
                f.append(("key", bool(false)))
            } else if let title = panel.keyTitle {
                f.append(("key", mapping([("title", string(title))])))
            }
        case .text:
            if let text = panel.text { f.append(("text", string(text))) } else if let value = panel.values.first { f.append(("value", string(self.text(value)))) }
        case .log:
            if let filter = panel.filter { f.append(("filter", string(filter.description))) }
        case .tile, .gauge, .chart, .bars:
            let texts = panel.values.map(text)
            if panel.colors.isEmpty {
                f.append(texts.count == 1 ? ("value", string(texts[0])) : ("values", strings(texts)))
            } else {
                // A chart's series colours: each entry that has one as `{value: …, color: …}`.
                let entries = texts.indices.map { i -> Node in
                    guard let color = panel.color(ofValue: i) else { return string(texts[i]) }
                    return mapping([("value", string(texts[i])), ("color", string(color.name))], style: .flow)
                }
                f.append(("series", .sequence(.init(entries, .implicit, .block))))
            }
            if panel.kind == .bars, panel.barSort != .default { f.append(("sort", string(panel.barSort.description))) }
        }
        switch panel.derivation {
        case .value: break
        case .rate: f.append(("rate", bool(true)))
        case .delta: f.append(("delta", bool(true)))
        }
        if let min = panel.min { f.append(("min", number(min))) }
        if let max = panel.max { f.append(("max", number(max))) }
        if let format = panel.format { f.append(("format", string(format))) }
        if let baseline = panel.baseline { f.append(("baseline", number(baseline))) }
        if let thresholds = panel.thresholds { f.append(("thresholds", self.thresholds(thresholds))) }
        if let alert = panel.alert { f.append(("alert", self.alert(alert))) }
        return mapping(f, style: f.allSatisfy { isPlain($0.1) } ? .flow : .block)
    }

    /// A value as the reader tells it from an expression: a pattern that would read as one
    /// (a key with a space or a parenthesis) goes in backticks.
    static func text(_ value: PanelValue) -> String {
        guard case .pattern(let pattern) = value, LayoutFile.readsAsExpression(pattern.text) else { return value.text }
        return "`" + pattern.text.replacingOccurrences(of: "`", with: "``") + "`"
    }

    static func column(_ column: Panel.Column) -> Node {
        if column.title == column.key, column.format == nil, column.thresholds == nil, column.derivation == nil, column.spark == nil {
            return string(column.key)
        }
        var f: [(String, Node)] = [("key", string(column.key))]
        if column.title != column.key { f.append(("title", string(column.title))) }
        if let format = column.format { f.append(("format", string(format))) }
        if let thresholds = column.thresholds { f.append(("thresholds", self.thresholds(thresholds))) }
        switch column.derivation {
        case nil: break
        case .value?: f.append(("rate", bool(false)))
        case .rate?: f.append(("rate", bool(true)))
        case .delta?: f.append(("delta", bool(true)))
        }
        if let spark = column.spark { f.append(("spark", number(Double(spark)))) }
        return mapping(f, style: .flow)
    }

    static func thresholds(_ thresholds: Thresholds) -> Node {
        switch thresholds {
        case .numeric(let warn, let crit):
            return mapping([warn.map { ("warn", number($0)) }, crit.map { ("crit", number($0)) }].compactMap { $0 }, style: .flow)
        case .states(let map):
            // Best to worst, then by name: the order a reader thinks in, and the same every time.
            let states = map.sorted { ($0.value, $0.key) < ($1.value, $1.key) }
            return mapping(states.map { ($0.key, string($0.value.description)) }, style: .flow)
        }
    }

    static func alert(_ alert: AlertSpec) -> Node {
        var f: [(String, Node)] = [("level", string(alert.level.description))]
        if alert.hold != 0 { f.append(("for", duration(alert.hold))) }
        if alert.bell { f.append(("bell", bool(true))) }
        if !alert.command.isEmpty { f.append(("command", strings(alert.command))) }
        if !alert.onClear.isEmpty { f.append(("on_clear", strings(alert.onClear))) }
        if alert.timeout != AlertSpec().timeout { f.append(("timeout", duration(alert.timeout))) }
        if let stale = alert.stale { f.append(("stale", duration(stale))) }
        return mapping(f, style: .flow)
    }

    // MARK: Scalars

    /// A string as Yams represents one: quoted where plain it would read as a number, a boolean
    /// or null (`'80'`, `'true'`), and where YAML needs it (`"%.1f%%"`, `''`).
    static func string(_ text: String) -> Node { .scalar(text.represented()) }

    static func strings(_ texts: [String]) -> Node { .sequence(.init(texts.map(string), .implicit, .flow)) }

    static func bool(_ value: Bool) -> Node { .scalar(.init(value ? "true" : "false")) }

    /// Whole numbers without a point (`80`, not `80.0`); others in the shortest form that reads
    /// back as the same Double.
    static func number(_ value: Double) -> Node {
        if value == value.rounded(), abs(value) < 1e15 { return .scalar(.init(String(Int64(value)))) }
        return .scalar(.init(value.description))
    }

    /// Seconds with an `s`, as the reader's durations take them.
    static func duration(_ seconds: Double) -> Node {
        let number = seconds == seconds.rounded() && abs(seconds) < 1e15 ? String(Int64(seconds)) : seconds.description
        return .scalar(.init(number + "s"))
    }

    static func mapping(_ pairs: [(String, Node)], style: Node.Mapping.Style = .block) -> Node {
        .mapping(.init(pairs.map { (string($0.0), $0.1) }, .implicit, style))
    }

    static func isPlain(_ node: Node) -> Bool {
        switch node {
        case .scalar: return true
        case .sequence(let sequence): return sequence.allSatisfy { if case .scalar = $0 { return true } else { return false } }
        case .mapping(let mapping): return mapping.style == .flow && mapping.allSatisfy { isPlain($0.value) }
        case .alias: return false
        }
    }

    static func flowIfPlain(_ nodes: [Node]) -> Node.Sequence.Style {
        nodes.allSatisfy { if case .scalar = $0 { return true } else { return false } } ? .flow : .block
    }
}
