import Foundation
import LiveModel

/// A bars panel (docs/layouts.md): one horizontal bar a row, `label  ██████████▍ 63.2 ✖`
/// (ASCII `label |########## 63.2 X`), sorted, with the value printed where its bar ends. Bars
/// start at `min` and a whole bar is `max`; thresholds colour a bar and mark its value as a
/// gauge's, so levels read without colour. Rows past the area's height are counted on the last
/// one (`+N more`), and since the bars are sorted first, those cut are the smallest.
struct BarChart {
    struct Bar: Hashable {
        var label: String
        var value: JSONValue?
        var level: Level?
    }

    var bars: [Bar]
    var sort: BarSort = .default
    /// The bars' start and end; nil: 0 (or the least value when one is negative) and the greatest value.
    var min: Double? = nil
    var max: Double? = nil
    /// printf-style, for numbers.
    var format: String? = nil
    var glyphs: Glyphs

    init(bars: [Bar], sort: BarSort = .default, min: Double? = nil, max: Double? = nil, format: String? = nil, glyphs: Glyphs) {
        self.bars = bars
        self.sort = sort
        self.min = min
        self.max = max
        self.format = format
        self.glyphs = glyphs
    }

    /// A bars panel's values as `PanelContent` resolved them.
    init(_ items: [PanelContent.Item], panel: Panel, glyphs: Glyphs) {
        self.init(bars: items.map { Bar(label: $0.label, value: $0.value, level: $0.level) }, sort: panel.barSort, min: panel.min,
                  max: panel.max, format: panel.format, glyphs: glyphs)
    }

    /// A bar's number; nil for a value that is not a finite number (drawn without a bar).
    static func number(_ bar: Bar) -> Double? { bar.value?.numberValue.flatMap { $0.isFinite ? $0 : nil } }

    /// The bars in `sort`'s order; equal ones keep the document's order.
    static func ordered(_ bars: [Bar], by sort: BarSort) -> [Bar] {
        let indexed = Array(bars.enumerated())
        switch sort {
        case .none:
            return bars
        case .value(let descending):
            // Numbers first (largest or smallest), then values that are not numbers, then missing ones.
            func rank(_ bar: Bar) -> Int { number(bar) != nil ? 0 : bar.value == nil || bar.value?.isNull == true ? 2 : 1 }
            return indexed.sorted { a, b in
                let (ra, rb) = (rank(a.element), rank(b.element))
                if ra != rb { return ra < rb }
                if let x = number(a.element), let y = number(b.element), x != y { return descending ? x > y : x < y }
                return a.offset < b.offset
            }.map(\.element)
        case .label(let descending):
            return indexed.sorted { a, b in
                let order = a.element.label.compare(b.element.label, options: [.numeric])
                if order != .orderedSame { return descending ? order == .orderedDescending : order == .orderedAscending }
                return a.offset < b.offset
            }.map(\.element)
        }
    }

    /// Where the bars start and what fills one, over every bar (shown or not, so the scale does
    /// not jump as bars are cut).
    func scale() -> (low: Double, high: Double) {
        let numbers = bars.compactMap(Self.number)
        let low = min ?? Swift.min(0, numbers.min() ?? 0)
        let high = max ?? Swift.max(low, numbers.max() ?? low)
        return (low, high)
    }

    /// The filled part of a bar, 0...1: nothing for an empty range or a value that is not a number.
    static func fraction(_ value: Double?, low: Double, high: Double) -> Double {
        guard let value, high > low else { return 0 }
        let f = (value - low) / (high - low)
        return f.isNaN ? 0 : Swift.min(1, Swift.max(0, f))
    }

    /// The text after a bar: its value (`-` when missing) and the level's mark.
    func text(of bar: Bar) -> String {
        guard let value = bar.value else { return "-" }
        let text = Format.value(value, format: format)
        guard let level = bar.level, level != .ok else { return text }
        return text + " " + glyphs.symbol(level)
    }

    /// Label columns, bar cells and one space before each bar's text, in that order. The label
    /// shrinks to a third of the row while the bar keeps 8 cells; narrower, the bars go and
    /// labels and values stay.
    func render(in area: Rect, into buffer: inout Buffer) {
        guard !area.isEmpty, !bars.isEmpty else { return }
        let sorted = Self.ordered(bars, by: sort)
        let count = sorted.count <= area.height ? sorted.count : Swift.max(0, area.height - 1)
        let shown = Array(sorted.prefix(count))
        let texts = shown.map(text(of:))
        let textColumns = texts.map { TerminalText.width($0) }.max() ?? 0
        let wanted = shown.map { TerminalText.width($0.label) }.max() ?? 0
        let labelColumns = Swift.min(wanted, Swift.max(area.width / 3, area.width - textColumns - 2 - 8))
        let (low, high) = scale()
        // Label, a space (ASCII: `|`), the bar, a space, the widest text: the bar gets what is left.
        let barColumns = area.width - labelColumns - 1 - 1 - textColumns
        for (row, bar) in shown.enumerated() {
            let y = area.y + row
            let style = bar.level.map(Style.level) ?? .plain
            var x = area.x
            if labelColumns > 0 {
                let label = TerminalText.truncate(bar.label, to: labelColumns, ascii: glyphs.isASCII)
                let padding = String(repeating: " ", count: Swift.max(0, labelColumns - TerminalText.width(label)))
                x = buffer.write(label + padding, x: x, y: y, style: .muted, clip: area)
            }
            if barColumns >= 1 {
                buffer.write(glyphs.isASCII ? "|" : " ", x: x, y: y, style: .muted, clip: area)
                x += 1
                let cells = cells(Self.fraction(Self.number(bar), low: low, high: high), columns: barColumns)
                for cell in cells {
                    buffer[x, y] = Cell(text: cell, style: style)
                    x += 1
                }
            }
            x = buffer.write(" ", x: x, y: y, clip: area)
            buffer.write(TerminalText.truncate(texts[row], to: Swift.max(0, area.maxX - x), ascii: glyphs.isASCII), x: x, y: y,
                         style: style, clip: area)
        }
        if count < sorted.count {
            buffer.write("+\(Format.grouped(Int64(sorted.count - count))) more", x: area.x, y: area.y + count, style: .muted, clip: area)
        }
    }

    /// The filled cells of a bar `fraction` of `columns` long: whole blocks and one partial cell
    /// in eighths (UTF-8), or `#` rounded to whole cells (ASCII). The empty rest is not drawn, so
    /// the value follows the bar's end.
    private func cells(_ fraction: Double, columns: Int) -> [String] {
        if glyphs.isASCII {
            return Array(repeating: glyphs.barFull, count: Int((fraction * Double(columns)).rounded()))
        }
        let eighths = Int((fraction * Double(columns) * 8).rounded())
        var out = Array(repeating: glyphs.barFull, count: eighths / 8)
        if eighths % 8 > 0 { out.append(Gauge.eighths[eighths % 8 - 1]) }
        return out
    }
}
