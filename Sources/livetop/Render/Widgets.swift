import Foundation
import LiveModel

/// Glyphs for UTF-8 terminals and their ASCII stand-ins (no UTF-8 locale, or --ascii).
struct Glyphs: Hashable, Sendable {
    /// No box, braille or block glyphs: what --ascii and a non-UTF-8 locale draw with.
    let isASCII: Bool
    let sparks: [String]
    let ellipsis: String
    let bullet: String
    let rule: String
    /// Frame corners and edges: top-left, top-right, bottom-left, bottom-right, horizontal, vertical.
    let frame: (topLeft: String, topRight: String, bottomLeft: String, bottomRight: String, horizontal: String, vertical: String)
    /// Marks the column a table is sorted by.
    let sortMarker: String
    /// Marks a value at `warn` and at `crit`, so levels read without colour (NO_COLOR).
    let warn: String
    let crit: String
    /// Filled and empty parts of a gauge's bar.
    let barFull: String
    let barEmpty: String

    static let unicode = Glyphs(isASCII: false, sparks: ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"], ellipsis: "…", bullet: "●", rule: "─",
                                frame: ("┌", "┐", "└", "┘", "─", "│"), sortMarker: "▾", warn: "▲", crit: "✖", barFull: "█", barEmpty: "░")
    static let ascii = Glyphs(isASCII: true, sparks: ["_", ".", "-", "~", "=", "+", "*", "#"], ellipsis: "~", bullet: "*", rule: "-",
                              frame: ("+", "+", "+", "+", "-", "|"), sortMarker: "v", warn: "!", crit: "X", barFull: "#", barEmpty: ".")

    /// The mark for a level ("" for ok).
    func symbol(_ level: Level) -> String {
        switch level {
        case .ok: return ""
        case .warn: return warn
        case .crit: return crit
        }
    }

    /// Marks the column a table is sorted by in reverse (a second click on its header).
    var reversedSortMarker: String { isASCII ? "^" : "▴" }

    static func == (a: Glyphs, b: Glyphs) -> Bool { a.isASCII == b.isASCII }
    func hash(into hasher: inout Hasher) { hasher.combine(isASCII) }
}

/// A sparkline of the last values, newest at the right, scaled from a baseline (zero unless the
/// layout declares `baseline:`) to their max, so that 8.4..9.51 reads as the small change it is
/// instead of filling the height. Values below the baseline (negative data) move it down to their
/// min. Values at the baseline draw the lowest glyph.
struct Sparkline {
    var values: [Double]
    var glyphs: Glyphs
    var style: Style = .color(.cyan)
    var baseline: Double = 0

    func render(in area: Rect, into buffer: inout Buffer) {
        guard !area.isEmpty, !values.isEmpty else { return }
        let shown = values.suffix(area.width)
        let (lo, hi) = Self.range(of: shown, baseline: baseline)
        var x = area.maxX - shown.count
        for v in shown {
            let level = hi > lo && v.isFinite ? Int(((v - lo) / (hi - lo) * Double(glyphs.sparks.count - 1)).rounded()) : 0
            buffer[x, area.y] = Cell(text: glyphs.sparks[max(0, min(glyphs.sparks.count - 1, level))], style: style)
            x += 1
        }
    }

    /// The values the lowest and highest glyph stand for: the baseline (or the min, when values
    /// go below it) and the max. Values that are not finite are left out.
    static func range(of values: some Collection<Double>, baseline: Double) -> (low: Double, high: Double) {
        let finite = values.filter(\.isFinite)
        let base = baseline.isFinite ? baseline : 0
        return (min(base, finite.min() ?? base), finite.max() ?? base)
    }
}

/// A value tile: the key, the value, and for numbers a sparkline with min and max.
struct ValueTile {
    var title: String
    var value: String
    var history: History?
    var focused = false
    var glyphs: Glyphs

    static let height = 3

    func render(in area: Rect, into buffer: inout Buffer) {
        guard !area.isEmpty else { return }
        let titleStyle = focused ? Style(foreground: .cyan, bold: true, reverse: true) : Style.title
        buffer.write(TerminalText.truncate(title, to: area.width, ascii: glyphs.isASCII), x: area.x, y: area.y, style: titleStyle, clip: area)
        if area.height > 1 {
            buffer.write(TerminalText.truncate(value, to: area.width, ascii: glyphs.isASCII), x: area.x, y: area.y + 1, clip: area)
        }
        if area.height > 2, let history, history.values.count > 1, let lo = history.min, let hi = history.max {
            let range = " \(Format.number(lo))..\(Format.number(hi))"
            let rangeWidth = TerminalText.width(range)
            let sparkWidth = max(1, area.width - (rangeWidth < area.width / 2 ? rangeWidth : 0))
            Sparkline(values: history.values, glyphs: glyphs).render(in: Rect(x: area.x, y: area.y + 2, width: sparkWidth, height: 1), into: &buffer)
            if sparkWidth < area.width {
                buffer.write(range, x: area.x + sparkWidth, y: area.y + 2, style: .muted, clip: area)
            }
        }
    }
}

/// A titled table of keys and values; rows that do not fit are summarised ("+12 more").
struct KeyValueTable {
    var title: String
    var pairs: [(key: String, value: String)]
    var focused = false
    var glyphs: Glyphs

    func render(in area: Rect, into buffer: inout Buffer) {
        guard !area.isEmpty else { return }
        let titleStyle = focused ? Style(foreground: .cyan, bold: true, reverse: true) : Style.title
        buffer.write(TerminalText.truncate(title, to: area.width, ascii: glyphs.isASCII), x: area.x, y: area.y, style: titleStyle, clip: area)
        let keyWidth = min(max(4, pairs.map { TerminalText.width($0.key) }.max() ?? 4), max(4, area.width / 2))
        let capacity = area.height - 1
        let overflow = pairs.count > capacity
        let shown = overflow ? max(0, capacity - 1) : pairs.count
        for (i, pair) in pairs.prefix(shown).enumerated() {
            let y = area.y + 1 + i
            buffer.write(TerminalText.truncate(pair.key, to: keyWidth, ascii: glyphs.isASCII), x: area.x, y: y, style: .muted, clip: area)
            let valueX = area.x + keyWidth + 1
            buffer.write(TerminalText.truncate(pair.value, to: max(0, area.maxX - valueX), ascii: glyphs.isASCII),
                         x: valueX, y: y, clip: area)
        }
        if overflow && capacity > 0 {
            buffer.write("+\(pairs.count - shown) more", x: area.x, y: area.y + capacity, style: .muted, clip: area)
        }
    }
}

/// A table whose columns come from the rows' keys (upsert rows) or a layout. Virtual: it asks
/// `row` only for the rows it shows, from `offset` on, and sizes the columns by those, so a
/// table of 100,000 rows costs what a screenful does. Rows below what is shown are counted on
/// the last line (`+N more rows`), always the true number.
struct RowTable {
    var columns: [String]
    var rowCount: Int
    /// The first row shown (clamped so the last page is full).
    var offset = 0
    /// The texts of row `i` (0..<rowCount) and, where a threshold colours them, their styles.
    var row: (Int) -> (texts: [String], styles: [Style])
    var sortColumn: Int?
    /// The sort column's order is turned round: its marker points up.
    var sortReversed = false
    var glyphs: Glyphs
    /// Drawn under the header when there are no rows (`no rows match /xyz`).
    var emptyNote: String? = nil
    /// Columns of sparklines (`SparkColumn`): cut from the left when narrowed, keeping the newest samples.
    var sparkColumns: Set<Int> = []

    init(columns: [String], rowCount: Int, offset: Int = 0, sortColumn: Int?, sortReversed: Bool = false, glyphs: Glyphs,
         emptyNote: String? = nil, row: @escaping (Int) -> (texts: [String], styles: [Style])) {
        self.columns = columns
        self.rowCount = rowCount
        self.offset = offset
        self.sortColumn = sortColumn
        self.sortReversed = sortReversed
        self.glyphs = glyphs
        self.emptyNote = emptyNote
        self.row = row
    }

    /// Rows held in memory (the auto layout's tables).
    init(columns: [String], rows: [[String]], offset: Int = 0, sortColumn: Int?, sortReversed: Bool = false, glyphs: Glyphs,
         styles: [[Style]] = [], emptyNote: String? = nil) {
        self.init(columns: columns, rowCount: rows.count, offset: offset, sortColumn: sortColumn, sortReversed: sortReversed,
                  glyphs: glyphs, emptyNote: emptyNote) { i in
            (rows[i], i < styles.count ? styles[i] : [])
        }
    }

    /// Rows of data that fit under the header.
    static func capacity(of area: Rect) -> Int { max(0, area.height - 1) }

    /// The first row shown for `offset`: never past the last full page.
    static func clamped(_ offset: Int, rows: Int, capacity: Int) -> Int { max(0, min(offset, rows - capacity)) }

    /// Returns where the header was drawn (for a click on it), nil when it was not.
    @discardableResult
    func render(in area: Rect, into buffer: inout Buffer) -> TableHeader? {
        guard !area.isEmpty, !columns.isEmpty else { return nil }
        let capacity = Self.capacity(of: area)
        if capacity == 0 && rowCount > 0 {
            // One line: what it holds, not a header over nothing.
            buffer.write("+\(Format.grouped(Int64(rowCount))) more rows", x: area.x, y: area.y, style: .muted, clip: area)
            return nil
        }
        let first = Self.clamped(offset, rows: rowCount, capacity: capacity)
        let below = rowCount - first
        let overflow = below > capacity
        let shown = overflow ? max(0, capacity - 1) : below
        let visible = (0..<shown).map { row(first + $0) }
        let sortMarker = sortReversed ? glyphs.reversedSortMarker : glyphs.sortMarker
        let marker = TerminalText.width(sortMarker)
        let natural = columns.enumerated().map { i, c in
            // The sorted column's header has room for its marker too: `▾service`, never `▾servic…`.
            min(24, max(TerminalText.width(c) + (sortColumn == i ? marker : 0),
                        visible.map { i < $0.texts.count ? TerminalText.width($0.texts[i]) : 0 }.max() ?? 0))
        }
        // Columns shrink (cut with …) before any is dropped; those past the right edge are counted.
        var widths = ColumnWidths.fit(natural, in: area.width)
        // When some are dropped, the header row's right end says how many: the columns shown
        // leave it room rather than run under it.
        let dropNote = "+\(columns.count - widths.count) cols"
        if widths.count < columns.count, area.width > 12 {
            widths = ColumnWidths.fit(natural, in: area.width - TerminalText.width(dropNote) - 1)
        }
        let fitting = widths.count
        var x = area.x
        var header = TableHeader(y: area.y, columns: [])
        for (i, c) in columns.prefix(fitting).enumerated() {
            let title = (sortColumn == i ? sortMarker : "") + c
            buffer.write(TerminalText.truncate(title, to: widths[i], ascii: glyphs.isASCII), x: x, y: area.y,
                         style: Style(bold: true, reverse: true), clip: area)
            header.columns.append(x..<min(area.maxX, x + widths[i]))
            x += widths[i] + 1
        }
        for (r, line) in visible.enumerated() {
            var x = area.x
            for i in 0..<fitting {
                let text = i < line.texts.count ? line.texts[i] : ""
                let style = i < line.styles.count ? line.styles[i] : .plain
                let shown = sparkColumns.contains(i)
                    ? SparkColumn.newest(text, fitting: widths[i]) : TerminalText.truncate(text, to: widths[i], ascii: glyphs.isASCII)
                buffer.write(shown, x: x, y: area.y + 1 + r, style: style, clip: area)
                x += widths[i] + 1
            }
        }
        if rowCount == 0, let emptyNote, capacity > 0 {
            buffer.write(TerminalText.truncate(emptyNote, to: area.width, ascii: glyphs.isASCII), x: area.x, y: area.y + 1,
                         style: .muted, clip: area)
        }
        if overflow && capacity > 0 {
            buffer.write("+\(Format.grouped(Int64(rowCount - first - shown))) more rows", x: area.x, y: area.y + capacity,
                         style: .muted, clip: area)
        }
        if fitting < columns.count, area.width > 12 {
            let note = "+\(columns.count - fitting) cols"
            buffer.write(note, x: area.maxX - TerminalText.width(note), y: area.y, style: .muted, clip: area)
        }
        return header
    }
}

/// The newest messages, one line each; scrolled, the newest shown is `anchor` (a sequence
/// number), so messages arriving meanwhile do not slide it, and the title says so.
struct LogPanel {
    var log: MessageLog
    /// The sequence number of the newest message shown; nil follows the newest.
    var anchor: Int64? = nil
    /// Only lines containing this text (`/` on the focused log).
    var filter: String? = nil
    var focused = false
    var glyphs: Glyphs

    /// Lines of messages shown under the title.
    static func page(of area: Rect) -> Int { max(0, area.height - 1) }

    /// The log's oldest and newest sequence numbers, for the scroll keys.
    static func span(of log: MessageLog) -> (oldest: Int64, newest: Int64) {
        log.count == 0 ? (0, 0) : (log.entry(at: 0).seq, log.entry(at: log.count - 1).seq)
    }

    static func text(of entry: LogEntry) -> (String, Style) {
        switch entry.content {
        case .json(let t): return (t, .plain)
        case .text(let t, _): return (t, .muted)
        case .binary(let size, let hex): return ("<binary \(size) bytes: \(hex)>", .muted)
        }
    }

    /// The title's mark for a scrolled log: how many newer messages are below.
    static func scrolledMark(anchor: Int64?, newest: Int64) -> String {
        guard let anchor, anchor < newest else { return "" }
        return " SCROLLED, \(Format.grouped(newest - anchor)) newer below (End follows)"
    }

    func render(in area: Rect, into buffer: inout Buffer) {
        guard !area.isEmpty else { return }
        let titleStyle = focused ? Style(foreground: .cyan, bold: true, reverse: true) : Style.title
        let (_, newest) = Self.span(of: log)
        let title = "log (\(Format.grouped(Int64(log.total))) messages)" + (filter.map { " /\($0)" } ?? "")
            + Self.scrolledMark(anchor: anchor, newest: newest)
        buffer.write(TerminalText.truncate(title, to: area.width, ascii: glyphs.isASCII), x: area.x, y: area.y, style: titleStyle, clip: area)
        let room = Self.page(of: area)
        guard room > 0 else { return }
        let needle = filter?.lowercased()
        var lines: [(seq: Int64, text: String, style: Style)] = []
        var i = log.count - 1
        while i >= 0 && lines.count < room {
            let entry = log.entry(at: i)
            i -= 1
            if let anchor, entry.seq > anchor { continue }
            let (text, style) = Self.text(of: entry)
            if let needle, !text.lowercased().contains(needle) { continue }
            lines.append((entry.seq, text, style))
        }
        if lines.isEmpty, let filter {
            buffer.write(TerminalText.truncate("no lines match /\(filter)", to: area.width, ascii: glyphs.isASCII), x: area.x,
                         y: area.y + 1, style: .muted, clip: area)
        }
        for (row, line) in lines.reversed().enumerated() {
            let x = buffer.write("#\(line.seq) ", x: area.x, y: area.y + 1 + row, style: .muted, clip: area)
            buffer.write(TerminalText.truncate(line.text, to: max(0, area.maxX - x), ascii: glyphs.isASCII), x: x, y: area.y + 1 + row,
                         style: line.style, clip: area)
        }
    }
}

/// The bottom row: state glyph and word, transport, URL, msg/s, age of the last message, and
/// when not open the error with a live countdown. Green open, yellow connecting/waiting, red failed.
/// A fallback or a gap (messages the server no longer had) is shown in yellow with its reason for
/// `transitionShownFor`; after that a gap stays counted (`1 gap (15 missed)`), and so do repeats
/// dropped (`2 repeats dropped`), so a later look still sees them.
struct StatusLine {
    static let transitionShownFor = 10.0

    var status: ConnectionStatus
    var stats: MessageStats
    var now: Timestamp
    var paused: Bool
    /// While paused: how many messages arrived since (they are folded, not shown).
    var arrivedWhilePaused: Int64? = nil
    var notice: String? = nil
    var glyphs: Glyphs
    /// The source's name, when there are several.
    var name: String? = nil
    /// Alerts raised now, and the worst of their levels.
    var alerts = 0
    var worstAlert: Level? = nil
    /// The store's key limit: keys evicted past it are said (`--max-keys`).
    var maxKeys: Int? = nil

    func render(in area: Rect, into buffer: inout Buffer) {
        guard !area.isEmpty else { return }
        buffer.fill(area, with: Cell(text: " ", style: Style(reverse: true)))
        var color: Style.Color
        switch status.phase {
        case .open: color = .green
        case .failed: color = .red
        case .closed, .idle: color = .default
        case .connecting, .waiting: color = .yellow
        }
        // A source silent past its expect: never a green "open".
        var word = status.word
        if status.staleSince != nil, status.phase == .open {
            word = "stale"
            color = .yellow
        }
        var x = area.x
        if let name {
            x = buffer.write(TerminalText.truncate(name, to: 16, ascii: glyphs.isASCII) + " ", x: x, y: area.y,
                             style: Style(bold: true, reverse: true), clip: area)
        }
        x = buffer.write(glyphs.bullet + " " + word, x: x, y: area.y,
                         style: Style(foreground: color, bold: true, reverse: true), clip: area)
        if alerts > 0, let level = worstAlert {
            let text = " \(glyphs.symbol(level)) \(alerts) alert" + (alerts == 1 ? "" : "s")
            x = buffer.write(text, x: x, y: area.y, style: Style(foreground: Style.level(level).foreground, bold: true, reverse: true), clip: area)
        }
        if paused {
            let arrived = arrivedWhilePaused.map { $0 > 0 ? " (+\(Format.grouped($0)) new, p shows them)" : "" } ?? ""
            x = buffer.write(" PAUSED" + arrived, x: x, y: area.y, style: Style(foreground: .magenta, bold: true, reverse: true), clip: area)
        }
        var parts: [String] = []
        if let t = status.transport {
            // Open on `poll`, the summary says how often: "polling every 1 s".
            parts.append(status.phase == .open && t == .poll ? status.summary(at: now) : t.rawValue)
        }
        parts.append(Format.rate(stats.rate(at: now)))
        if let age = stats.age(at: now) { parts.append("last " + Format.age(age)) }
        var transition: String?
        // What the store had to drop: the screen may be missing rows or values, and says so.
        var evicted: String?
        if stats.evictions > 0 {
            evicted = "\(Format.grouped(stats.evictions)) keys evicted" + (maxKeys.map { " (--max-keys \(Format.grouped(Int64($0))))" } ?? "")
        }
        if let since = status.staleSince {
            parts.append("silent \(Format.duration(max(0, now - since))) (expect \(Format.duration(status.staleExpected)))")
        }
        if let notice {
            // The source has ended: how it ended, then what to do.
            if status.phase == .closed, status.closedReason != nil { parts.append(status.summary(at: now)) }
            parts.append(notice)
        } else {
            if case .open = status.phase {} else if status.phase != .idle { parts.append(status.summary(at: now)) }
            if let last = status.lastTransition, now - last.at < Self.transitionShownFor {
                transition = last.kind == .note ? last.reason : "\(last.kind.rawValue): \(last.reason)"
            } else {
                if status.gaps > 0 {
                    let missed = status.missed > 0 ? " (\(Format.grouped(Int64(status.missed))) missed)" : ""
                    parts.append((status.gaps == 1 ? "1 gap" : "\(status.gaps) gaps") + missed)
                }
                if status.repeats > 0 {
                    parts.append("\(Format.grouped(Int64(status.repeats))) repeat\(status.repeats == 1 ? "" : "s") dropped")
                }
            }
        }
        let info = " " + parts.joined(separator: "  ")
        x = buffer.write(TerminalText.truncate(info, to: max(0, area.maxX - x), ascii: glyphs.isASCII), x: x, y: area.y,
                         style: Style(reverse: true), clip: area)
        if let evicted {
            x = buffer.write(TerminalText.truncate("  " + evicted, to: max(0, area.maxX - x), ascii: glyphs.isASCII), x: x,
                             y: area.y, style: Style(foreground: .yellow, bold: true, reverse: true), clip: area)
        }
        if let transition {
            x = buffer.write(TerminalText.truncate("  " + transition, to: max(0, area.maxX - x), ascii: glyphs.isASCII), x: x,
                             y: area.y, style: Style(foreground: .yellow, bold: true, reverse: true), clip: area)
        }
        // The URL takes what is left, shortened from the left so the path stays visible.
        if let url = status.url, area.maxX - x > 8 {
            let room = area.maxX - x - 2
            let shown = TerminalText.width(url) <= room ? url : glyphs.ellipsis + String(url.suffix(max(1, room - 1)))
            buffer.write(shown, x: area.maxX - TerminalText.width(shown) - 1, y: area.y, style: Style(dim: true, reverse: true), clip: area)
        }
    }
}

/// The alerts raised now, worst first, on one row above the status lines: level mark, panel,
/// pointer, value and for how long (`✖ services /services/api/status = down for 12s`).
struct AlertStrip {
    var alerts: [Alert]
    var now: Timestamp
    var glyphs: Glyphs

    func render(in area: Rect, into buffer: inout Buffer) {
        guard !area.isEmpty else { return }
        var x = area.x
        for (i, alert) in alerts.enumerated() {
            let held = max(0, now - alert.since)
            let text = "\(glyphs.symbol(alert.level)) \(alert.panel) \(alert.pointer) = \(Format.value(alert.value)) for \(Format.duration(held))"
            let rest = alerts.count - i - 1
            let more = rest > 0 ? "  +\(rest) more" : ""
            if x > area.x && x + TerminalText.width(text) + TerminalText.width(more) > area.maxX {
                buffer.write("+\(alerts.count - i) more", x: x, y: area.y, style: .muted, clip: area)
                return
            }
            x = buffer.write(TerminalText.truncate(text, to: max(0, area.maxX - x), ascii: glyphs.isASCII), x: x, y: area.y,
                             style: Style.level(alert.level), clip: area)
            x += 2
        }
    }
}

/// Keys and what they do, drawn over the panels: `KeyMap`'s own list.
struct HelpOverlay {
    static var lines: [String] { KeyMap.helpLines }

    func render(in area: Rect, into buffer: inout Buffer) {
        let lines = Self.lines
        let width = min(area.width, (lines.map { TerminalText.width($0) }.max() ?? 20) + 4)
        let height = min(area.height, lines.count + 2)
        let box = Rect(x: area.x + (area.width - width) / 2, y: area.y + (area.height - height) / 2, width: width, height: height)
        buffer.fill(box, with: Cell(text: " ", style: Style(reverse: true)))
        buffer.write(" livetop keys", x: box.x, y: box.y, style: Style(bold: true, reverse: true), clip: box)
        for (i, line) in lines.prefix(max(0, height - 2)).enumerated() {
            buffer.write(TerminalText.truncate("  " + line, to: box.width, ascii: false), x: box.x, y: box.y + 1 + i,
                         style: Style(reverse: true), clip: box)
        }
    }
}

/// `e`: the last 200 changes of every source (states, fallbacks, gaps, notes, staleness) and
/// what the dashboard said (reload errors), oldest at the top, each whole: a long reason wraps
/// onto as many rows as it needs instead of being cut. j/k and PgUp/PgDn scroll it.
struct EventPanel {
    var events: [(at: Timestamp, source: String?, text: String)]
    /// Rows scrolled back from the newest.
    var scroll: Int
    var glyphs: Glyphs

    /// The rows for `width` columns: a time (and source) column, then the text wrapped beside it.
    func lines(width: Int) -> [String] {
        var out: [String] = []
        for event in events {
            let time = event.at.rfc3339.dropFirst(11).prefix(8)
            let head = "\(time) " + (event.source.map { "\($0): " } ?? "")
            let indent = String(repeating: " ", count: min(TerminalText.width(head), max(0, width / 2)))
            let room = max(1, width - indent.count)
            for (i, piece) in TerminalText.wrap(event.text, to: room).enumerated() {
                out.append((i == 0 ? head : indent) + piece)
            }
        }
        return out
    }

    /// Draws into `area`; returns how many rows the whole list takes (for the scroll keys).
    @discardableResult
    func render(in area: Rect, into buffer: inout Buffer) -> Int {
        guard !area.isEmpty else { return 0 }
        buffer.fill(area, with: Cell(text: " ", style: .plain))
        let title = " events (\(events.count)) " + (scroll > 0 ? "scrolled back \(scroll)  " : "") + "e or Esc closes, j/k scroll "
        buffer.write(TerminalText.truncate(title, to: area.width, ascii: glyphs.isASCII), x: area.x, y: area.y,
                     style: Style(bold: true, reverse: true), clip: area)
        let rows = lines(width: area.width)
        let room = area.height - 1
        guard room > 0 else { return rows.count }
        let end = max(0, rows.count - min(scroll, max(0, rows.count - room)))
        let shown = rows[max(0, end - room)..<end]
        for (i, line) in shown.enumerated() {
            buffer.write(line, x: area.x, y: area.y + 1 + i, style: .plain, clip: area)
        }
        return rows.count
    }
}

/// Number and time formats for small spaces.
enum Format {
    static func number(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e12 { return String(Int64(v)) }
        let a = abs(v)
        if a >= 1e6 || a < 1e-3 { return String(format: "%.3g", v) }
        // The feed's own short form when it has one (21.4 stays 21.4, not 21.400).
        let shortest = "\(v)"
        if shortest.count <= 8 { return shortest }
        return String(format: a >= 100 ? "%.1f" : "%.3f", v)
    }

    /// `3,333`: a count a reader takes in at a glance.
    static func grouped(_ n: Int64) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    static func rate(_ r: Double) -> String {
        // Below one a second (a command sampled every 2 s) the rate is a fraction, not 0.
        r >= 1e6 ? String(format: "%.2fM msg/s", r / 1e6) : r >= 1e4 ? String(format: "%.1fk msg/s", r / 1e3)
            : r > 0 && r < 0.95 ? String(format: "%.1f msg/s", r) : String(format: "%.0f msg/s", r)
    }

    /// A held time: `12s`, `3m`, `2h`.
    static func duration(_ s: Double) -> String {
        s < 60 ? "\(Int(s))s" : s < 3600 ? "\(Int(s / 60))m" : "\(Int(s / 3600))h"
    }

    /// A number through a printf-style format from a layout (`%.1f ms`); the plain form when
    /// there is none. Integer conversions get the value rounded.
    static func number(_ v: Double, format: String?) -> String {
        guard let format else { return number(v) }
        if conversion(in: format) == "d" || conversion(in: format) == "i" {
            return String(format: format, v.isFinite && abs(v) < 9e18 ? Int(v.rounded()) : 0)
        }
        return String(format: format, v)
    }

    /// The conversion letter of a printf-style format's one directive (`f` in `%.1f%%`).
    static func conversion(in format: String) -> Character? {
        var chars = Array(format)[...]
        while let i = chars.firstIndex(of: "%") {
            chars = chars[(i + 1)...]
            if chars.first == "%" {
                chars = chars.dropFirst()
                continue
            }
            return chars.first { !"-+ #0123456789.".contains($0) }
        }
        return nil
    }

    /// A value through a layout's format: numbers formatted, anything else as `value(_:)`.
    static func value(_ v: JSONValue, format: String?) -> String {
        guard format != nil, let n = v.numberValue else { return value(v) }
        return number(n, format: format)
    }

    static func age(_ s: Double) -> String {
        s < 1 ? "<1s ago" : s < 60 ? "\(Int(s))s ago" : s < 3600 ? "\(Int(s / 60))m ago" : "\(Int(s / 3600))h ago"
    }

    static func value(_ v: JSONValue) -> String {
        switch v {
        case .string(let s): return s
        case .int(let i): return String(i)
        case .double(let d): return number(d)
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .array(let a): return a.count <= 8 ? v.jsonText : "[\(a.count) items]"
        case .object(let o): return o.count <= 4 ? v.jsonText : "{\(o.count) keys}"
        }
    }
}
