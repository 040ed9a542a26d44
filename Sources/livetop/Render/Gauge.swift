/// One value as a bar against a range: `cpu  ████████░░░░░░  63.2` (ASCII `cpu [########......] 63.2`).
/// The bar clamps to the range while the text shows the true value, so an overload reads as a
/// full bar beside a number past the maximum.
struct Gauge {
    var label: String
    var value: Double?
    /// The value as shown (already formatted).
    var text: String
    var min: Double = 0
    var max: Double = 100
    /// Bar and text drawn with `Style.level(level)`, and `glyphs.symbol(level)` after the text.
    var level: Level? = nil
    /// Columns for the label, to align several gauges' bars; nil: the label's own width.
    var labelWidth: Int? = nil
    var glyphs: Glyphs

    /// Columns kept for the text and symbol, so stacked gauges with short texts get bars of one length.
    static let textColumns = 6
    /// Partial cells, one to seven eighths filled: a 10-column bar shows 80 steps.
    static let eighths = ["▏", "▎", "▍", "▌", "▋", "▊", "▉"]

    /// The filled part of the bar, 0...1; 0 without a finite value. An empty or inverted range is
    /// all or nothing.
    var fraction: Double {
        guard let value, value.isFinite, min.isFinite, max.isFinite else { return 0 }
        guard max > min else { return value >= max ? 1 : 0 }
        let f = (value - min) / (max - min)
        return f.isNaN ? 0 : Swift.min(1, Swift.max(0, f))
    }

    /// Draws on the area's first row. When narrow the label shrinks to a third of the row, then the bar goes; the text stays.
    func render(in area: Rect, into buffer: inout Buffer) {
        guard !area.isEmpty else { return }
        let row = area.splitTop(1).top
        let style = level.map(Style.level) ?? .plain
        let symbol = level.map(glyphs.symbol) ?? ""
        let tail = TerminalText.width(text) + (symbol.isEmpty ? 0 : 1 + TerminalText.width(symbol))
        let textColumns = Swift.max(Self.textColumns, tail)
        let wanted = Swift.max(0, labelWidth ?? TerminalText.width(label))
        // The whole label while the bar keeps 8 columns, else a third of the row.
        let labelColumns = Swift.min(wanted, Swift.max(row.width / 3, row.width - textColumns - 3 - 8))

        var x = row.x
        if labelColumns > 0 {
            let shown = TerminalText.truncate(label, to: labelColumns, ascii: glyphs.isASCII)
            x = buffer.write(shown + String(repeating: " ", count: labelColumns + 1 - TerminalText.width(shown)), x: x, y: row.y, clip: row)
        }
        let barColumns = row.maxX - x - 3 - textColumns
        if barColumns >= 1 {
            buffer.write(glyphs.isASCII ? "[" : " ", x: x, y: row.y, clip: row)
            for (i, cell) in bar(columns: barColumns).enumerated() { buffer[x + 1 + i, row.y] = cell }
            x = buffer.write(glyphs.isASCII ? "] " : "  ", x: x + 1 + barColumns, y: row.y, clip: row)
        }
        x = buffer.write(TerminalText.truncate(text, to: Swift.max(0, row.maxX - x), ascii: glyphs.isASCII), x: x, y: row.y, style: style, clip: row)
        if !symbol.isEmpty { buffer.write(" " + symbol, x: x, y: row.y, style: style, clip: row) }
    }

    private func bar(columns: Int) -> [Cell] {
        let filled = level.map(Style.level) ?? .plain
        let empty = Cell(text: glyphs.barEmpty, style: .muted)
        let cells = fraction * Double(columns)
        if glyphs.isASCII {
            let full = Int(cells.rounded())
            return (0..<columns).map { $0 < full ? Cell(text: glyphs.barFull, style: filled) : empty }
        }
        let eighths = Int((cells * 8).rounded())
        return (0..<columns).map { i in
            if i < eighths / 8 { return Cell(text: glyphs.barFull, style: filled) }
            if i == eighths / 8, eighths % 8 > 0 { return Cell(text: Self.eighths[eighths % 8 - 1], style: filled) }
            return empty
        }
    }
}
