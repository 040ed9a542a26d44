import LiveModel

/// A line chart of numeric histories against time, drawn with braille dots: each cell holds 2×4
/// dots, so a 40-column plot shows 80 points. In ASCII mode each cell holds one mark per series.
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
    var glyphs: Glyphs

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

        let lo = fixedMin.flatMap { $0.isFinite ? $0 : nil } ?? dataMin
        let hi = fixedMax.flatMap { $0.isFinite ? $0 : nil } ?? dataMax
        let flat = !(hi > lo)
        let plot = valueAxis(lo: lo, hi: hi, flat: flat, in: body, into: &buffer)
        guard !plot.isEmpty else { return }

        // Dots: braille cells hold 2×4, ASCII cells one. `owner` is the last series to touch a cell: its colour.
        let perCell = glyphs.isASCII ? (x: 1, y: 1) : (x: 2, y: 4)
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
                    if glyphs.isASCII {
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
            let text = glyphs.isASCII ? Self.marks[index % Self.marks.count] : String(Character(Unicode.Scalar(0x2800 + UInt32(bits[cell])) ?? " "))
            buffer[plot.x + cell % plot.width, plot.y + cell / plot.width] = Cell(text: text, style: .color(series[index].color))
        }

        if timeLabels {
            let row = Rect(x: plot.x, y: timeRow.y, width: plot.width, height: 1)
            buffer.write("now", x: row.maxX - 3, y: row.y, style: .muted, clip: row)
            if let left = Self.spanLabel(window ?? span), TerminalText.width(left) + 4 <= row.width {
                buffer.write(left, x: row.x, y: row.y, style: .muted, clip: row)
            }
        }
    }

    /// Braille dot bits by column and row within a cell (U+2800 + bits).
    private static let brailleBits: [[UInt8]] = [[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]]

    /// Max at the top row, min at the bottom (one label in the middle row for a flat range),
    /// right-aligned, then the edge. Returns the plot: what is right of the edge.
    private func valueAxis(lo: Double, hi: Double, flat: Bool, in body: Rect, into buffer: inout Buffer) -> Rect {
        guard body.width >= Self.minColumnsForValueLabels, !body.isEmpty else { return body }
        // A flat range's single label sits in the row its line is drawn in (dot row dotsY / 2).
        var labels: [(row: Int, text: String)] = flat ? [(body.height / 2, format(lo))] : [(0, format(hi))]
        if !flat && body.height > 1 { labels.append((body.height - 1, format(lo))) }
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
            let marker = glyphs.isASCII ? Self.marks[index % Self.marks.count] : glyphs.bullet
            x = buffer.write(marker + " ", x: x, y: y, style: .color(s.color), clip: line)
            let nameWidth = TerminalText.width(s.name)
            let stats = choices.first { x + nameWidth + TerminalText.width($0) <= line.maxX } ?? choices.last ?? ""
            // The name gives way to the numbers, down to a third of the line.
            let nameRoom = Swift.min(line.maxX - x, Swift.max(line.width / 3, line.maxX - x - TerminalText.width(stats)))
            x = buffer.write(TerminalText.truncate(s.name, to: Swift.max(0, nameRoom), ascii: glyphs.isASCII), x: x, y: y, clip: line)
            x = buffer.write(stats, x: x, y: y, style: .muted, clip: line)
        }
    }

    /// Maps a fraction 0...1 to 0..<count, clamped; NaN goes to 0.
    private static func scale(_ fraction: Double, _ count: Int) -> Int {
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
