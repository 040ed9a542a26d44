import Foundation

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
