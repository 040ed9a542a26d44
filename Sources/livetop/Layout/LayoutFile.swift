import Foundation
import LinkWire
import LiveModel
import PushLink
import TextFormats
import Yams

/// Reads layout files: YAML that declares the feeds and the panels of a dashboard.
///
/// ```yaml
/// history: 300              # optional: samples kept per numeric value, 10...3600 (memory: 16 bytes a sample per number)
/// sources:                  # optional; without it there is one source named "main"
///   - name: demo            # required, unique; panels refer to sources by name
///     url: ws://127.0.0.1:9000/   # optional: without it, the next URL on the command line
///     headers: ["X-Key: v"] # 'Name: value' strings
///     bearer_env: TOKEN     # environment variable holding a bearer token
///     protocols: [chat]     # WebSocket subprotocols: a string or a list
///     origin: https://x
///     send: ['{"op":"sub"}']  # messages sent after connecting: a string or a list
///     transport: auto       # auto, websocket, sse, stream, longpoll or poll
///     fold: merge           # merge, replace, append or upsert:/pointer
///     select: /data         # the part of each message that is folded (a JSON pointer)
///     time: /ts             # the member holding each message's time (RFC 3339, or seconds/ms since 1970):
///                           #   charts and the log place the message there, not at its arrival
///     poll_cursor: query:cursor,header:X-Next-Cursor
///     poll_items: /results  # a JSON pointer
///     sse_url: http://…     # fallback endpoints
///     poll_url: http://…
///   - name: host            # a source on this host instead of a url:
///     command: [vmstat, -n, "1"]  #   a command (argv, no shell; [sh, -c, "…"] for one), each stdout line a message
///     every: 2s             #   with every: run it that often, its whole output one message (an http url: poll interval)
///     timeout: 10s          #   with every: a run still going after this is killed (default 2 × every, at least 10s)
///     restart: true         #   a command that exits is run again (on the backoff)
///     parse: columns        #   auto, json, logfmt, columns, prometheus or text
///     expect: 5s            #   silence longer than this shows the source stale
///   - name: log
///     file: /var/log/app.log  # a file followed as tail -F follows it
/// rows:                     # required: at least one row with at least one panel
///   - height: 2             # relative height, 1...100, default 1
///     panels:
///       - kind: chart       # required: tile, chart, gauge, bars, table, log or text
///         title: CPU        # default: from the values (their last tokens, an expression's text cut
///                           #   to 32 characters, rate(…) with rate: true), "rows", "log" or "text"
///         source: demo      # a source name; default: the first source
///         width: 2          # relative width, 1...100, default 1
///         value: /cpu_pct   # a pointer pattern (`*` matches every key); `values` and
///         values: [/a, /b]  #   `series` are the same key with a list; give one of the three.
///                           #   tile, gauge, chart, bars: required; text: at most one
///                           #   bars: one bar per value; a value that is an object (or array)
///                           #   gives one bar per member, labelled by its key
///         value: "/mem/used / /mem/total * 100"  # or an expression (see `Expression`): pointers,
///                           #   numbers, + - * /, parentheses, unary -, rate(/p) and delta(/p);
///                           #   a value is one when it holds a space, ( or a backtick, or starts
///                           #   with -, a digit or a dot. Pointers in it end at a space or ), so
///                           #   operators take spaces; a key with spaces goes in backticks:
///                           #   "rate(`/node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"}`) * 100"
///         rate: true        # tile, gauge, chart, table: every value as its per-second rate
///         delta: true       #   (counters; a reset gives none), or its change since the sample before; not both
///         rows: /services   # table: the object (or array) holding the rows; default the root
///         columns:          # table: keys, or {key, title, format, thresholds, rate, delta}
///           - status
///           - {key: latency_ms, title: latency, format: "%.0f ms", thresholds: {warn: 200}}
///           - {key: rx_bytes, rate: true, format: "%.0f B/s"}   # a column's own rate or delta
///           - {key: cpu, spark: true}   # the value's recent history as a sparkline (10 cells; or spark: 20)
///         sort: -latency_ms # table: a column key; a leading '-' sorts descending
///         sort: -value      # bars: -value (largest first, the default), value, label, -label or none
///         key: {title: host} # table: the column of row names renamed (or `key: host`); `key: false` hides it
///         series:           # chart: an entry may be a mapping with its colour:
///           - {value: /cpu, color: red}   #   red, green, yellow, blue, magenta, cyan, white, gray, default
///           - /mem          #   (the others keep the palette's colour for their place)
///         color: green      # chart: the colour of the series whose entries name none
///         min: 0            # gauge, chart, bars: the range (bars: default 0 and the greatest value)
///         max: 100
///         format: "%.1f%%"  # tile, gauge, chart, bars: one of %d %i %f %e %g with flags, width, precision
///         baseline: 8       # tile: the value a sparkline's lowest glyph stands for (default 0;
///                           #   values below it move it down to their min)
///         thresholds: {warn: 80, crit: 95}          # numbers: warn and/or crit
///         thresholds: {up: ok, degraded: warn, down: crit}  # states: ok, warn or crit
///         alert: {level: crit, for: 5s, bell: true, command: [notify-send, livetop], timeout: 10s, stale: 30s}
///                           # level: warn (default) or crit; for: how long it must hold (0);
///                           # command: argv, never a shell line; timeout: kills it (10s)
///         filter: /event    # log: only messages with a value here
///         text: hello       # text: fixed text (or one `value`)
/// ```
///
/// Durations are seconds or strings such as `500ms`, `1.5s`, `2m`, `1h`. Unknown keys, and keys
/// that do not apply to a panel's kind, are warnings, so a file written for a newer livetop
/// still loads; everything else that is wrong is a `LayoutError` naming the line and column.
enum LayoutFile {
    /// Parses a layout; warnings are one-line strings "FILE:LINE:COL: unknown key 'x' in panel (ignored)".
    static func parse(_ text: String, file: String) throws(LayoutError) -> (layout: Layout, warnings: [String]) {
        var reader = LayoutReader(file: file, text: text)
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw reader.syntaxError(error, in: text)
        } catch {
            throw LayoutError(file: file, message: "invalid YAML: \(error)")
        }
        guard let root, root.null == nil else {
            throw LayoutError(file: file, message: "the layout is empty; it needs 'rows' with panels")
        }
        let layout = try reader.layout(root)
        return (layout, reader.warnings)
    }

    /// Whether a value's text is an expression rather than a pointer pattern: it holds a space,
    /// `(` or a backtick, or starts with `-`, a digit or `.` (`LayoutEncoder` writes a pattern
    /// that would read so in backticks).
    static func readsAsExpression(_ text: String) -> Bool {
        text.contains { $0.isWhitespace || $0 == "(" || $0 == "`" } || text.first.map { $0 == "-" || $0 == "." || $0.isASCIIDigit } == true
    }

    /// Reads and parses the file at `path` (an unreadable file is a LayoutError without location).
    static func load(path: String) throws(LayoutError) -> (layout: Layout, warnings: [String]) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw LayoutError(file: path, message: "no such file")
        }
        guard !isDirectory.boolValue else { throw LayoutError(file: path, message: "is a directory, not a layout file") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LayoutError(file: path, message: "cannot be read (check its permissions)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw LayoutError(file: path, message: "is not UTF-8 text")
        }
        return try parse(text, file: path)
    }
}

/// A mapping's entries in file order, looked up by key. Null values (`title:`) count as absent.
private struct Fields {
    let entries: [(name: String, key: Node, value: Node)]

    subscript(name: String) -> Node? {
        guard let value = entries.first(where: { $0.name == name })?.value, value.null == nil else { return nil }
        return value
    }

    func key(_ name: String) -> Node? { entries.first { $0.name == name }?.key }
}

/// One pass over the composed YAML tree: builds the `Layout`, collects warnings, and throws the
/// first error with the place of the node it is about.
private struct LayoutReader {
    let file: String
    /// The file's lines, to place an error inside a quoted string (an expression's column).
    let lines: [Substring]
    private var found: [LayoutError] = []

    init(file: String, text: String) {
        self.file = file
        lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
    }

    /// In file order, though unknown keys are found before keys that do not apply to a kind.
    var warnings: [String] {
        func place(_ warning: LayoutError) -> (Int, Int) { (warning.location?.line ?? 0, warning.location?.column ?? 0) }
        return found.sorted { place($0) < place($1) }.map(\.description)
    }

    // MARK: Layout

    mutating func layout(_ root: Node) throws(LayoutError) -> Layout {
        let top = try fields(root, expected: "a mapping with 'rows' at the top level", place: "at the top level", known: ["history", "sources", "rows"])
        let history = try top["history"].map { (node) throws(LayoutError) in try integer(node, "history", in: 10...3600) }
        let sources = try sources(top["sources"])
        guard let rowsNode = top["rows"] else { throw error("a layout needs 'rows'", at: root) }
        let rowNodes = try list(rowsNode, "rows")
        guard !rowNodes.isEmpty else { throw error("'rows' is empty; expected at least one row with panels", at: rowsNode) }
        var rows: [Layout.Row] = []
        for rowNode in rowNodes { rows.append(try row(rowNode, sources: sources)) }
        return Layout(sources: sources, rows: rows, history: history)
    }

    // MARK: Sources

    mutating func sources(_ node: Node?) throws(LayoutError) -> [SourceSpec] {
        guard let node else { return [SourceSpec(name: "main")] }
        let items = try list(node, "sources")
        guard !items.isEmpty else {
            throw error("'sources' is empty; list at least one, or leave it out for one source named main", at: node)
        }
        var specs: [SourceSpec] = []
        for item in items {
            let spec = try source(item)
            if let first = specs.first(where: { $0.name == spec.name }) {
                throw error("duplicate source name '\(spec.name)'; the first is at \(first.location)", at: item)
            }
            specs.append(spec)
        }
        return specs
    }

    mutating func source(_ node: Node) throws(LayoutError) -> SourceSpec {
        let f = try fields(node, expected: "a mapping for a source", place: "in source", known: [
            "name", "url", "headers", "bearer_env", "protocols", "origin", "send", "transport", "fold", "select", "time",
            "poll_cursor", "poll_items", "sse_url", "poll_url", "command", "file", "every", "timeout", "restart", "parse", "expect",
        ])
        guard let nameNode = f["name"] else { throw error("a source needs 'name'", at: node) }
        let name = try string(nameNode, "name")
        guard !name.isEmpty else { throw error("a source's 'name' must not be empty", at: nameNode) }
        var spec = SourceSpec(name: name, location: location(of: node))
        if let urlNode = f["url"] {
            let text = try string(urlNode, "url")
            do {
                spec.url = try SourceAddress(parsing: text)
            } catch {
                throw self.error("'url' \(quote(text)): \(error)", at: urlNode)
            }
        }
        if let headers = f["headers"] {
            for (text, headerNode) in try stringNodes(headers, "headers") {
                do {
                    spec.headers.append(try Header(parsing: text))
                } catch {
                    throw self.error("\(quote(text)) is not a header; \(error)", at: headerNode)
                }
            }
        }
        spec.bearerEnv = try optionalString(f["bearer_env"], "bearer_env")
        spec.protocols = try f["protocols"].map { (node) throws(LayoutError) in try strings(node, "protocols") } ?? []
        spec.origin = try optionalString(f["origin"], "origin")
        spec.send = try f["send"].map { (node) throws(LayoutError) in try strings(node, "send") } ?? []
        if let transportNode = f["transport"] {
            let transport = try string(transportNode, "transport")
            guard let choice = TransportChoice(argument: transport) else {
                throw error("unknown transport \(quote(transport)); expected auto, websocket, sse, stream, longpoll or poll", at: transportNode)
            }
            spec.transport = choice
        }
        if let foldNode = f["fold"] {
            let text = try string(foldNode, "fold")
            guard let fold = FoldRule(text) else {
                throw error("unknown fold \(quote(text)); expected merge, replace, append or upsert:/pointer", at: foldNode)
            }
            spec.fold = fold
        }
        spec.select = try f["select"].map { (node) throws(LayoutError) in try pointer(node, "select") }
        spec.time = try f["time"].map { (node) throws(LayoutError) in try pointer(node, "time") }
        if let cursorNode = f["poll_cursor"] {
            let convention = try string(cursorNode, "poll_cursor")
            guard let parsed = PollCursor.Convention(argument: convention) else {
                throw error("unknown poll_cursor \(quote(convention)); expected auto, validators, query:NAME,header:HEADER or query:NAME,body:/POINTER",
                            at: cursorNode)
            }
            spec.pollCursor = parsed
        }
        spec.pollItems = try f["poll_items"].map { (node) throws(LayoutError) in try pointer(node, "poll_items") }
        spec.sseURL = try f["sse_url"].map { (node) throws(LayoutError) in try endpoint(node, "sse_url") }
        spec.pollURL = try f["poll_url"].map { (node) throws(LayoutError) in try endpoint(node, "poll_url") }
        if let commandNode = f["command"] {
            guard case .sequence = commandNode else {
                throw error("'command' must be a list of arguments such as [vmstat, -n, \"1\"], not a shell line "
                            + "(for one, write [sh, -c, \"…\"])", at: commandNode)
            }
            let argv = try strings(commandNode, "command")
            guard let program = argv.first, !program.isEmpty else {
                throw error("'command' is empty; give the program and its arguments, such as [vmstat, -n, \"1\"]", at: commandNode)
            }
            spec.command = argv
        }
        spec.file = try optionalString(f["file"], "file")
        let places = [spec.url.map { _ in "url" }, spec.command.map { _ in "command" }, spec.file.map { _ in "file" }].compactMap { $0 }
        if places.count > 1 {
            throw error("a source reads one thing: give one of url, command and file, not \(places.joined(separator: " and "))", at: node)
        }
        spec.every = try f["every"].map { (node) throws(LayoutError) in try interval(node, "every") }
        spec.timeout = try f["timeout"].map { (node) throws(LayoutError) in try interval(node, "timeout") }
        spec.expect = try f["expect"].map { (node) throws(LayoutError) in try interval(node, "expect") }
        if let restartNode = f["restart"] { spec.restart = try bool(restartNode, "restart") }
        if let parseNode = f["parse"] {
            let text = try string(parseNode, "parse")
            guard let format = TextFormat(rawValue: text) else {
                throw error("unknown parse \(quote(text)); expected \(TextFormat.allCases.map(\.rawValue).joined(separator: ", "))", at: parseNode)
            }
            spec.parse = format
        }
        if spec.timeout != nil && (spec.command == nil || spec.every == nil) {
            throw error("'timeout' is for a command run every interval ('command' with 'every')", at: f["timeout"] ?? node)
        }
        return spec
    }

    /// Where SSE or long-poll goes instead (`sse_url`, `poll_url`): `--sse-url`'s grammar.
    func endpoint(_ node: Node, _ key: String) throws(LayoutError) -> HTTPEndpoint {
        let text = try string(node, key)
        do {
            return try HTTPEndpoint(parsing: text)
        } catch {
            throw self.error("'\(key)' \(quote(text)): \(error)", at: node)
        }
    }

    /// A duration above 0 (`every`, `expect`, `timeout`), at most a day.
    func interval(_ node: Node, _ key: String) throws(LayoutError) -> Interval {
        guard let interval = Interval(seconds: try duration(node, key)) else {
            throw error("'\(key)' must be above 0 and at most a day, such as 2s or 500ms, not \(describe(node))", at: node)
        }
        return interval
    }

    // MARK: Rows and panels

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

    // MARK: Thresholds and alerts

    /// Numeric when a value is a number or the keys are only `warn`/`crit`; otherwise a map of
    /// states to levels.
    mutating func thresholds(_ node: Node) throws(LayoutError) -> Thresholds {
        let example = "such as {warn: 80, crit: 95} or {up: ok, down: crit}"
        guard case .mapping(let mapping) = node else {
            throw error("expected a mapping for 'thresholds', \(example), not \(describe(node))", at: node)
        }
        guard !mapping.isEmpty else { throw error("'thresholds' is empty; expected one \(example)", at: node) }
        let limitNames: Set = ["warn", "crit"]
        let isNumeric = mapping.contains { numberValue($0.value) != nil }
            || mapping.keys.allSatisfy { $0.scalar.map { limitNames.contains($0.string) } ?? false }
        if isNumeric {
            let f = try fields(node, expected: "a mapping for 'thresholds'", place: "in thresholds", known: limitNames)
            let warn = try f["warn"].map { (node) throws(LayoutError) in try number(node, "warn") }
            let crit = try f["crit"].map { (node) throws(LayoutError) in try number(node, "crit") }
            guard warn != nil || crit != nil else {
                throw error("numeric 'thresholds' need 'warn' and/or 'crit'", at: node)
            }
            return .numeric(warn: warn, crit: crit)
        }
        var states: [String: Level] = [:]
        for (key, value) in mapping {
            guard case .scalar(let state) = key else {
                throw error("expected a state name in 'thresholds', not \(describe(key))", at: key)
            }
            guard case .scalar(let levelName) = value, let level = Level(name: levelName.string) else {
                throw error("expected ok, warn or crit for state \(quote(state.string)), not \(describe(value))", at: value)
            }
            states[state.string] = level
        }
        return .states(states)
    }

    mutating func alert(_ node: Node) throws(LayoutError) -> AlertSpec {
        let f = try fields(node, expected: "a mapping for 'alert', such as {level: crit, for: 5s}", place: "in alert",
                           known: ["level", "for", "bell", "command", "on_clear", "timeout", "stale"])
        var alert = AlertSpec()
        if let levelNode = f["level"] {
            let name = try string(levelNode, "level")
            guard let level = Level(name: name), level != .ok else {
                throw error("unknown alert level \(quote(name)); expected warn or crit", at: levelNode)
            }
            alert.level = level
        }
        if let holdNode = f["for"] {
            alert.hold = try duration(holdNode, "for")
            guard alert.hold >= 0 else { throw error("'for' must be 0 or more, not \(describe(holdNode))", at: holdNode) }
        }
        if let bellNode = f["bell"] { alert.bell = try bool(bellNode, "bell") }
        if let commandNode = f["command"] {
            guard case .sequence = commandNode else {
                throw error("'command' must be a list of arguments, not a shell line", at: commandNode)
            }
            alert.command = try strings(commandNode, "command")
        }
        if let clearNode = f["on_clear"] {
            guard case .sequence = clearNode else {
                throw error("'on_clear' must be a list of arguments, not a shell line", at: clearNode)
            }
            alert.onClear = try strings(clearNode, "on_clear")
        }
        if let timeoutNode = f["timeout"] {
            alert.timeout = try duration(timeoutNode, "timeout")
            guard alert.timeout > 0 else {
                throw error("'timeout' must be more than 0, not \(describe(timeoutNode))", at: timeoutNode)
            }
        }
        if let staleNode = f["stale"] { alert.stale = try interval(staleNode, "stale").seconds }
        return alert
    }

    // MARK: Values

    /// Checks the mapping and warns about keys outside `known`; `expected` is the error's phrase
    /// for a node that is not a mapping.
    mutating func fields(_ node: Node, expected: String, place: String, known: Set<String>) throws(LayoutError) -> Fields {
        guard case .mapping(let mapping) = node else { throw error("expected \(expected), not \(describe(node))", at: node) }
        var entries: [(name: String, key: Node, value: Node)] = []
        for (key, value) in mapping {
            if let name = key.scalar?.string, known.contains(name) {
                entries.append((name, key, value))
            } else {
                warn("unknown key \(key.scalar.map { quote($0.string) } ?? describe(key)) \(place) (ignored)", at: key)
            }
        }
        return Fields(entries: entries)
    }

    func list(_ node: Node, _ key: String) throws(LayoutError) -> [Node] {
        guard case .sequence(let sequence) = node else {
            throw error("expected a list for '\(key)', not \(describe(node))", at: node)
        }
        return Array(sequence)
    }

    func string(_ node: Node, _ key: String) throws(LayoutError) -> String {
        guard case .scalar(let scalar) = node else {
            throw error("expected a string for '\(key)', not \(describe(node))", at: node)
        }
        return scalar.string
    }

    func optionalString(_ node: Node?, _ key: String) throws(LayoutError) -> String? {
        guard let node else { return nil }
        return try string(node, key)
    }

    /// A panel's `value`, `values` or `series`: a string, or a list whose entries are strings or
    /// `{value: …, color: …}` (a chart series' colour; on other kinds a warning).
    mutating func valueEntries(_ node: Node, _ key: String, kind: Panel.Kind) throws(LayoutError)
        -> [(text: String, node: Node, color: Node?)] {
        guard case .sequence(let sequence) = node else {
            return try stringNodes(node, key).map { ($0.text, $0.node, nil) }
        }
        var entries: [(text: String, node: Node, color: Node?)] = []
        for item in sequence {
            switch item {
            case .scalar(let scalar):
                entries.append((scalar.string, item, nil))
            case .mapping:
                let f = try fields(item, expected: "a mapping for an entry of '\(key)'", place: "in an entry of '\(key)'",
                                   known: ["value", "color"])
                guard let valueNode = f["value"] else {
                    throw error("an entry of '\(key)' written as a mapping needs 'value', such as {value: /cpu, color: red}", at: item)
                }
                var colorNode = f["color"]
                if kind != .chart, let colorKey = f.key("color") {
                    warn("key 'color' does not apply to a \(kind) panel (ignored)", at: colorKey)
                    colorNode = nil
                }
                entries.append((try string(valueNode, "value"), valueNode, colorNode))
            default:
                throw error("expected strings or {value: …, color: …} in '\(key)', not \(describe(item))", at: item)
            }
        }
        return entries
    }

    /// A colour name (`color:`): one of `Style.Color`'s names.
    func color(_ node: Node) throws(LayoutError) -> Style.Color {
        let name = try string(node, "color")
        guard let color = Style.Color(name: name) else {
            throw error("unknown color \(quote(name)); expected \(Self.colorNames)", at: node)
        }
        return color
    }

    static let colorNames = "red, green, yellow, blue, magenta, cyan, white, gray (or grey) or default"

    /// A string or a list of strings, each with its node for errors about it.
    func stringNodes(_ node: Node, _ key: String) throws(LayoutError) -> [(text: String, node: Node)] {
        switch node {
        case .scalar(let scalar):
            return [(scalar.string, node)]
        case .sequence(let sequence):
            var result: [(text: String, node: Node)] = []
            for item in sequence {
                guard case .scalar(let scalar) = item else {
                    throw error("expected strings in '\(key)', not \(describe(item))", at: item)
                }
                result.append((scalar.string, item))
            }
            return result
        default:
            throw error("expected a string or a list of strings for '\(key)', not \(describe(node))", at: node)
        }
    }

    func bool(_ node: Node, _ key: String) throws(LayoutError) -> Bool {
        guard case .scalar(let scalar) = node, let value = Bool.construct(from: Node.Scalar(scalar.string)) else {
            throw error("expected true or false for '\(key)', not \(describe(node))", at: node)
        }
        return value
    }

    func strings(_ node: Node, _ key: String) throws(LayoutError) -> [String] {
        try stringNodes(node, key).map(\.text)
    }

    /// A number; quoted numbers are taken too, since what was meant is plain.
    func numberValue(_ node: Node) -> Double? {
        guard case .scalar(let scalar) = node, let value = Double.construct(from: Node.Scalar(scalar.string)),
              value.isFinite else { return nil }
        return value
    }

    func number(_ node: Node, _ key: String) throws(LayoutError) -> Double {
        guard let value = numberValue(node) else {
            throw error("expected a number for '\(key)', not \(describe(node))", at: node)
        }
        return value
    }

    func integer(_ node: Node, _ key: String, in range: ClosedRange<Int>) throws(LayoutError) -> Int {
        guard case .scalar(let scalar) = node, let value = Int.construct(from: Node.Scalar(scalar.string)) else {
            throw error("expected a whole number for '\(key)', not \(describe(node))", at: node)
        }
        guard range.contains(value) else {
            throw error("'\(key)' must be from \(range.lowerBound) to \(range.upperBound), not \(value)", at: node)
        }
        return value
    }

    /// Seconds: a number, or a number with `ms`, `s`, `m` or `h`.
    func duration(_ node: Node, _ key: String) throws(LayoutError) -> Double {
        if let seconds = numberValue(node) { return seconds }
        if case .scalar(let scalar) = node {
            let text = scalar.string
            for (suffix, unit) in [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)] where text.hasSuffix(suffix) {
                if let amount = Double(text.dropLast(suffix.count)), amount.isFinite { return amount * unit }
                break
            }
        }
        throw error("expected a duration for '\(key)' such as 500ms, 5s, 2m or 1h, not \(describe(node))", at: node)
    }

    func pointer(_ node: Node, _ key: String) throws(LayoutError) -> JSONPointer {
        let text = try string(node, key)
        guard let pointer = JSONPointer(text) else { throw pointerError(text, at: node) }
        return pointer
    }

    /// A pointer pattern, or an expression when the text reads as one: it holds a space, `(` or a
    /// backtick, or starts with `-`, a digit or `.`. Anything else is a pointer (`/a-b` and
    /// `/a*2` are keys), so files written before expressions existed mean what they meant.
    func value(_ text: String, at node: Node) throws(LayoutError) -> PanelValue {
        guard LayoutFile.readsAsExpression(text) else { return .pattern(try pattern(text, at: node)) }
        let expression: Expression
        do {
            expression = try Expression(text)
        } catch {
            throw LayoutError(file: file, location: location(ofCharacter: error.column, in: node),
                              message: "bad expression \(quote(text)): \(error.message)")
        }
        // One pointer in backticks is that pointer, with its label and wildcards.
        if case .operand(let operand) = expression.root, operand.derivation == .value,
           !operand.pointer.tokens.contains("*"), let pattern = PointerPattern(operand.pointer.description) {
            return .pattern(pattern)
        }
        return .expression(expression)
    }

    func pattern(_ text: String, at node: Node) throws(LayoutError) -> PointerPattern {
        guard let pattern = PointerPattern(text) else { throw pointerError(text, at: node) }
        return pattern
    }

    func pointerError(_ text: String, at node: Node) -> LayoutError {
        if text.hasPrefix("/") {
            return error("\(quote(text)) is not a JSON pointer; write ~0 for ~ and ~1 for / inside a key", at: node)
        }
        return error("\(quote(text)) is not a JSON pointer; expected one starting with /, such as /\(text)", at: node)
    }

    func format(_ node: Node) throws(LayoutError) -> String {
        let text = try string(node, "format")
        guard Self.isNumberFormat(text) else {
            throw error("bad format \(quote(text)); expected exactly one of %d, %i, %f, %e or %g "
                + "(with optional flags, width and precision) and %% for a percent sign", at: node)
        }
        return text
    }

    /// Whether `format` has exactly one number conversion and otherwise only `%%`: the renderer
    /// gives it one number, and anything else (`%s`, `%n`, two conversions) would read garbage.
    static func isNumberFormat(_ format: String) -> Bool {
        var rest = Substring(format)
        var conversions = 0
        while let c = rest.popFirst() {
            guard c == "%" else { continue }
            if rest.first == "%" {
                rest.removeFirst()
                continue
            }
            rest = rest.drop(while: { "-+ #0".contains($0) })
            rest = rest.drop(while: \.isASCIIDigit)
            if rest.first == "." { rest = rest.dropFirst().drop(while: \.isASCIIDigit) }
            guard let conversion = rest.popFirst(), "difeg".contains(conversion) else { return false }
            conversions += 1
        }
        return conversions == 1
    }

    // MARK: Errors and warnings

    func location(of node: Node) -> SourceLocation {
        node.mark.map { SourceLocation(line: $0.line, column: $0.column) } ?? SourceLocation(line: 0, column: 0)
    }

    /// Where the `column`-th character (from 1) of a scalar's string is in the file: after the
    /// opening quote of a quoted scalar, counting each escape (`\"`, `''`) as the one character
    /// it stands for. A scalar that spans lines gives the place of its start.
    func location(ofCharacter column: Int, in node: Node) -> SourceLocation {
        let start = location(of: node)
        guard case .scalar(let scalar) = node, start.line >= 1, start.line <= lines.count else { return start }
        let line = Array(lines[start.line - 1].unicodeScalars)
        var raw = start.column - 1  // 0-based index of the scalar's first character in its line
        switch scalar.style {
        case .plain, .any:
            break
        case .singleQuoted, .doubleQuoted:
            raw += 1
        case .literal, .folded:
            return start
        }
        for _ in 1..<max(1, column) {
            guard raw < line.count else { return start }
            let c = line[raw]
            if scalar.style == .singleQuoted && c == "'" {
                raw += 2
            } else if scalar.style == .doubleQuoted && c == "\\" && raw + 1 < line.count {
                switch line[raw + 1] {
                case "x": raw += 4
                case "u": raw += 6
                case "U": raw += 10
                default: raw += 2
                }
            } else {
                raw += 1
            }
        }
        guard raw <= line.count else { return start }
        return SourceLocation(line: start.line, column: raw + 1)
    }

    func error(_ message: String, at node: Node) -> LayoutError {
        LayoutError(file: file, location: node.mark.map { SourceLocation(line: $0.line, column: $0.column) }, message: message)
    }

    mutating func warn(_ message: String, at node: Node) {
        found.append(error(message, at: node))
    }

    /// How a node is named in a message: its text, quoted and cut short, or its type.
    func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar): return quote(scalar.string)
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        case .alias: return "an alias"
        }
    }

    func quote(_ text: String) -> String {
        "'\(text.count > 40 ? String(text.prefix(39)) + "…" : text)'"
    }

    /// Yams' errors carry 1-based marks; the problem, not the quoted YAML, becomes the message.
    func syntaxError(_ error: YamlError, in text: String) -> LayoutError {
        func at(_ mark: Mark) -> SourceLocation { SourceLocation(line: mark.line, column: mark.column) }
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            let during = context.map { " (\($0.text) at \($0.mark))" } ?? ""
            return LayoutError(file: file, location: at(mark), message: "invalid YAML: \(problem)\(during)")
        case let .duplicatedKeysInMapping(duplicates, context):
            let keys = duplicates.map { quote($0) }.joined(separator: ", ")
            return LayoutError(file: file, location: at(context.mark), message: "duplicate key \(keys) in the same mapping")
        case let .reader(problem, offset, _, _):
            // The offset counts characters; libyaml counts columns in Unicode scalars.
            var place = SourceLocation(line: 1, column: 1)
            for character in text.prefix(offset ?? 0) {
                if character.isNewline {
                    place = SourceLocation(line: place.line + 1, column: 1)
                } else {
                    place.column += character.unicodeScalars.count
                }
            }
            return LayoutError(file: file, location: offset == nil ? nil : place, message: "invalid YAML: \(problem)")
        default:
            return LayoutError(file: file, message: "invalid YAML: \(error)")
        }
    }
}

private extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
