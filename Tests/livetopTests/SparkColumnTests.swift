import Foundation
import LiveModel
import Testing
@testable import livetop

/// Table columns declared `spark: true`: each row's recent history as a sparkline, newest at the
/// right, coloured by the row's level, cut from the left when the table narrows, in ASCII with
/// --ascii; and read only for the rows shown.
@Suite struct SparkColumnTests {
    static let now = Timestamp(seconds: 1_795_708_529)

    static let yaml = """
        sources: [{name: fleet}]
        rows:
          - panels:
              - kind: table
                title: hosts
                rows: /hosts
                columns:
                  - {key: cpu, format: "%.0f", thresholds: {warn: 70, crit: 90}}
                  - {key: cpu, title: cpu trend, spark: 12, thresholds: {warn: 70, crit: 90}}
                  - {key: rx, title: rx/s, rate: true, spark: 8}
                  - state
                sort: -cpu
        """

    /// Twelve samples a host, each a second apart: alpha climbs from 0 to 99, beta falls from 55
    /// to 0, gamma stays at 0 then jumps once, delta has one sample only (no trend yet). rx is a
    /// counter still for five seconds, then growing faster each second. Every sparkline drawn
    /// (the twelve cpu samples, the last eight rates) includes 0, so one scaled from a zero
    /// baseline draws the same as one scaled from its samples' minimum.
    static func board(_ yaml: String = yaml, samples: Int = 12) throws -> Board {
        let layout = try LayoutFile.parse(yaml, file: "spark.yaml").layout
        var store = LiveStore()
        store.apply(.connection(.open(transport: .websocket), at: now))
        for i in 0..<samples {
            let alpha = i * 9, beta = 55 - i * 5, gamma = i == samples - 1 ? 40 : 0
            let rx = max(0, i - 4) * max(0, i - 4) * 100
            var text = #"{"hosts":{"alpha":{"cpu":\#(alpha),"rx":\#(rx),"state":"up"},"beta":{"cpu":\#(beta),"rx":\#(rx / 2),"state":"up"},"gamma":{"cpu":\#(gamma),"rx":0,"state":"degraded"}"#
            if i == samples - 1 { text += #","delta":{"cpu":5,"rx":0,"state":"new"}"# }
            text += "}}"
            store.apply(.messages(MessageBatch(texts: [text]), at: now + Double(i)))
        }
        return Board(layout: layout, stores: [("fleet", store)])
    }

    static func render(_ board: Board, width: Int, height: Int, ascii: Bool = false) -> Buffer {
        var view = ViewState()
        view.ascii = ascii
        return Screen.render(board, view: view, width: width, height: height, now: now + 12).buffer
    }

    static func row(_ lines: [String], _ name: String) throws -> Int {
        try #require(lines.firstIndex { $0.contains("│\(name) ") }, "\(lines.joined(separator: "\n"))")
    }

    @Test func theColumnIsParsed() throws {
        let columns = try #require(try Self.board().layout?.panels.first?.columns)
        #expect(columns.map(\.spark) == [nil, 12, 8, nil])
        let spelled = try LayoutFile.parse("rows: [{panels: [{kind: table, columns: [{key: a, spark: true}, {key: b, spark: false}]}]}]",
                                           file: "l.yaml").layout
        #expect(spelled.panels[0].columns.map(\.spark) == [10, nil])
        #expect(columns[2].derivation == .rate)
    }

    /// The rising host's trend goes from the lowest glyph to the highest, newest at the right;
    /// the falling one the other way; one sample is no trend yet (blank).
    @Test func eachRowShowsItsOwnHistory() throws {
        let buffer = Self.render(try Self.board(), width: 80, height: 10)
        let lines = buffer.lines
        #expect(lines[1].contains("cpu trend") && lines[1].contains("rx/s"))
        let alpha = try Self.row(lines, "alpha"), beta = try Self.row(lines, "beta"), delta = try Self.row(lines, "delta")
        // All twelve samples (0 ... 99), scaled to their range.
        #expect(lines[alpha].contains("99 ✖ ▁▂▂▃▄▄▅▅▆▇▇█"), "\(lines[alpha])")
        #expect(lines[beta].contains("0    █▇▇▆▅▅▄▄▃▂▂▁"), "\(lines[beta])")
        #expect(!lines[delta].contains("▁") && !lines[delta].contains("█"), "\(lines[delta])")
        // Rows sorted by the layout's `sort: -cpu`.
        #expect(alpha < delta && delta < beta)
    }

    /// A rate column's sparkline is of the rate: rx grows faster every second, so its rate
    /// rises steadily, one glyph a step over the 8 cells declared; a counter that never moves
    /// has a flat rate of 0: the lowest glyph, as sparklines scale from zero.
    @Test func aRateColumnDrawsTheRatesHistory() throws {
        let lines = Self.render(try Self.board(), width: 80, height: 10).lines
        let alpha = try Self.row(lines, "alpha"), gamma = try Self.row(lines, "gamma")
        #expect(lines[alpha].contains("▁▂▃▄▅▆▇█ up "), "\(lines[alpha])")
        #expect(lines[gamma].contains("▁▁▁▁▁▁▁▁ degraded"), "\(lines[gamma])")
    }

    /// The sparkline takes the level of the row's value now: alpha at 99 is crit (red), gamma at
    /// 40 has no level past ok (green); without thresholds it is cyan.
    @Test func theSparklineTakesTheRowsLevelColour() throws {
        let backend = TestBackend(width: 80, height: 10)
        backend.draw(Self.render(try Self.board(), width: 80, height: 10))
        let lines = backend.screen.lines
        func colour(of glyph: Character, row: Int, after: Int = 0) throws -> Style.Color {
            let x = try #require(Array(lines[row]).indices.first { $0 >= after && Array(lines[row])[$0] == glyph }, "\(lines[row])")
            return backend.screen[x, row].style.foreground
        }
        let alpha = try Self.row(lines, "alpha"), gamma = try Self.row(lines, "gamma")
        #expect(try colour(of: "█", row: alpha) == .red)
        #expect(try colour(of: "█", row: gamma) == .green)
        // The rx/s column (no thresholds) starts after the trend column.
        let header = Array(lines[1])
        let rx = try #require(header.indices.first { String(header[$0...].prefix(4)) == "rx/s" })
        #expect(try colour(of: "█", row: alpha, after: rx) == .cyan)
        let plain = TestBackend(width: 80, height: 10, colors: false)
        plain.draw(Self.render(try Self.board(), width: 80, height: 10))
        #expect(plain.screen.cells.allSatisfy { $0.style.foreground == .default })
        #expect(plain.screen.lines[alpha].contains("99 ✖"))  // the value column carries the mark
    }

    /// Narrowed, the trend column loses its oldest samples (left), never its newest, and gets no `…`.
    @Test func aNarrowedColumnKeepsTheNewestSamples() throws {
        let lines = Self.render(try Self.board(), width: 36, height: 10).lines
        let alpha = try Self.row(lines, "alpha")
        #expect(lines[alpha].contains("▇█"), "\(lines.joined(separator: "\n"))")
        #expect(!lines[alpha].contains("▁▂▃▃▄▅▆▆▇█"))
        #expect(lines.allSatisfy { TerminalText.width($0) == 36 })
    }

    @Test func asciiDrawsTheSparklineInASCII() throws {
        let buffer = Self.render(try Self.board(), width: 80, height: 10, ascii: true)
        #expect(buffer.lines.joined().unicodeScalars.allSatisfy { $0.isASCII })
        let alpha = try #require(buffer.lines.firstIndex { $0.contains("|alpha ") })
        #expect(buffer.lines[alpha].contains("_..-~~==+**#"), "\(buffer.lines[alpha])")
        try ScreenSnapshotTests.check("table-spark-ascii-80x10", buffer)
    }

    @Test func snapshot() throws {
        try ScreenSnapshotTests.check("table-spark-80x10", Self.render(try Self.board(), width: 80, height: 10))
    }

    /// A table of 20,000 hosts: the rows shown have their sparklines, and the rest are counted.
    /// (The history is read inside the row closure `RowTable` calls only for the rows it shows;
    /// `TableRows`, worked out once per store revision, reads keys only.)
    @Test func aLargeTableDrawsTheSparklinesOfTheRowsShown() throws {
        let layout = try LayoutFile.parse("""
            rows: [{panels: [{kind: table, rows: /hosts, columns: [{key: cpu, spark: 4}]}]}]
            """, file: "big.yaml").layout
        var store = LiveStore()
        store.apply(.connection(.open(transport: .websocket), at: Self.now))
        for i in 0..<4 {
            let hosts = (0..<20_000).map { #""h\#(String(format: "%05d", $0))":{"cpu":\#(i * ($0 % 3))}"# }.joined(separator: ",")
            store.apply(.messages(MessageBatch(texts: [#"{"hosts":{\#(hosts)}}"#]), at: Self.now + Double(i)))
        }
        let lines = Self.render(Board(layout: layout, stores: [("main", store)]), width: 40, height: 12).lines
        // Under the header, rows h00000 (cpu always 0: flat at the lowest glyph), h00001 (0, 1, 2, 3), h00002 (0, 2, 4, 6).
        #expect(lines[2].hasPrefix("│h00000 ▁▁▁▁"), "\(lines.joined(separator: "\n"))")
        #expect(lines[3].hasPrefix("│h00001 ▁▃▆█") && lines[4].hasPrefix("│h00002 ▁▃▆█"), "\(lines.joined(separator: "\n"))")
        #expect(lines[9].contains("+19,993 more rows"), "\(lines.joined(separator: "\n"))")
    }
}
