import LiveModel

/// A table column declared with `spark: true` (docs/layouts.md): each row's recent history of
/// the column's value drawn as a sparkline, newest at the right, in place of the value. It is
/// read only for the rows a frame shows (the table's row closure), so a table of 100,000 rows
/// reads a screenful of histories, never all of them (`TableRows` reads keys only).
enum SparkColumn {
    /// The sparkline of `history` in `width` cells, as text: drawn by `Sparkline` itself so a spark
    /// column scales as tiles' sparklines do, blank-padded on the left while the history is
    /// shorter than the column. Empty without at least two samples: one point is not a trend.
    static func text(of history: History?, width: Int, glyphs: Glyphs) -> String {
        guard let history, history.values.count > 1, width > 0 else { return "" }
        var line = Buffer(width: width, height: 1)
        Sparkline(values: history.values, glyphs: glyphs).render(in: line.area, into: &line)
        return line.lines[0]
    }

    /// Its colour: the level of the row's value now when the column has thresholds (the value
    /// column beside it carries the mark), else the sparklines' cyan.
    static func style(level: Level?) -> Style { level.map(Style.level) ?? .color(.cyan) }

    /// The newest part of a sparkline cut to `width` cells: every glyph is one cell, and the
    /// newest samples are at the right end, so it is cut from the left, with no `…`.
    static func newest(_ text: String, fitting width: Int) -> String { String(text.suffix(Swift.max(0, width))) }
}
