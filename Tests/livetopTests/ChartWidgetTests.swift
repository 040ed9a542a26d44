import LiveModel
import Testing
@testable import livetop

/// PanelFrame, Gauge and LineChart drawn into buffers pre-filled with a marker, so drawing
/// outside the area shows; colours are checked apart from text.
@Suite struct ChartWidgetTests {
    static let marker = Cell(text: "·", style: .plain)
    static let now = Timestamp(seconds: 1_795_708_529)

    /// A buffer of `width`×`height` markers with `area` inside it.
    static func buffer(_ width: Int, _ height: Int) -> Buffer { Buffer(width: width, height: height, fill: marker) }

    /// Samples one second apart, the last at `now`.
    static func history(_ values: [Double], step: Double = 1) -> History {
        History(values: values, times: values.indices.map { now + Double($0 - values.count + 1) * step })
    }

    /// Every cell outside `area` still holds the marker.
    static func untouchedOutside(_ area: Rect, _ buffer: Buffer) -> Bool {
        (0..<buffer.height).allSatisfy { y in
            (0..<buffer.width).allSatisfy { x in
                (x >= area.x && x < area.maxX && y >= area.y && y < area.maxY) || buffer[x, y] == marker
            }
        }
    }

    static func isBraille(_ cell: Cell) -> Bool {
        cell.text.unicodeScalars.count == 1 && cell.text.unicodeScalars.allSatisfy { (0x2801...0x28FF).contains($0.value) }
    }

    // MARK: PanelFrame

    @Test func frameCarriesTheTitleAndLevelSymbolInItsTopEdge() {
        var buffer = Self.buffer(20, 4)
        let inner = PanelFrame(title: "services", level: .crit, glyphs: .unicode).render(in: buffer.area, into: &buffer)
        #expect(buffer.lines == [
            "┌ services ✖ ──────┐",
            "│··················│",
            "│··················│",
            "└──────────────────┘",
        ])
        #expect(inner == Rect(x: 1, y: 1, width: 18, height: 2))
        #expect(buffer[2, 0].style == Style.level(.crit) && buffer[11, 0].style == Style.level(.crit))
        #expect(buffer[0, 0].style == .plain && buffer[13, 0].style == .plain)

        var ascii = Self.buffer(20, 3)
        PanelFrame(title: "services", level: .crit, glyphs: .ascii).render(in: ascii.area, into: &ascii)
        #expect(ascii.lines == ["+ services X ------+", "|··················|", "+------------------+"])
    }

    @Test func frameNoteIsRightAlignedAndDroppedWhenThereIsNoRoom() {
        var buffer = Self.buffer(32, 3)
        let area = Rect(x: 1, y: 0, width: 30, height: 3)
        PanelFrame(title: "services", level: .warn, focused: true, note: "stale", glyphs: .unicode).render(in: area, into: &buffer)
        #expect(buffer.lines[0] == "·┌ services ▲ ──────── stale ─┐·")
        #expect(buffer[3, 0].style == Style(foreground: .yellow, bold: true, reverse: true))
        #expect(buffer[24, 0].style == .muted && buffer[1, 0].style.foreground == .cyan)
        #expect(Self.untouchedOutside(area, buffer))

        var narrow = Self.buffer(18, 2)
        PanelFrame(title: "services", note: "no data yet", glyphs: .unicode).render(in: narrow.area, into: &narrow)
        #expect(narrow.lines == ["┌ services ──────┐", "└────────────────┘"])
        #expect(narrow[2, 0].style == .title)
    }

    @Test(arguments: [Rect(x: 1, y: 1, width: 12, height: 1), Rect(x: 1, y: 0, width: 3, height: 3)])
    func frameTooSmallForABorderShowsTheTitleAlone(_ area: Rect) {
        var buffer = Self.buffer(14, 3)
        let rest = PanelFrame(title: "services", level: .crit, glyphs: .unicode).render(in: area, into: &buffer)
        #expect(rest == Rect(x: area.x, y: area.y + 1, width: area.width, height: area.height - 1))
        #expect(Self.untouchedOutside(Rect(x: area.x, y: area.y, width: area.width, height: 1), buffer))
        if area.width == 12 {
            #expect(buffer.lines[1] == "·services ✖···")
            #expect(buffer[10, 1].style == Style.level(.crit))
        } else {
            #expect(buffer.lines[0] == "·… ✖··········")
        }
    }

    @Test func frameTitleFromTheFeedIsShownEscaped() {
        var buffer = Self.buffer(30, 2)
        PanelFrame(title: "\u{1B}[2Jevil\u{202E}", glyphs: .unicode).render(in: buffer.area, into: &buffer)
        #expect(buffer.lines[0] == "┌ \\e[2Jevil\\u{202E} ─────────┐")
        #expect(!buffer.cells.contains { $0.text.unicodeScalars.contains(where: TerminalText.isUnsafe) })

        var small = Self.buffer(8, 1)
        PanelFrame(title: "\u{1B}]0;x\u{07}", glyphs: .ascii).render(in: small.area, into: &small)
        #expect(small.lines == ["\\e]0;x\\~"])
    }

    // MARK: Gauge

    @Test(arguments: [
        (0.0, "0", nil, "cpu  ░░░░░░░░░░  0", Style.Color.default),
        (50, "50", .ok, "cpu  █████░░░░░  50", .green),
        (75, "75", .warn, "cpu  ███████▌░░  75 ▲", .yellow),
        (100, "100", .crit, "cpu  ██████████  100 ✖", .red),
        (150, "150", .crit, "cpu  ██████████  150 ✖", .red),
    ] as [(Double, String, Level?, String, Style.Color)])
    func gaugeClampsTheBarAndColoursTheLevel(_ value: Double, _ text: String, _ level: Level?, _ line: String, _ color: Style.Color) {
        var buffer = Self.buffer(25, 2)
        let area = Rect(x: 0, y: 1, width: 23, height: 1)
        Gauge(label: "cpu", value: value, text: text, level: level, glyphs: .unicode).render(in: area, into: &buffer)
        #expect(buffer.lines[1] == line + String(repeating: "·", count: 25 - line.count))
        #expect(Self.untouchedOutside(area, buffer))
        if value > 0 { #expect(buffer[5, 1].style.foreground == color) }
        #expect(buffer[14, 1].style == (value >= 100 ? level.map(Style.level) ?? .plain : .muted))
        #expect(buffer[17, 1].style.foreground == color)
    }

    @Test func asciiGaugeAlignsItsBarWithALabelWidth() {
        var buffer = Self.buffer(22, 2)
        Gauge(label: "cpu", value: 50, text: "50", labelWidth: 5, glyphs: .ascii).render(in: buffer.area, into: &buffer)
        Gauge(label: "memory", value: nil, text: "-", labelWidth: 5, glyphs: .ascii)
            .render(in: Rect(x: 0, y: 1, width: 22, height: 1), into: &buffer)
        #expect(buffer.lines == ["cpu   [####...] 50····", "memo~ [.......] -·····"])
    }

    // MARK: LineChart

    static func rising(_ count: Int = 10) -> LineChart.Series {
        LineChart.Series(name: "cpu", history: history((0..<count).map(Double.init)), color: .cyan)
    }

    @Test func risingSeriesDrawsAContinuousBrailleLineInsideItsArea() {
        var buffer = Self.buffer(34, 10)
        let area = Rect(x: 2, y: 1, width: 30, height: 8)
        LineChart(series: [Self.rising()], now: Self.now, glyphs: .unicode).render(in: area, into: &buffer)
        #expect(buffer.lines == [
            "··································",
            "··● cpu  min 0  max 9  last 9·····",
            "··10┤·························⣀⡤··",
            "····│····················⣀⣠⠤⠖⠋⠁···",
            "····│···············⣀⡤⠖⠚⠉⠁········",
            "···5┤··········⣀⣠⠤⠖⠋⠁·············",
            "····│····⢀⣠⠤⠖⠚⠉⠁··················",
            "···0┤⣀⡤⠴⠚⠉························",
            "·····-9s········-5s··········now··",
            "··································",
        ])
        #expect(Self.untouchedOutside(area, buffer))
        // Every plot column (5..<32, rows 2..<8) has a dot: the line has no gaps. The axis is 0 to 10
        // (round ticks around 0...9), the label at 5 in the row where the line crosses 5.
        for x in 5..<32 { #expect((2..<8).contains { Self.isBraille(buffer[x, $0]) }, "column \(x) has a gap") }
        #expect(buffer[5, 7].style == .color(.cyan) && buffer[31, 2].style == .color(.cyan))
        #expect(buffer[2, 1].style.foreground == .cyan && buffer[4, 1].style == .plain && buffer[10, 1].style == .muted)
        #expect(buffer[2, 2].style == .muted && buffer[4, 4].style == .muted && buffer[5, 8].style == .muted && buffer[16, 8].style == .muted)
    }

    @Test func twoSeriesEachTakeTheirColour() {
        var buffer = Self.buffer(40, 10)
        let series = [Self.rising(), LineChart.Series(name: "mem", history: Self.history((0..<10).map { 9 - Double($0) }), color: .magenta)]
        LineChart(series: series, now: Self.now, glyphs: .unicode).render(in: buffer.area, into: &buffer)
        #expect(buffer.lines == [
            "● cpu  min 0  max 9  last 9·············",
            "● mem  min 0  max 9  last 0·············",
            "10┤⣀⡀·································⢀⣀",
            "··│·⠉⠉⠓⠒⠦⣄⣀·····················⢀⣠⠤⠖⠚⠉⠉·",
            "··│·······⠈⠉⠓⠦⢤⣀⡀··········⣀⣠⠴⠒⠋⠉·······",
            "·5┤·············⠉⠓⠲⠤⢤⣀⣠⠤⠴⠚⠉⠁············",
            "··│···········⢀⣀⡤⠖⠚⠉⠉·⠈⠉⠙⠲⠤⣄⣀···········",
            "··│·····⣀⣀⡤⠤⠖⠋⠉·············⠈⠙⠒⠦⢤⣀⣀·····",
            "·0┤⣀⡤⠖⠚⠉⠁·························⠈⠉⠙⠲⠤⣄",
            "···-9s············-5s················now",
        ])
        #expect(buffer[0, 0].style.foreground == .cyan && buffer[0, 1].style.foreground == .magenta)
        // The axis is 0 to 10 (round ticks around 0...9): mem starts at 9, under the top row's top dots.
        #expect(buffer[3, 2].style == .color(.magenta) && buffer[3, 8].style == .color(.cyan))
        #expect(Set(buffer.cells.filter(Self.isBraille).map(\.style.foreground)) == [.cyan, .magenta])
    }

    @Test func aCellSharedBySeriesOrsTheirDotsAndTakesTheLaterColour() {
        var buffer = Self.buffer(12, 4)
        let area = Rect(x: 1, y: 1, width: 10, height: 2)
        let series = [LineChart.Series(name: "a", history: Self.history([4, 4]), color: .green),
                      LineChart.Series(name: "b", history: Self.history([7, 7]), color: .yellow)]
        LineChart(series: series, now: Self.now, fixedMin: 0, fixedMax: 7, glyphs: .unicode).render(in: area, into: &buffer)
        // a's dots on the cell's bottom row (0x40, 0x80), b's on its top row (0x01, 0x08).
        #expect(buffer.lines == ["············", "·⣉⣉⣉⣉⣉⣉⣉⣉⣉⣉·", "············", "············"])
        #expect((1...10).allSatisfy { buffer[$0, 1].style == .color(.yellow) })
    }

    @Test func asciiChartMarksEachSeriesAtTheNearestRow() {
        var buffer = Self.buffer(22, 7)
        let area = Rect(x: 1, y: 0, width: 20, height: 6)
        let series = [LineChart.Series(name: "cpu", history: Self.history([0, 1, 2, 3, 4]), color: .cyan),
                      LineChart.Series(name: "io", history: Self.history([4, 4]), color: .green)]
        LineChart(series: series, now: Self.now, glyphs: .ascii).render(in: area, into: &buffer)
        // io, drawn later, covers cpu's last point.
        #expect(buffer.lines == [
            "·* cpu  last 4········",
            "·+ io  last 4·········",
            "·4|·············+++++·",
            "··|·······********····",
            "·0|*******············",
            "···-4s·····-2s····now·",
            "······················",
        ])
        #expect(buffer[3, 4].style == .color(.cyan) && buffer[18, 2].style == .color(.green) && buffer[1, 1].style == .color(.green))
        #expect(Self.untouchedOutside(area, buffer))
        #expect(!buffer.cells.contains { $0.text.unicodeScalars.contains { $0.value > 0x7E } && $0 != Self.marker })
    }

    @Test func flatSeriesDrawsInTheMiddleRow() {
        var buffer = Self.buffer(20, 7)
        LineChart(series: [LineChart.Series(name: "up", history: Self.history([5, 5, 5, 5]), color: .green)],
                  now: Self.now, glyphs: .unicode).render(in: buffer.area, into: &buffer)
        #expect(buffer.lines == [
            "● up  last 5········",
            "·│··················",
            "·│··················",
            "5┤⠤⠤⠤⠤⠤⠤⠤⠤⠤⠤⠤⠤⠤⠤⠤⠤⠤⠤",
            "·│··················",
            "·│··················",
            "··-3s··-2s·······now",
        ])
    }

    @Test func samplesBeforeTheWindowAndNonFiniteValuesAreSkipped() {
        var buffer = Self.buffer(30, 6)
        let history = History(values: [1000, 1, .nan, 3, .infinity, 2],
                              times: [Self.now + -100, Self.now + -20, Self.now + -15, Self.now + -10, Self.now + -5, Self.now])
        LineChart(series: [LineChart.Series(name: "q", history: history, color: .blue)], now: Self.now, window: 30, glyphs: .unicode)
            .render(in: buffer.area, into: &buffer)
        #expect(buffer.lines[0].hasPrefix("● q  min 1  max 3  last 2"))
        #expect(buffer.lines[1].hasPrefix("3┤") && buffer.lines[4].hasPrefix("1┤") && buffer.lines[5].hasPrefix("··-30s"))
        // The window's first third (before the first sample) is empty.
        #expect((1..<5).allSatisfy { y in (2..<10).allSatisfy { buffer[$0, y] == Self.marker } })
    }

    @Test func withoutDataOnlyTheLegendIsDrawn() {
        var buffer = Self.buffer(30, 5)
        let empty = LineChart.Series(name: "cpu", history: History(values: [], times: []), color: .cyan)
        let old = LineChart.Series(name: "mem", history: Self.history([1, 2], step: 100), color: .magenta)
        LineChart(series: [empty, old], now: Self.now + 200, window: 60, glyphs: .unicode).render(in: buffer.area, into: &buffer)
        #expect(buffer.lines == [
            "● cpu no data yet·············",
            "● mem no data yet·············",
            "······························",
            "······························",
            "······························",
        ])
        var none = Self.buffer(14, 2)
        LineChart(series: [], now: Self.now, glyphs: .unicode).render(in: none.area, into: &none)
        #expect(none.lines == ["no data yet···", "··············"])
    }

    @Test func oneRowShowsTheLegendAlone() {
        var buffer = Self.buffer(30, 3)
        LineChart(series: [Self.rising(), Self.rising()], now: Self.now, glyphs: .unicode)
            .render(in: Rect(x: 0, y: 1, width: 30, height: 1), into: &buffer)
        #expect(buffer.lines == [String(repeating: "·", count: 30), "● cpu 9  ● cpu 9··············", String(repeating: "·", count: 30)])
    }

    @Test(arguments: [Rect(x: 1, y: 1, width: 10, height: 2), Rect(x: 0, y: 0, width: 1, height: 3), Rect(x: 2, y: 1, width: 4, height: 3),
                      Rect(x: 11, y: 3, width: 5, height: 5), Rect(x: 3, y: 0, width: 0, height: 4)])
    func tinyChartStaysInsideItsArea(_ area: Rect) {
        for glyphs in [Glyphs.unicode, .ascii] {
            var buffer = Self.buffer(12, 4)
            LineChart(series: [Self.rising(), Self.rising(3)], now: Self.now, glyphs: glyphs).render(in: area, into: &buffer)
            #expect(Self.untouchedOutside(area, buffer))
            if area == Rect(x: 1, y: 1, width: 10, height: 2) && !glyphs.isASCII {
                #expect(buffer.lines == ["············", "······⣀⡤⠤⠖⠋·", "·⣠⠴⠒⠚⠉⠁·⢀⡤⠖·", "············"])
            }
        }
    }
}
