import Foundation
import LiveModel

/// A line chart of numeric histories against time, drawn with braille dots: each cell holds 2×4
/// dots, so a 40-column plot shows 80 points. In ASCII mode each cell holds one mark per series,
/// and so it does without colour (NO_COLOR) when there are two series or more: braille dots of
/// two series look alike, their marks do not (docs/dashboard.md, "Charts").
struct LineChart {
    struct Series {
        var name: String
        var history: History
        var color: Style.Color
    }

    var series: [Series]
    var now: Timestamp
    /// Seconds shown, ending at `now`; nil: from the oldest sample of any series to now.
    var window: Double? = nil
    /// The y range; nil: from the samples shown.
    var fixedMin: Double? = nil
    var fixedMax: Double? = nil
    var format: (Double) -> String = Format.number
    /// How the y axis' round ticks are written; nil: with the decimals their step needs. A
    /// layout's `format:` goes here too, so ticks carry its unit.
    var tickFormat: ((Double) -> String)? = nil
    var glyphs: Glyphs
    /// The terminal shows no colour (NO_COLOR, or none to show): series are told apart by their marks.
    var monochrome = false

    /// Colours for series in order. The caller assigns them, so a series keeps its colour while others come and go.
    static let palette: [Style.Color] = [.cyan, .magenta, .green, .blue, .yellow, .white]
    /// ASCII marks for series in order: without braille, and without colour (NO_COLOR), series must still be told apart.
    static let marks = ["*", "+", "o", "x", "#", "@", "%", "&"]
    /// The plot keeps this many rows before the legend gets one line per series.
    static let minPlotRows = 3
    /// Below this height the x labels go, then (below 3) the legend; one row shows the legend alone.
    static let minRowsForTimeLabels = 5
    /// Below this width the y labels go, so a narrow chart is all plot.
    static let minColumnsForValueLabels = 12

    private struct Sample {
        var time: Timestamp
        var value: Double
    }

    /// Each series draws its own mark, one a cell, instead of braille dots told apart by colour.
    var drawsMarks: Bool { glyphs.isASCII || (monochrome && series.count > 1) }

    /// What stands for series `index` in the legend: its mark when the plot draws marks.
    func legendMarker(_ index: Int) -> String { drawsMarks ? Self.marks[index % Self.marks.count] : glyphs.bullet }

    func render(in area: Rect, into buffer: inout Buffer) {
        guard !area.isEmpty else { return }
        let start = window.map { now + -$0 }
        let shown = series.map { s in
            zip(s.history.times, s.history.values).compactMap { t, v in
                v.isFinite && (start.map { t >= $0 } ?? true) ? Sample(time: t, value: v) : nil
            }
        }
        let values = shown.joined().map(\.value)
        guard let oldest = shown.joined().map(\.time).min(), let dataMin = values.min(), let dataMax = values.max(), area.height > 1 else {
            let rows = area.height >= series.count ? series.count : 1
            legend(shown, in: area.splitTop(Swift.max(1, rows)).top, into: &buffer)
            return
        }

        let timeLabels = area.height >= Self.minRowsForTimeLabels
        let plotRows = area.height - (timeLabels ? 1 : 0)
        let legendRows = area.height < 3 ? 0 : plotRows - series.count >= Self.minPlotRows ? series.count : 1
        let (legendArea, rest) = area.splitTop(legendRows)
        let (body, timeRow) = rest.splitBottom(timeLabels ? 1 : 0)
        legend(shown, in: legendArea, into: &buffer)

        let low = fixedMin.flatMap { $0.isFinite ? $0 : nil }, high = fixedMax.flatMap { $0.isFinite ? $0 : nil }
        let flat = !((high ?? dataMax) > (low ?? dataMin))
        // Dots: braille cells hold 2×4, ASCII cells (and marks) one.
        let perCell = drawsMarks ? (x: 1, y: 1) : (x: 2, y: 4)
        let labelled = body.width >= Self.minColumnsForValueLabels && !body.isEmpty
        // With labels, the range widens to the round ticks around the data (an end the layout fixed stays).
        let ticks = labelled && !flat
            ? Self.valueTicks(low: low ?? dataMin, high: high ?? dataMax, rows: body.height, lowFixed: low != nil, highFixed: high != nil) : nil
        let lo = ticks?.low ?? low ?? dataMin
        let hi = ticks?.high ?? high ?? dataMax
        var labels: [(row: Int, text: String)] = []
        if labelled {
            // Each label sits in the row its value's line is drawn in (a flat range's in dot row dotsY / 2).
            let dotRows = body.height * perCell.y
            if flat {
                labels = [(body.height / 2, format(lo))]
            } else if let ticks {
                labels = ticks.values.map { (Self.scale((hi - $0) / (hi - lo), dotRows) / perCell.y, tickFormat?($0) ?? ticks.label($0)) }
            } else {
                labels = [(0, format(hi))] + (body.height > 1 ? [(body.height - 1, format(lo))] : [])
            }
        }
        let plot = labelled ? valueAxis(labels, in: body, into: &buffer) : body
        guard !plot.isEmpty else { return }

        // `owner` is the last series to touch a cell: its colour.
        let dotsX = plot.width * perCell.x, dotsY = plot.height * perCell.y
        var bits = [UInt8](repeating: 0, count: plot.width * plot.height)
        var owner = [Int](repeating: -1, count: plot.width * plot.height)
        let origin = start ?? oldest
        let span = Self.seconds(from: origin, to: now)
        func dot(_ s: Sample) -> (x: Int, y: Int) {
            let x = span > 0 ? Self.scale(Self.seconds(from: origin, to: s.time) / span, dotsX) : dotsX - 1
            let y = flat ? dotsY / 2 : Self.scale((hi - s.value) / (hi - lo), dotsY)
            return (x, y)
        }
        for (index, samples) in shown.enumerated() {
            func set(_ x: Int, _ y: Int) {
                let cell = y / perCell.y * plot.width + x / perCell.x
                bits[cell] |= Self.brailleBits[x % perCell.x][y % perCell.y]
                owner[cell] = index
            }
            var previous: (x: Int, y: Int)?
            for sample in samples {
                let next = dot(sample)
                let from = previous ?? next
                // Columns between two samples take the interpolated row; in braille each column
                // also fills the run from the row before, so the line has no gaps.
                let steps = abs(next.x - from.x), direction = next.x >= from.x ? 1 : -1
                var lastY = from.y
                for k in 0...steps {
                    let y = steps == 0 ? next.y : from.y + Int((Double((next.y - from.y) * k) / Double(steps)).rounded())
                    let x = from.x + k * direction
                    if drawsMarks {
                        set(x, y)
                    } else {
                        for run in Swift.min(lastY, y)...Swift.max(lastY, y) { set(x, run) }
                    }
                    lastY = y
                }
                previous = next
            }
        }
        for (cell, index) in owner.enumerated() where index >= 0 {
            let text = drawsMarks ? Self.marks[index % Self.marks.count] : String(Character(Unicode.Scalar(0x2800 + UInt32(bits[cell])) ?? " "))
            buffer[plot.x + cell % plot.width, plot.y + cell / plot.width] = Cell(text: text, style: .color(series[index].color))
        }

        if timeLabels {
            timeAxis(span: span, dotsPerCell: perCell.x, in: Rect(x: plot.x, y: timeRow.y, width: plot.width, height: 1), into: &buffer)
        }
    }

    /// `-60s` at the left edge, `now` at the right, and between them round times back from now
    /// (`-45s  -30s  -15s`), each centred under its column, as many as fit with two spaces around.
    private func timeAxis(span: Double, dotsPerCell: Int, in row: Rect, into buffer: inout Buffer) {
        guard row.width >= 3 else { return }
        buffer.write("now", x: row.maxX - 3, y: row.y, style: .muted, clip: row)
        var free = row.x  // the first column a label may take
        if let left = Self.spanLabel(span), TerminalText.width(left) + 4 <= row.width {
            free = buffer.write(left, x: row.x, y: row.y, style: .muted, clip: row) + 2
        }
        guard let step = Self.timeStep(span: span, columns: row.width) else { return }
        var end = row.maxX - 3 - 2  // right of here is `now` and its gap
        for k in 1..<Self.maxTimeTicks {
            let back = Double(k) * step
            guard back < span, let text = Self.spanLabel(back) else { break }
            let dot = Self.scale(1 - back / span, row.width * dotsPerCell)
            let width = TerminalText.width(text)
            let x = row.x + dot / dotsPerCell - width / 2
            if x < free { break }
            if x + width <= end {
                buffer.write(text, x: x, y: row.y, style: .muted, clip: row)
                end = x - 2
            }
        }
    }

    /// Round steps back from now for the time axis, in seconds.
    static let timeSteps: [Double] = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400]
    /// Columns a time label's step needs at least: the label and the spaces around it.
    static let columnsPerTimeTick = 9
    static let maxTimeTicks = 12

    /// The smallest round step whose labels have room in `columns`; nil when none has.
    static func timeStep(span: Double, columns: Int) -> Double? {
        guard span.isFinite, span > 0, columns > 0 else { return nil }
        return timeSteps.first { $0 / span * Double(columns) >= Double(columnsPerTimeTick) && $0 < span }
    }

    /// Value labels at round numbers: steps of 1, 2 or 5 × 10^k, from the lowest tick at or below
    /// the data to the highest at or above it (an end the layout fixed stays where it is, its
    /// ticks inside), as many as fit the rows with a free row between two, at most `maxValueTicks`.
    struct ValueTicks: Equatable {
        /// The axis: the plot's bottom and top.
        var low: Double
        var high: Double
        var values: [Double]
        /// Decimals the step needs (`0.5` → 1), so labels line up: `8.5`, `9.0`, `9.5`.
        var decimals: Int

        func label(_ value: Double) -> String {
            let big = Swift.max(abs(low), abs(high)) >= 1e6
            return big || decimals > 3 ? Format.number(value) : String(format: "%.\(decimals)f", value + 0)
        }
    }

    static let maxValueTicks = 5
    /// Rows a plot needs for 3 round ticks with a free row between two.
    static let minRowsForTicks = 5

    /// Nil when fewer than `minRowsForTicks` rows (two round labels would widen a small chart's
    /// range for little), a range that is empty or not finite, or one too narrow for its
    /// magnitude to have distinct round ticks; the caller then labels the min and max.
    static func valueTicks(low: Double, high: Double, rows: Int, lowFixed: Bool = false, highFixed: Bool = false) -> ValueTicks? {
        let range = high - low
        guard rows >= minRowsForTicks, range > 0, range.isFinite, range > Swift.max(abs(low), abs(high)) * 1e-9 else { return nil }
        let most = Swift.min(maxValueTicks, (rows + 1) / 2)
        var decade = pow(10, (log10(range / Double(most))).rounded(.down))
        // Tolerance for quotients such as 0.3 / 0.1 that land a hair off a whole number.
        let slack = 1e-9
        for _ in 0..<8 {
            for multiple in [1.0, 2, 5] {
                let step = decade * multiple
                let first = lowFixed ? (low / step - slack).rounded(.up) : (low / step + slack).rounded(.down)
                let last = highFixed ? (high / step + slack).rounded(.down) : (high / step - slack).rounded(.up)
                let count = last - first + 1
                guard count <= Double(most) else { continue }
                guard count >= 2 else { return nil }
                let decimals = Swift.max(0, Int(-log10(step).rounded(.down)))
                func round(_ v: Double) -> Double { decimals > 12 ? v : Double(String(format: "%.\(decimals)f", v)) ?? v }
                let values = (0..<Int(count)).map { round((first + Double($0)) * step) }
                return ValueTicks(low: lowFixed ? low : round(first * step), high: highFixed ? high : round(last * step),
                                  values: values, decimals: decimals)
            }
            decade *= 10
        }
        return nil
    }

    /// Braille dot bits by column and row within a cell (U+2800 + bits).
    private static let brailleBits: [[UInt8]] = [[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]]

    /// The labels right-aligned in their rows, then the edge (`┤` beside a label). Returns the
    /// plot: what is right of the edge.
    private func valueAxis(_ labels: [(row: Int, text: String)], in body: Rect, into buffer: inout Buffer) -> Rect {
        let width = Swift.min(labels.map { TerminalText.width($0.text) }.max() ?? 0, body.width / 3)
        for y in body.y..<body.maxY {
            let labelled = labels.contains { body.y + $0.row == y }
            buffer[body.x + width, y] = Cell(text: glyphs.isASCII ? "|" : labelled ? "┤" : glyphs.frame.vertical, style: .muted)
        }
        for label in labels {
            let text = TerminalText.truncate(label.text, to: width, ascii: glyphs.isASCII)
            buffer.write(text, x: body.x + width - TerminalText.width(text), y: body.y + label.row, style: .muted,
                         clip: Rect(x: body.x, y: body.y, width: width, height: body.height))
        }
        return Rect(x: body.x + width + 1, y: body.y, width: body.width - width - 1, height: body.height)
    }

    /// One line per series when `rect` has the rows, else all on one line. Each entry shows the
    /// numbers of the samples shown that fit: min, max and last, or the last alone.
    private func legend(_ shown: [[Sample]], in rect: Rect, into buffer: inout Buffer) {
        guard !rect.isEmpty else { return }
        guard !series.isEmpty else {
            buffer.write("no data yet", x: rect.x, y: rect.y, style: .muted, clip: rect)
            return
        }
        let ownLines = rect.height >= series.count
        var x = rect.x
        for (index, s) in series.enumerated() {
            let y = ownLines ? rect.y + index : rect.y
            if !ownLines && x >= rect.maxX { break }
            let line = Rect(x: rect.x, y: y, width: rect.width, height: 1)
            if ownLines { x = rect.x } else if index > 0 { x = buffer.write("  ", x: x, y: y, clip: line) }
            let values = shown[index].map(\.value)
            // The numbers that fit beside the whole name: all three, the last, or the bare last value.
            var choices = [" no data yet"]
            if let last = values.last, let lo = values.min(), let hi = values.max() {
                choices = [" " + format(last)]
                if ownLines || series.count == 1 {
                    choices.insert(contentsOf: ["  min \(format(lo))  max \(format(hi))  last \(format(last))", "  last \(format(last))"], at: 0)
                }
            }
            x = buffer.write(legendMarker(index) + " ", x: x, y: y, style: .color(s.color), clip: line)
            let nameWidth = TerminalText.width(s.name)
            let stats = choices.first { x + nameWidth + TerminalText.width($0) <= line.maxX } ?? choices.last ?? ""
            // The name gives way to the numbers, down to a third of the line.
            let nameRoom = Swift.min(line.maxX - x, Swift.max(line.width / 3, line.maxX - x - TerminalText.width(stats)))
            x = buffer.write(TerminalText.truncate(s.name, to: Swift.max(0, nameRoom), ascii: glyphs.isASCII), x: x, y: y, clip: line)
            x = buffer.write(stats, x: x, y: y, style: .muted, clip: line)
        }
    }

    /// Maps a fraction 0...1 to 0..<count, clamped; NaN goes to 0.
    static func scale(_ fraction: Double, _ count: Int) -> Int {
        guard fraction.isFinite else { return fraction == .infinity ? count - 1 : 0 }
        return Int((Swift.min(1, Swift.max(0, fraction)) * Double(count - 1)).rounded())
    }

    /// Seconds between two times without trapping (Timestamp's `-` can overflow on hostile recorded times).
    private static func seconds(from a: Timestamp, to b: Timestamp) -> Double {
        (Double(b.nanoseconds) - Double(a.nanoseconds)) / 1e9
    }

    /// How far back the left edge is: `-30s`, `-2m`, `-3h`, `-2d`; nil when there is no span.
    static func spanLabel(_ seconds: Double) -> String? {
        guard seconds.isFinite, seconds > 0, seconds < 1e9 else { return nil }
        let (amount, unit): (Double, String) = seconds < 100 ? (seconds, "s") : seconds < 6000 ? (seconds / 60, "m")
            : seconds < 360_000 ? (seconds / 3600, "h") : (seconds / 86_400, "d")
        return "-\(Swift.max(1, Int(amount.rounded())))\(unit)"
    }
}
