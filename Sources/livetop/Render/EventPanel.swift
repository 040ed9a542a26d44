import LiveModel

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
