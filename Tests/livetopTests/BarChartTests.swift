import Foundation
import LiveModel
import Testing
@testable import livetop

/// The bars panel (`kind: bars`): one bar per value, sorted, `+N more` past the rows, thresholds
/// colouring a bar and marking its value, ASCII drawing, labels cut whole; drawn alone into a
/// buffer pre-filled with a marker (so drawing outside its area shows) and on a whole screen
/// through the TestBackend, as a terminal shows it.
@Suite struct BarChartTests {
    static let now = Timestamp(seconds: 1_795_708_529)
    static let marker = Cell(text: "·", style: .plain)

    static func bar(_ label: String, _ value: Double?, _ level: Level? = nil) -> BarChart.Bar {
        BarChart.Bar(label: label, value: value.map(JSONValue.double), level: level)
    }

    /// The chart drawn in the middle of a marker-filled buffer; returns the rows of its area and
    /// checks that nothing outside it changed.
    static func draw(_ chart: BarChart, width: Int, height: Int) -> (lines: [String], buffer: Buffer, area: Rect) {
        var buffer = Buffer(width: width + 2, height: height + 2, fill: marker)
        let area = Rect(x: 1, y: 1, width: width, height: height)
        chart.render(in: area, into: &buffer)
        for y in 0..<buffer.height {
            for x in 0..<buffer.width where !(x >= area.x && x < area.maxX && y >= area.y && y < area.maxY) {
                #expect(buffer[x, y] == marker, "drawn outside the area at \(x),\(y)")
            }
        }
        let lines = (area.y..<area.maxY).map { y in (area.x..<area.maxX).map { buffer[$0, y].text }.joined() }
        return (lines, buffer, area)
    }

    static func labels(_ lines: [String]) -> [String] {
        lines.map { String($0.prefix { $0 != " " && $0 != "|" }) }.filter { !$0.isEmpty && $0 != "·" }
    }

    @Test func barsAreSortedLargestFirstByDefault() {
        let chart = BarChart(bars: [Self.bar("a", 3), Self.bar("b", 10), Self.bar("c", 7), Self.bar("d", nil)], glyphs: .unicode)
        let (lines, _, _) = Self.draw(chart, width: 30, height: 4)
        #expect(Self.labels(lines) == ["b", "c", "a", "d"], "\(lines)")
        // The largest fills the whole bar (30 - label - two spaces - the widest text "10" = 25 cells);
        // the missing value has no bar and shows "-".
        #expect(lines[0].hasPrefix("b " + String(repeating: "█", count: 25) + " 10"), "\(lines[0])")
        #expect(lines[3].hasPrefix("d  -"), "\(lines[3])")
    }

    @Test(arguments: [
        ("-value", ["cpu10", "cpu2", "cpu1", "cpu0"]),
        ("value", ["cpu0", "cpu1", "cpu2", "cpu10"]),
        ("label", ["cpu0", "cpu1", "cpu2", "cpu10"]),  // digits read as numbers: cpu2 before cpu10
        ("-label", ["cpu10", "cpu2", "cpu1", "cpu0"]),
        ("none", ["cpu1", "cpu10", "cpu0", "cpu2"]),
    ])
    func everySortSpelling(_ spelling: String, _ expected: [String]) throws {
        let sort = try #require(BarSort(spelling))
        let bars = [Self.bar("cpu1", 20), Self.bar("cpu10", 90), Self.bar("cpu0", 5), Self.bar("cpu2", 40)]
        #expect(BarChart.ordered(bars, by: sort).map(\.label) == expected)
        #expect(sort.description == spelling)
    }

    /// Ten keys in four rows: the three largest, and the last row counts the rest.
    @Test func keysPastTheRowsAreCounted() {
        let bars = (1...10).map { Self.bar("k\($0)", Double($0)) }
        let (lines, _, _) = Self.draw(BarChart(bars: bars, glyphs: .unicode), width: 30, height: 4)
        #expect(Self.labels(lines) == ["k10", "k9", "k8", "+7"], "\(lines)")
        #expect(lines[3].hasPrefix("+7 more"))
        // All fit: no count.
        let fits = Self.draw(BarChart(bars: Array(bars.prefix(4)), glyphs: .unicode), width: 30, height: 4).lines
        #expect(!fits.joined().contains("more"))
    }

    /// The value is printed where the bar ends, one space after its last cell.
    @Test func theValueFollowsTheBarsEnd() {
        let chart = BarChart(bars: [Self.bar("x", 100), Self.bar("y", 50), Self.bar("z", 0)], format: "%.0f%%", glyphs: .unicode)
        let (lines, _, _) = Self.draw(chart, width: 26, height: 3)
        // label 1 + space + bar 19 (26 - 1 - 1 - 1 - "100%") + space + text.
        #expect(lines[0] == "x " + String(repeating: "█", count: 19) + " 100%", "\(lines[0])")
        #expect(lines[1].hasPrefix("y " + String(repeating: "█", count: 9) + "▌ 50%"), "\(lines[1])")
        #expect(lines[2].hasPrefix("z  0%"), "\(lines[2])")
    }

    /// `min`/`max` fix the scale; a value past `max` is a full bar beside its true number.
    @Test func aFixedRangeClampsTheBarNotTheNumber() {
        let chart = BarChart(bars: [Self.bar("over", 150), Self.bar("half", 50)], min: 0, max: 100, glyphs: .ascii)
        let (lines, _, _) = Self.draw(chart, width: 20, height: 2)
        // 20 - 4 - 1 - 1 - 3 = 11 cells.
        #expect(lines[0] == "over|" + String(repeating: "#", count: 11) + " 150", "\(lines[0])")
        #expect(lines[1].hasPrefix("half|" + String(repeating: "#", count: 6) + " 50"), "\(lines[1])")
    }

    /// Thresholds colour a bar and its value as a gauge's, and mark the value so the level reads
    /// without colour: through the TestBackend with colours, then as under NO_COLOR.
    @Test func thresholdsColourTheBarAndMarkTheValue() throws {
        let chart = BarChart(bars: [Self.bar("db", 97, .crit), Self.bar("api", 85, .warn), Self.bar("web", 20, .ok)], glyphs: .unicode)
        var frame = Buffer(width: 30, height: 3)
        chart.render(in: frame.area, into: &frame)
        let backend = TestBackend(width: 30, height: 3)
        backend.draw(frame)
        let screen = backend.screen
        #expect(screen.lines[0].hasSuffix("97 ✖") || screen.lines[0].contains("97 ✖"), "\(screen.lines)")
        #expect(screen.lines[1].contains("85 ▲") && !screen.lines[2].contains("▲") && !screen.lines[2].contains("✖"))
        for (row, colour) in [(0, Style.Color.red), (1, .yellow), (2, .green)] {
            let x = try #require(Array(screen.lines[row]).firstIndex(of: "█"))
            #expect(screen[x, row].style.foreground == colour, "row \(row)")
        }
        // The label stays muted, not coloured.
        #expect(screen[0, 0].style.foreground == .default)
        let plain = TestBackend(width: 30, height: 3, colors: false)
        plain.draw(frame)
        #expect(plain.screen.cells.allSatisfy { $0.style.foreground == .default })
        #expect(plain.screen.lines[0].contains("97 ✖") && plain.screen.lines[1].contains("85 ▲"))
    }

    @Test func asciiDrawsHashBars() {
        let chart = BarChart(bars: [Self.bar("a", 8, .crit), Self.bar("b", 4)], glyphs: .ascii)
        let (lines, _, _) = Self.draw(chart, width: 20, height: 2)
        // The marker around the drawn cells is left alone; what the chart drew is ASCII.
        #expect(lines.joined().replacingOccurrences(of: "·", with: "").unicodeScalars.allSatisfy { $0.isASCII }, "\(lines)")
        #expect(lines[0] == "a|" + String(repeating: "#", count: 14) + " 8 X", "\(lines[0])")
        #expect(lines[1].hasPrefix("b|" + String(repeating: "#", count: 7) + " 4"), "\(lines[1])")
    }

    /// A long label is cut with … at a whole grapheme cluster, never inside one, and every row
    /// keeps its width.
    @Test func longLabelsAreCutWithAnEllipsisAtWholeClusters() {
        let family = "👨‍👩‍👧‍👦", flag = "🇯🇵"
        let f = { (s: String, n: Int) in String(repeating: s, count: n) }
        let chart = BarChart(bars: [Self.bar("a" + f(family, 8), 5), Self.bar("-" + f(flag, 8), 3), Self.bar("short", 1)], glyphs: .unicode)
        let (lines, buffer, area) = Self.draw(chart, width: 24, height: 3)
        // 24 columns less the text and two spaces, less 8 for the bar: 13 for the label, cut
        // with … after 12, where a two-column cluster would not fit whole.
        #expect(lines[0].hasPrefix("a" + f(family, 5) + "… "), "\(lines[0])")
        #expect(lines[1].hasPrefix("-" + f(flag, 5) + "… "), "\(lines[1])")
        #expect(lines[2].hasPrefix("short" + String(repeating: " ", count: 8) + " █"), "\(lines[2])")
        for y in area.y..<area.maxY {
            #expect((area.x..<area.maxX).reduce(0) { $0 + (buffer[$1, y].text.isEmpty ? 0 : TerminalText.width(buffer[$1, y].text)) } == 24)
        }
    }

    /// Too narrow for a bar: labels and values stay.
    @Test func narrowAreasKeepLabelsAndValues() {
        let (lines, _, _) = Self.draw(BarChart(bars: [Self.bar("alpha", 12345)], glyphs: .unicode), width: 9, height: 1)
        #expect(lines[0] == "al… 12345", "\(lines[0])")
    }

    @Test func valuesThatAreNotNumbersHaveNoBarAndSortAfterNumbers() {
        let bars = [BarChart.Bar(label: "s", value: "down", level: .crit), Self.bar("n", 2), Self.bar("m", nil)]
        let (lines, _, _) = Self.draw(BarChart(bars: bars, glyphs: .unicode), width: 20, height: 3)
        #expect(Self.labels(lines) == ["n", "s", "m"])
        #expect(lines[1].hasPrefix("s  down ✖"), "\(lines[1])")
    }

    // MARK: On the screen, from a layout

    static let layoutYAML = """
        sources: [{name: fleet}]
        rows:
          - panels:
              - {kind: bars, title: cpu by core, value: /cpu_by_core, format: "%.0f%%", max: 100, thresholds: {warn: 70, crit: 90}}
              - {kind: bars, title: host load, value: /hosts/*/load, sort: label}
          - panels:
              - {kind: bars, title: memory, values: [/mem/used, /mem/cache, /mem/free], sort: none}
        """

    static func board() throws -> Board {
        let layout = try LayoutFile.parse(layoutYAML, file: "bars.yaml").layout
        var store = LiveStore()
        store.apply(.connection(.open(transport: .websocket), at: now))
        let cores = [12.5, 87, 45.2, 97.1, 3, 66, 71.5, 30, 55, 91.8, 18, 40]
        let byCore = cores.enumerated().map { #""cpu\#($0.offset)":\#($0.element)"# }.joined(separator: ",")
        store.apply(.messages(MessageBatch(texts: [
            #"{"cpu_by_core":{\#(byCore)},"hosts":{"web-2":{"load":1.5},"web-10":{"load":0.25},"db-1":{"load":3.75}},"mem":{"used":6144,"cache":1024,"free":8192}}"#,
        ]), at: now))
        return Board(layout: layout, stores: [("fleet", store)])
    }

    static func render(_ board: Board, width: Int, height: Int, ascii: Bool = false) -> Buffer {
        var view = ViewState()
        view.ascii = ascii
        return Screen.render(board, view: view, width: width, height: height, now: now + 1).buffer
    }

    /// An object's members, a `*` pattern's matches and a list of values each give a bar; the
    /// layout's sort applies; the core panel, too small for twelve cores, counts the rest.
    @Test func aBarsPanelOnTheScreen() throws {
        let buffer = Self.render(try Self.board(), width: 80, height: 16)
        let lines = buffer.lines
        #expect(lines.allSatisfy { TerminalText.width($0) == 80 })
        let left = lines.map { String($0.prefix(40)) }, right = lines.map { String($0.dropFirst(40)) }
        #expect(left[0].hasPrefix("┌ cpu by core ✖ "))
        // Rows 1-6 inside the frame: the five busiest cores, then `+7 more`.
        #expect(left[1].contains("cpu3 ") && left[1].contains("97% ✖"), "\(left[1])")
        #expect(left[2].contains("cpu9 ") && left[3].contains("cpu1 ") && left[4].contains("cpu6 "), "\(left)")
        #expect(left[6].contains("+7 more"), "\(left[6])")
        // Labels A to Z with numbers read as numbers: db-1, web-2, web-10.
        let hosts = right[1...3].map { $0.dropFirst(1).prefix { $0 != " " } }
        #expect(hosts == ["db-1", "web-2", "web-10"], "\(right)")
        // `sort: none` keeps the list's order.
        let memory = lines[9...11].map { $0.dropFirst(1).prefix { $0 != " " } }
        #expect(memory == ["used", "cache", "free"], "\(lines)")
        try ScreenSnapshotTests.check("bars-80x16", buffer)
    }

    @Test func aBarsPanelInASCII() throws {
        let buffer = Self.render(try Self.board(), width: 80, height: 16, ascii: true)
        #expect(buffer.lines.joined().unicodeScalars.allSatisfy { $0.isASCII })
        #expect(buffer.lines[1].contains("|cpu3|") && buffer.lines[1].contains("97% X"), "\(buffer.lines[1])")
        try ScreenSnapshotTests.check("bars-ascii-80x16", buffer)
    }

    /// The bars' levels are observed as any panel's: a bar past `crit` raises the panel's alert,
    /// named by its pointer.
    @Test func aBarPastItsThresholdIsObservedForAlerts() throws {
        let board = try Self.board()
        let panel = try #require(board.layout?.panels.first)
        let content = PanelContent(panel, store: board.sources[0].store, histories: false)
        #expect(content.items.count == 12)
        let crit = content.observations(source: "fleet", panel: panel.title).filter { $0.level == .crit }.map(\.pointer)
        #expect(Set(crit) == ["/cpu_by_core/cpu3", "/cpu_by_core/cpu9"])
    }

    /// examples/demo-bars.yaml on the demo's feed (auth down at 5000 ms, api at 4700 ms): the slowest
    /// services' bars come first, red and marked, and raises the panel's alert; the table's
    /// spark columns draw.
    @Test func theBarsExampleOnTheDemoFeed() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../examples/demo-bars.yaml")
        let layout = try LayoutFile.load(path: url.standardizedFileURL.path).layout
        let board = LayoutScreenTests.demoBoard(layout)
        #expect(board.monitor.active.contains { $0.pointer == "/services/api/latency_ms" && $0.panel == "latency by service" })
        let buffer = LayoutScreenTests.render(board, width: 120, height: 30)
        let lines = buffer.lines
        #expect(lines[1].hasPrefix("│auth ") && lines[1].contains("5000 ms ✖"), "\(lines.joined(separator: "\n"))")
        #expect(lines[2].hasPrefix("│api ") && lines[2].contains("4700 ms ✖"), "\(lines.joined(separator: "\n"))")
        let x = try #require(Array(lines[1]).firstIndex(of: "█"))
        #expect(buffer[x, 1].style.foreground == .red)
        let trend = try #require(lines.firstIndex { $0.contains("latency trend") })
        #expect(lines[(trend + 1)...].prefix(3).allSatisfy { line in line.contains { "▁▂▃▄▅▆▇█".contains($0) } }, "\(lines.joined(separator: "\n"))")
    }
}
