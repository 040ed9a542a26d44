import LiveModel
import TextFormats

/// A dashboard declared in a layout file (YAML, see `LayoutFile`): the feeds, the panels in rows
/// with relative sizes, thresholds and alerts. Without one the screen is derived from the data
/// (`Screen`'s auto layout), and `--print-layout` writes that auto layout as a starting file.
struct Layout: Hashable, Sendable {
    var sources: [SourceSpec]
    var rows: [Row]
    /// Samples kept per numeric value (charts and sparklines); nil keeps the store's default.
    var history: Int?

    struct Row: Hashable, Sendable {
        /// Relative height against the other rows.
        var height: Int = 1
        var panels: [Panel]
    }

    /// Every panel, row by row, left to right: the order focus moves in and alerts are named by.
    var panels: [Panel] { rows.flatMap(\.panels) }

    /// Index of the source named `name`.
    func source(named name: String) -> Int? { sources.firstIndex { $0.name == name } }
}

/// Where a place in the layout file is, for one-line errors (`file:line:column: …`).
struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
    var line: Int
    var column: Int
    var description: String { "\(line):\(column)" }
}

/// A JSON pointer in which a `*` token stands for every key (or index) at that level:
/// `/services/*/latency_ms`. Without `*` it designates one value, like a `JSONPointer`.
struct PointerPattern: Hashable, Sendable, CustomStringConvertible {
    enum Token: Hashable, Sendable {
        case key(String)
        case any
        /// A Prometheus label selector, `node_cpu_seconds_total{mode="idle"}`: every key of that
        /// metric whose labels include these (`cpu="0"`, `cpu="1"`, … all match).
        case selector(metric: String, labels: [String])
    }

    let tokens: [Token]
    let text: String

    /// Parses the RFC 6901 syntax with `*` as a wildcard token; nil where it is not a pointer.
    init?(_ text: String) {
        guard let pointer = JSONPointer(text) else { return nil }
        self.text = text
        tokens = pointer.tokens.map { token in
            if token == "*" { return .any }
            if let (metric, labels) = Self.sample(token), !labels.isEmpty { return .selector(metric: metric, labels: labels) }
            return .key(token)
        }
    }

    var hasWildcard: Bool { tokens.contains { if case .key = $0 { return false } else { return true } } }

    /// A Prometheus sample key's metric and labels (`name{a="1",b="x,y"}` → `name`, [`a="1"`, `b="x,y"`]);
    /// nil for a key that is not one.
    static func sample(_ key: String) -> (metric: String, labels: [String])? {
        guard key.last == "}", let open = key.firstIndex(of: "{"), open != key.startIndex else { return nil }
        let metric = String(key[..<open])
        let inside = key[key.index(after: open)..<key.index(before: key.endIndex)]
        var labels: [String] = []
        var current = ""
        var quoted = false
        var escaped = false
        for c in inside {
            if escaped { escaped = false; current.append(c); continue }
            if c == "\\" && quoted { escaped = true; current.append(c); continue }
            if c == "\"" { quoted.toggle() }
            if c == "," && !quoted {
                if !current.isEmpty { labels.append(current) }
                current = ""
                continue
            }
            current.append(c)
        }
        if !current.isEmpty { labels.append(current) }
        return (metric, labels)
    }
    var description: String { text }

    /// The concrete pointers the pattern designates in `store` now, in document order.
    func expand(in store: LiveStore) -> [JSONPointer] {
        var prefixes: [[String]] = [[]]
        for token in tokens {
            switch token {
            case .key(let key):
                for i in prefixes.indices { prefixes[i].append(key) }
            case .any:
                prefixes = prefixes.flatMap { prefix in
                    (store.childKeys(at: JSONPointer(tokens: prefix)) ?? []).map { prefix + [$0] }
                }
            case .selector(let metric, let labels):
                prefixes = prefixes.flatMap { prefix in
                    (store.childKeys(at: JSONPointer(tokens: prefix)) ?? []).filter { key in
                        guard let sample = Self.sample(key), sample.metric == metric else { return false }
                        return labels.allSatisfy(sample.labels.contains)
                    }.map { prefix + [$0] }
                }
            }
        }
        return prefixes.map { JSONPointer(tokens: $0) }
    }

    /// The key the first `*` matched in `pointer` (a service's name in `/services/*/latency_ms`),
    /// or the last token when there is no wildcard: a short label for one match.
    func label(for pointer: JSONPointer) -> String {
        if let i = tokens.firstIndex(where: { if case .key = $0 { return false } else { return true } }), i < pointer.tokens.count {
            return pointer.tokens[i]
        }
        return pointer.tokens.last ?? "value"
    }
}

/// One entry of a panel's `value`, `values` or `series`: a pointer pattern (one item per match)
/// or an expression over pointers (one item).
enum PanelValue: Hashable, Sendable, CustomStringConvertible {
    case pattern(PointerPattern)
    case expression(Expression)

    /// As written in the layout file.
    var text: String {
        switch self {
        case .pattern(let pattern): return pattern.text
        case .expression(let expression): return expression.text
        }
    }

    var description: String { text }
}

/// How bad a value is. Ordered: `crit` is the worst.
enum Level: Int, Comparable, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    case ok, warn, crit

    init?(name: String) {
        switch name {
        case "ok": self = .ok
        case "warn", "warning": self = .warn
        case "crit", "critical": self = .crit
        default: return nil
        }
    }

    static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
    var description: String { ["ok", "warn", "crit"][rawValue] }
}

/// When a value is `warn` or `crit`. Numbers cross limits (`warn: 200, crit: 1000`; when `warn`
/// is above `crit`, lower is worse, as for free disk space); strings are looked up in a map
/// (`up: ok, degraded: warn, down: crit`; a string not in the map is ok).
enum Thresholds: Hashable, Sendable {
    case numeric(warn: Double?, crit: Double?)
    case states([String: Level])

    /// The level of `value`; nil when these thresholds say nothing about it (a string against
    /// numeric limits, a null).
    func level(of value: JSONValue) -> Level? {
        switch self {
        case .numeric(let warn, let crit):
            guard let v = value.numberValue else { return nil }
            let lowerIsWorse = warn != nil && crit != nil && warn! > crit!
            func crosses(_ limit: Double?) -> Bool {
                guard let limit else { return false }
                return lowerIsWorse ? v <= limit : v >= limit
            }
            if crosses(crit) { return .crit }
            if crosses(warn) { return .warn }
            return .ok
        case .states(let map):
            switch value {
            case .string(let s): return map[s] ?? .ok
            case .bool(let b): return map[b ? "true" : "false"] ?? .ok
            case .int, .double: return map[Format.value(value)] ?? .ok
            default: return nil
            }
        }
    }
}

/// A threshold held for a time raises an alert (`alert:` on a panel).
struct AlertSpec: Hashable, Sendable {
    /// The least level that counts (default `warn`).
    var level: Level = .warn
    /// How long the level must hold before the alert is raised, in seconds.
    var hold: Double = 0
    /// Ring the terminal bell when raised.
    var bell = false
    /// Run when raised: argv from the file, never a shell line built from feed data. The value,
    /// pointer, source, panel and level are passed as `LIVETOP_ALERT_*` environment variables.
    var command: [String] = []
    /// Run when the alert clears (`on_clear:`), the same way, with LIVETOP_ALERT_STATE=cleared and
    /// the value that ended it.
    var onClear: [String] = []
    /// The command is killed after this many seconds.
    var timeout: Double = 10
    /// Also raised when the panel's source has sent nothing for this many seconds (`stale: 10s`),
    /// with or without thresholds: a silent source is an alert of its own.
    var stale: Double?
}

/// One panel of a layout.
struct Panel: Hashable, Sendable {
    enum Kind: String, Hashable, Sendable, CaseIterable {
        /// Each value with a sparkline.
        case tile
        /// A braille line chart of one or more series over time.
        case chart
        /// Each value as a bar against `max`.
        case gauge
        /// Rows of an object of objects (or an array of objects, or upsert rows) with chosen columns.
        case table
        /// The newest messages, optionally only those with a value at `filter`.
        case log
        /// Fixed text, or the value at a pointer, wrapped.
        case text
        /// One horizontal bar per value (per key of an object, per `*` match, per listed value), sorted.
        case bars
    }

    /// A column of a table: a key inside each row, its heading, number format and thresholds.
    struct Column: Hashable, Sendable {
        var key: String
        var title: String
        /// printf-style for numbers, `%.1f ms`; nil shows the value as it came.
        var format: String?
        var thresholds: Thresholds?
        /// `rate: true` or `delta: true` on the column; nil: the panel's.
        var derivation: Derivation? = nil
        /// `spark: true` (or a width): the column shows the value's recent history as a sparkline
        /// this many cells wide instead of the value; nil shows the value.
        var spark: Int? = nil
    }

    var kind: Kind
    var title: String
    /// Index into `Layout.sources`.
    var source: Int
    /// Relative width against the other panels of its row.
    var width: Int = 1
    /// tile, gauge, chart: the values (series); table: one pattern for the rows object (empty
    /// pointer for upsert rows); text: at most one.
    var values: [PanelValue] = []
    /// chart: the colour of the series each entry of `values` gives (`color:` on the entry, or
    /// on the panel), by index; nil or missing: the palette's colour for the series' place.
    var colors: [Style.Color?] = []
    /// tile, gauge, chart, table: every value shown as its rate or delta (`rate: true`, `delta: true`).
    var derivation: Derivation = .value
    /// table: the columns; empty shows every key found.
    var columns: [Column] = []
    /// table: sort by this column's key; `descending` for `-key` in the file.
    var sort: (key: String, descending: Bool)? {
        get { sortKey.map { ($0, sortDescending) } }
        set {
            sortKey = newValue?.key
            sortDescending = newValue?.descending ?? false
        }
    }
    var sortKey: String?
    var sortDescending = false
    /// bars: the order of the bars (`sort: -value` by default).
    var barSort = BarSort.default
    /// table: the heading of the column of row names (`key: {title: host}`); nil: the rows
    /// object's own name (`hosts` for `/hosts`).
    var keyTitle: String?
    /// table: `key: false` hides the column of row names.
    var showKey = true
    /// gauge: the range of the bar (default 0…100); chart: a fixed y range (default: the data's);
    /// bars: where the bars start and what fills a whole bar (default 0, or the least value when
    /// one is negative, and the greatest value).
    var min: Double?
    var max: Double?
    /// tile: the value a sparkline's lowest glyph stands for (`baseline:`); nil: zero. Values
    /// below it move it down to their min.
    var baseline: Double?
    /// tile, gauge, chart and bars: printf-style format for numbers.
    var format: String?
    var thresholds: Thresholds?
    var alert: AlertSpec?
    /// log: only messages with a value at this pointer, shown as that value.
    var filter: JSONPointer?
    /// text: the fixed text.
    var text: String?
    var location = SourceLocation(line: 0, column: 0)

    /// The thresholds that apply to a value shown under `column` (a table's column) or the panel's.
    func thresholds(column: String? = nil) -> Thresholds? {
        if let column, let own = columns.first(where: { $0.key == column })?.thresholds { return own }
        return thresholds
    }

    /// The colour declared for the series of `values[index]`, if any.
    func color(ofValue index: Int) -> Style.Color? { colors.indices.contains(index) ? colors[index] : nil }

    /// A table's rows pattern (the first of `values`); the root when there is none.
    var rowsPattern: PointerPattern {
        if case .pattern(let pattern) = values.first { return pattern }
        return PointerPattern("")!
    }
}
