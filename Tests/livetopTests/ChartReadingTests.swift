import Foundation
import LiveModel
import Testing
@testable import livetop

/// Charts and sparklines that can be read (issue 21, item 4): series told apart without colour,
/// y axes with round ticks, time labels under the plot, sparklines from a baseline, series
/// colours from the layout. Widgets drawn into buffers pre-filled with a marker; whole panels
/// through layouts, the TestBackend and snapshot files (`LIVETOP_RECORD_SNAPSHOTS=1` rewrites them).
@Suite struct ChartReadingTests {
    static let marker = ChartWidgetTests.marker
    static let now = ChartWidgetTests.now

    static func history(_ values: [Double], step: Double = 1) -> History { ChartWidgetTests.history(values, step: step) }
    static func isBraille(_ cell: Cell) -> Bool { ChartWidgetTests.isBraille(cell) }

    static func twoSeries() -> [LineChart.Series] {
        [LineChart.Series(name: "cpu", history: history((0..<10).map(Double.init)), color: .cyan),
         LineChart.Series(name: "mem", history: history((0..<10).map { 9 - Double($0) }), color: .magenta)]
    }

    // MARK: Series without colour

    @Test func withoutColourTwoSeriesDrawTheirOwnMarksAlsoInTheLegend() {
        var buffer = Buffer(width: 40, height: 10, fill: Self.marker)
        LineChart(series: Self.twoSeries(), now: Self.now, glyphs: .unicode, monochrome: true).render(in: buffer.area, into: &buffer)
        let lines = buffer.lines
        #expect(lines[0].hasPrefix("* cpu  min 0  max 9  last 9"))
        #expect(lines[1].hasPrefix("+ mem  min 0  max 9  last 0"))
        // No braille dot anywhere (two series of dots look alike without colour); both marks are in the plot.
        #expect(!buffer.cells.contains(where: Self.isBraille))
        let plot = lines[2...8].joined()
        #expect(plot.contains("*") && plot.contains("+"))
        // cpu rises: in the last column its mark is above mem's, in the plot's first column below it.
        let rows = lines[2...8].map(Array.init)
        func marks(inColumn x: Int) -> [Character] { rows.map { $0[x] }.filter { $0 == "*" || $0 == "+" } }
        let plotStart = rows[0].firstIndex { $0 == "┤" || $0 == "│" }.map { $0 + 1 } ?? 0
        #expect(marks(inColumn: 39) == ["*", "+"], "\(lines.joined(separator: "\n"))")
        #expect(marks(inColumn: plotStart) == ["+", "*"], "\(lines.joined(separator: "\n"))")
        #expect(buffer.cells.filter { $0.text == "*" || $0.text == "+" }.allSatisfy { $0.style.foreground != .default })
    }

    @Test func withoutColourOneSeriesKeepsItsBrailleLine() {
        var buffer = Buffer(width: 34, height: 8, fill: Self.marker)
        LineChart(series: [ChartWidgetTests.rising()], now: Self.now, glyphs: .unicode, monochrome: true)
            .render(in: buffer.area, into: &buffer)
        #expect(buffer.lines[0].hasPrefix("● cpu"))
        #expect(buffer.cells.contains(where: Self.isBraille))
    }

    @Test func withColourSeriesKeepTheirBrailleDotsAndColours() {
        var buffer = Buffer(width: 40, height: 10, fill: Self.marker)
        LineChart(series: Self.twoSeries(), now: Self.now, glyphs: .unicode).render(in: buffer.area, into: &buffer)
        #expect(buffer.lines[0].hasPrefix("● cpu") && buffer.lines[1].hasPrefix("● mem"))
        #expect(Set(buffer.cells.filter(Self.isBraille).map(\.style.foreground)) == [.cyan, .magenta])
        #expect(!buffer.lines[2...8].joined().contains("*"))
    }

    /// The dashboard's loop on a terminal without colour: the chart's series are marks there,
    /// and braille dots on the same loop with colour.
    @Test func aTerminalWithoutColourGetsMarksThroughTheLoop() throws {
        let layout = try LayoutFile.parse("""
            rows:
              - panels:
                  - {kind: chart, title: load, series: [/a, /b]}
            """, file: "t.yaml").layout
        for colors in [false, true] {
            let backend = TestBackend(width: 60, height: 14, colors: colors)
            let loop = DashboardLoop(board: Board(layout: layout, sources: [("main", LiveStore.Configuration())]), backend: backend,
                                     fps: 10, ascii: false)
            var events = [DashboardLoopTests.open()]
            for i in 0..<20 { events.append(DashboardLoopTests.message(#"{"a":\#(i),"b":\#(20 - i)}"#, at: Double(i) / 4)) }
            _ = loop.step(events, sourcesFinished: false, monotonic: 5, wall: DashboardLoopTests.t0 + 5)
            let text = backend.screen.lines.joined(separator: "\n")
            #expect(text.contains(colors ? "● a" : "* a") && text.contains(colors ? "● b" : "+ b"), "\(text)")
            #expect(backend.screen.cells.contains(where: Self.isBraille) == colors, "\(text)")
        }
    }

    // MARK: Y ticks

    @Test(arguments: [
        // low, high, rows → axis low, axis high, ticks
        (0.0, 9.0, 6, 0.0, 10.0, [0.0, 5, 10]),
        (8.4, 9.51, 9, 8, 10, [8, 8.5, 9, 9.5, 10]),
        (8.4, 9.51, 5, 8, 10, [8, 9, 10]),
        (-3.2, 4.1, 7, -5, 5, [-5, 0, 5]),
        (0.1, 0.3, 5, 0.1, 0.3, [0.1, 0.2, 0.3]),
        (1200, 1830, 12, 1200, 2000, [1200, 1400, 1600, 1800, 2000]),
        (0.0042, 0.0049, 9, 0.0042, 0.005, [0.0042, 0.0044, 0.0046, 0.0048, 0.005]),
    ] as [(Double, Double, Int, Double, Double, [Double])])
    func ticksAreRoundAndWidenTheRangeToThem(_ low: Double, _ high: Double, _ rows: Int, _ axisLow: Double, _ axisHigh: Double, _ values: [Double]) throws {
        let ticks = try #require(LineChart.valueTicks(low: low, high: high, rows: rows))
        #expect(ticks.low == axisLow && ticks.high == axisHigh && ticks.values == values)
        #expect((3...5).contains(ticks.values.count) && ticks.values.count <= (rows + 1) / 2)
        // Evenly spaced, by a step of 1, 2 or 5 × 10^k.
        let step = ticks.values[1] - ticks.values[0]
        let mantissa = step / pow(10, log10(step).rounded(.down))
        #expect([1.0, 2, 5].contains { abs($0 - mantissa) < 1e-6 }, "step \(step)")
    }

    @Test func fixedEndsStayAndTheirTicksAreInside() throws {
        let percent = try #require(LineChart.valueTicks(low: 0, high: 100, rows: 9, lowFixed: true, highFixed: true))
        #expect(percent.low == 0 && percent.high == 100 && percent.values == [0, 50, 100])
        let capped = try #require(LineChart.valueTicks(low: 3, high: 100, rows: 9, lowFixed: false, highFixed: true))
        #expect(capped.low == 0 && capped.high == 100 && capped.values == [0, 50, 100])
        let odd = try #require(LineChart.valueTicks(low: 7, high: 93, rows: 9, lowFixed: true, highFixed: true))
        #expect(odd.low == 7 && odd.high == 93 && odd.values == [20, 40, 60, 80])
    }

    @Test(arguments: [(0.0, 1.0, 2), (0, 9, 4), (5, 5, 9), (-Double.infinity, 1, 9), (0, .nan, 9), (-1e308, 1e308, 9), (1e15, 1e15 + 0.25, 9)]
          as [(Double, Double, Int)])
    func noTicksWhereNoneCanBeRound(_ low: Double, _ high: Double, _ rows: Int) {
        #expect(LineChart.valueTicks(low: low, high: high, rows: rows) == nil)
    }

    @Test func tickLabelsShareTheStepsDecimals() throws {
        let ticks = try #require(LineChart.valueTicks(low: 8.4, high: 9.51, rows: 9))
        #expect(ticks.values.map(ticks.label) == ["8.0", "8.5", "9.0", "9.5", "10.0"])
        let negative = try #require(LineChart.valueTicks(low: -0.4, high: 0.3, rows: 5))
        #expect(negative.values.map(negative.label) == ["-0.5", "0.0", "0.5"])  // never "-0.0"
        let big = try #require(LineChart.valueTicks(low: 2e6, high: 9e6, rows: 9))
        #expect(big.values.map(big.label).allSatisfy { $0.count <= 8 })
    }

    /// Each label is in the row its value's line is drawn in, with `┤` beside it.
    @Test func theChartLabelsItsRowsWithRoundTicks() {
        var buffer = Buffer(width: 34, height: 12, fill: Self.marker)
        let area = Rect(x: 2, y: 1, width: 30, height: 10)
        LineChart(series: [ChartWidgetTests.rising()], now: Self.now, glyphs: .unicode).render(in: area, into: &buffer)
        #expect(ChartWidgetTests.untouchedOutside(area, buffer))
        // Legend row 1, plot rows 2...9 (8 rows: 4 ticks at most), time row 10.
        var found: [(row: Int, text: String)] = []
        for y in 2...9 {
            let line = Array(buffer.lines[y])
            guard let edge = line.firstIndex(of: "┤") else { continue }
            found.append((y, String(line[2..<edge]).trimmingCharacters(in: CharacterSet(charactersIn: " ·"))))
        }
        #expect(found.count >= 3 && found.count <= 4, "\(buffer.lines.joined(separator: "\n"))")
        #expect(found.first?.row == 2 && found.last?.row == 9 && found.last?.text == "0")
        // The rising line reaches the top row at its right end: the top tick is the round number at or above 9.
        #expect(found.first.map { Double($0.text) ?? 0 } ?? 0 >= 9)
        // No other edge glyph on a labelled row, `│` on the others.
        #expect((2...9).allSatisfy { y in found.contains { $0.row == y } == buffer.lines[y].contains("┤") })
    }

    @Test func aLayoutFormatWritesTheTicksWithItsUnit() throws {
        let layout = try LayoutFile.parse("""
            rows:
              - panels:
                  - {kind: chart, title: cpu, value: /cpu, format: "%.0f%%"}
            """, file: "t.yaml").layout
        var board = Board(layout: layout, stores: [("main", LiveStore())])
        for i in 0..<30 {
            board.apply(.messages(MessageBatch(texts: [#"{"cpu":\#(20 + i)}"#]), at: Self.now + Double(i)), source: 0)
        }
        let lines = Screen.render(board, view: ViewState(), width: 50, height: 14, now: Self.now + 29).buffer.lines
        #expect(lines.contains { $0.contains("50%┤") } && lines.contains { $0.contains("20%┤") }, "\(lines.joined(separator: "\n"))")
    }

    // MARK: Time labels

    @Test func theTimeRowHasRoundTimesBetweenTheSpanAndNow() {
        var buffer = Buffer(width: 60, height: 8, fill: Self.marker)
        let series = LineChart.Series(name: "rx", history: Self.history((0..<61).map { Double($0 % 7) }), color: .cyan)
        LineChart(series: [series], now: Self.now, glyphs: .unicode).render(in: buffer.area, into: &buffer)
        let row = buffer.lines[7]
        #expect(row.contains("-60s") && row.hasSuffix("now"))
        let labels = row.split(separator: "·").map(String.init).filter { !$0.isEmpty }
        #expect(labels.first == "-60s" && labels.last == "now")
        // Round steps back from now, in order, at least two spaces apart.
        let between = labels.dropFirst().dropLast()
        #expect(between.count >= 2, "\(row)")
        let seconds = between.compactMap { Int($0.dropFirst().dropLast()) }
        #expect(seconds.count == between.count && seconds == seconds.sorted(by: >), "\(row)")
        #expect(seconds.allSatisfy { $0 % 10 == 0 || $0 % 15 == 0 })
        #expect(!row.contains { $0 != "·" && $0 != "-" && $0 != "s" && $0 != "n" && $0 != "o" && $0 != "w" && !$0.isNumber })
        // Each label is centred under the column of its time: -30s half way along the plot.
        if let thirty = row.range(of: "-30s") {
            let centre = row.distance(from: row.startIndex, to: thirty.lowerBound) + 2
            let plotStart = Array(buffer.lines[2]).firstIndex { $0 == "┤" || $0 == "│" }.map { $0 + 1 } ?? 0
            let middle = plotStart + (60 - plotStart) / 2
            #expect(abs(centre - middle) <= 1, "\(row)")
        }
    }

    @Test func aNarrowTimeRowKeepsOnlyTheEnds() {
        var buffer = Buffer(width: 16, height: 6, fill: Self.marker)
        LineChart(series: [ChartWidgetTests.rising()], now: Self.now, glyphs: .unicode).render(in: buffer.area, into: &buffer)
        let labels = buffer.lines[5].split(separator: "·").filter { !$0.isEmpty }
        #expect(labels == ["-9s", "now"], "\(buffer.lines[5])")
    }

    @Test(arguments: [(60.0, 50, 15.0), (60, 200, 5), (9, 27, 5), (3600, 60, 600), (2, 10, nil), (0.5, 80, nil)] as [(Double, Int, Double?)])
    func timeStepsAreRoundAndLeaveRoomForTheirLabels(_ span: Double, _ columns: Int, _ step: Double?) {
        #expect(LineChart.timeStep(span: span, columns: columns) == step)
    }

    // MARK: Sparklines from a baseline

    static let sparks = Glyphs.unicode.sparks

    static func spark(_ values: [Double], baseline: Double = 0, width: Int? = nil) -> String {
        var buffer = Buffer(width: width ?? values.count, height: 1, fill: marker)
        Sparkline(values: values, glyphs: .unicode, baseline: baseline).render(in: buffer.area, into: &buffer)
        return buffer.lines[0]
    }

    @Test(arguments: [
        ([8.4, 9.0, 9.51], 0.0, "▇██"),     // from zero: a small change stays small
        ([8.4, 9.0, 9.51], 8, "▃▆█"),       // a declared baseline
        ([0, 1, 2, 3, 7], 0, "▁▂▃▄█"),
        ([-5, -2, 3], 0, "▁▄█"),            // negative data: the baseline at the min
        ([-10, -5], 0, "▁█"),
        ([1, 5], 10, "▁█"),                 // data under a declared baseline: from its min
        ([0, 0, 0], 0, "▁▁▁"),              // at the baseline: the lowest glyph
        ([5, 5], 0, "██"),
        ([2, .nan, 4], 0, "▅▁█"),
    ] as [([Double], Double, String)])
    func sparklinesScaleFromTheirBaseline(_ values: [Double], _ baseline: Double, _ expected: String) {
        #expect(Self.spark(values, baseline: baseline) == expected)
    }

    @Test func aTileDeclaresItsSparklinesBaseline() throws {
        func tile(_ extra: String) throws -> String {
            let layout = try LayoutFile.parse("""
                rows:
                  - panels:
                      - {kind: tile, title: load, value: /load\(extra)}
                """, file: "t.yaml").layout
            var board = Board(layout: layout, stores: [("main", LiveStore())])
            for (i, v) in [8.4, 8.7, 9.0, 9.51].enumerated() {
                board.apply(.messages(MessageBatch(texts: [#"{"load":\#(v)}"#]), at: Self.now + Double(i)), source: 0)
            }
            let lines = Screen.render(board, view: ViewState(), width: 30, height: 6, now: Self.now + 4).buffer.lines
            return try #require(lines.first { $0.contains("8.4..9.51") })
        }
        #expect(try tile("").contains("▇▇██ 8.4..9.51"))
        #expect(try tile(", baseline: 8").contains("▃▄▆█ 8.4..9.51"))
    }

    @Test func aBaselineThatIsNotANumberIsALoadErrorAndOnAGaugeAWarning() throws {
        #expect(throws: LayoutError.self) {
            try LayoutFile.parse("rows:\n  - panels:\n      - {kind: tile, value: /x, baseline: low}\n", file: "t.yaml")
        }
        do {
            _ = try LayoutFile.parse("rows:\n  - panels:\n      - {kind: tile, value: /x, baseline: low}\n", file: "t.yaml")
        } catch {
            #expect(error.description == "t.yaml:3:43: expected a number for 'baseline', not 'low'")
        }
        let parsed = try LayoutFile.parse("rows:\n  - panels:\n      - {kind: gauge, value: /x, baseline: 3}\n", file: "t.yaml")
        #expect(parsed.warnings == ["t.yaml:3:34: key 'baseline' does not apply to a gauge panel (ignored)"])
        #expect(parsed.layout.panels[0].baseline == nil)
    }

    // MARK: Series colours from the layout

    static let coloured = """
        rows:
          - panels:
              - kind: chart
                title: net
                series:
                  - {value: /rx, color: red}
                  - /tx
                  - {value: "/rx + /tx", color: grey}
        """

    @Test func seriesTakeTheirColourFromTheLayoutAndTheOthersThePalette() throws {
        let layout = try LayoutFile.parse(Self.coloured, file: "t.yaml").layout
        #expect(layout.panels[0].colors == [.red, nil, .gray])
        var board = Board(layout: layout, stores: [("main", LiveStore())])
        for i in 0..<10 {
            board.apply(.messages(MessageBatch(texts: [#"{"rx":\#(i),"tx":\#(10 - i)}"#]), at: Self.now + Double(i)), source: 0)
        }
        let buffer = Screen.render(board, view: ViewState(), width: 60, height: 14, now: Self.now + 9).buffer
        func legendColour(_ name: String) throws -> Style.Color {
            let y = try #require(buffer.lines.firstIndex { $0.contains("● \(name) ") })
            let x = try #require(Array(buffer.lines[y]).firstIndex(of: "●"))
            return buffer[x, y].style.foreground
        }
        #expect(try legendColour("rx") == .red)
        #expect(try legendColour("tx") == LineChart.palette[1])
        #expect(try legendColour("/rx + /tx") == .gray)
        #expect(Set(buffer.cells.filter(Self.isBraille).map(\.style.foreground)).isSubset(of: [.red, LineChart.palette[1], .gray]))
        #expect(buffer.cells.filter(Self.isBraille).contains { $0.style.foreground == .red })
    }

    @Test func aPanelColourAppliesToTheSeriesThatNameNone() throws {
        let layout = try LayoutFile.parse("""
            rows:
              - panels:
                  - {kind: chart, series: [/a, {value: /b, color: blue}], color: yellow}
            """, file: "t.yaml").layout
        #expect(layout.panels[0].colors == [.yellow, .blue])
        let plain = try LayoutFile.parse("rows:\n  - panels:\n      - {kind: chart, series: [/a, /b]}\n", file: "t.yaml").layout
        #expect(plain.panels[0].colors.isEmpty)
    }

    @Test(arguments: [
        ("      - {kind: chart, series: [{value: /a, color: pink}]}\n", "t.yaml:3:51: unknown color 'pink'; expected red, green, yellow, blue, magenta, cyan, white, gray (or grey) or default"),
        ("      - {kind: chart, value: /a, color: Red}\n", "t.yaml:3:41: unknown color 'Red'; expected red, green, yellow, blue, magenta, cyan, white, gray (or grey) or default"),
        ("      - {kind: chart, series: [{color: red}]}\n", "t.yaml:3:32: an entry of 'series' written as a mapping needs 'value', such as {value: /cpu, color: red}"),
        ("      - {kind: chart, series: [[/a]]}\n", "t.yaml:3:32: expected strings or {value: …, color: …} in 'series', not a list"),
    ])
    func aBadColourIsALoadErrorWithItsPlace(_ panel: String, _ message: String) {
        do {
            _ = try LayoutFile.parse("rows:\n  - panels:\n" + panel, file: "t.yaml")
            Issue.record("accepted \(panel)")
        } catch {
            #expect(error.description == message)
        }
    }

    @Test func aColourOnAnotherKindIsAWarning() throws {
        let parsed = try LayoutFile.parse("rows:\n  - panels:\n      - {kind: tile, values: [{value: /a, color: red}]}\n", file: "t.yaml")
        #expect(parsed.warnings == ["t.yaml:3:43: key 'color' does not apply to a tile panel (ignored)"])
        #expect(parsed.layout.panels[0].colors.isEmpty && parsed.layout.panels[0].values.count == 1)
    }

    // MARK: Snapshots

    /// Two series over a minute, the y axis at round ticks and the time row labelled.
    static func networkBoard(_ yaml: String) throws -> Board {
        let layout = try LayoutFile.parse(yaml, file: "t.yaml").layout
        var board = Board(layout: layout, stores: [("main", LiveStore())])
        for i in 0...60 {
            let rx = 1200 + 500 * sin(Double(i) / 6) + Double(i * 3)
            let tx = 300 + 150 * cos(Double(i) / 9)
            board.apply(.messages(MessageBatch(texts: [#"{"rx":\#(rx),"tx":\#(tx)}"#]), at: Self.now + Double(i)), source: 0)
        }
        return board
    }

    static let network = """
        rows:
          - panels:
              - {kind: chart, title: network kbit/s, series: [/rx, /tx]}
        """

    @Test func snapshotOfYTicksAndTimeLabels() throws {
        let buffer = Screen.render(try Self.networkBoard(Self.network), view: ViewState(), width: 70, height: 16, now: Self.now + 60).buffer
        try ScreenSnapshotTests.check("chart-ticks-70x16", buffer)
    }

    @Test func snapshotOfNoColorMarkers() throws {
        var view = ViewState()
        view.noColor = true
        let backend = TestBackend(width: 70, height: 16, colors: false)
        backend.draw(Screen.render(try Self.networkBoard(Self.network), view: view, width: 70, height: 16, now: Self.now + 60).buffer)
        #expect(backend.screen.cells.allSatisfy { $0.style.foreground == .default })
        try ScreenSnapshotTests.check("chart-no-color-70x16", backend.screen)
    }

    /// Text, then each cell's colour as a letter (`.` for none): the colours a layout gave.
    @Test func snapshotOfSeriesColours() throws {
        let yaml = """
            rows:
              - panels:
                  - kind: chart
                    title: network kbit/s
                    series: [{value: /rx, color: red}, {value: /tx, color: green}]
            """
        let buffer = Screen.render(try Self.networkBoard(yaml), view: ViewState(), width: 70, height: 16, now: Self.now + 60).buffer
        let letters: [Style.Color: Character] = [.default: ".", .red: "r", .green: "g", .yellow: "y", .blue: "b", .magenta: "m",
                                                  .cyan: "c", .white: "w", .gray: "a"]
        var colours = Buffer(width: buffer.width, height: buffer.height)
        for y in 0..<buffer.height {
            for x in 0..<buffer.width where !buffer[x, y].text.isEmpty {
                colours[x, y] = Cell(text: String(letters[buffer[x, y].style.foreground] ?? "?"), style: .plain)
            }
        }
        var both = Buffer(width: buffer.width, height: buffer.height * 2)
        for y in 0..<buffer.height {
            for x in 0..<buffer.width {
                both[x, y] = buffer[x, y]
                both[x, y + buffer.height] = colours[x, y]
            }
        }
        try ScreenSnapshotTests.check("chart-colors-70x16", both)
    }
}
