import Foundation
import LiveModel
import Testing
@testable import livetop

/// Small windows degrade by hiding whole panels, with a line that says so, never by blank lines
/// or a table reduced to its header: the demo layout with its alert raised at 40x10 and 20x5.
@Suite struct SmallScreenTests {
    static func demo(_ width: Int, _ height: Int) throws -> Buffer {
        let board = LayoutScreenTests.demoBoard(try DemoLayout.parsed())
        #expect(!board.monitor.active.isEmpty, "the api service's alert is raised")
        return LayoutScreenTests.render(board, width: width, height: height)
    }

    /// 40x10 with the alert strip: the rows that fit are drawn whole (the services table, whose
    /// alert is raised, first), the others hidden and counted on the last line of the panels.
    @Test func at40x10PanelsThatDoNotFitAreHiddenWithANote() throws {
        let buffer = try Self.demo(40, 10)
        let lines = buffer.lines
        #expect(lines.count == 10 && lines.allSatisfy { TerminalText.width($0) == 40 })
        // Panels on rows 0..<8, the alert strip on 8, the status line on 9.
        #expect(lines[7].contains("panels hidden: 40x10 too small"), "\(lines.joined(separator: "\n"))")
        #expect(lines[8].contains("services") && lines[9].contains("alerts"))
        #expect(lines[0..<8].allSatisfy { !$0.trimmingCharacters(in: .whitespaces).isEmpty },
                "no blank line:\n\(lines.joined(separator: "\n"))")
        // The services table shows a row of data or says how many rows it has, not a header alone.
        let title = try #require(lines.firstIndex { $0.contains("services (") }, "\(lines.joined(separator: "\n"))")
        let under = lines[title + 2]
        #expect(under.contains("more rows") || ["api", "auth", "payments", "search", "web"].contains { under.contains($0) }, "\(under)")
        try ScreenSnapshotTests.check("layout-demo-40x10", buffer)
    }

    /// 20x5: the panels as one line of titles each (nothing framed fits beside a note), and the
    /// status line cut with `…`.
    @Test func at20x5TheStatusLineEndsWithAnEllipsis() throws {
        let buffer = try Self.demo(20, 5)
        #expect(buffer.lines[4].hasSuffix("…"), "\(buffer.lines[4])")
        #expect(buffer.lines.allSatisfy { !$0.trimmingCharacters(in: .whitespaces).isEmpty })
        try ScreenSnapshotTests.check("layout-demo-20x5", buffer)
    }

    /// A table in one line (no room for a row under its header) says how many rows it holds.
    @Test func aTableOfOneLineCountsItsRows() {
        var buffer = Buffer(width: 30, height: 1)
        let header = RowTable(columns: ["host", "cpu"], rows: [["a", "1"], ["b", "2"]], sortColumn: nil, glyphs: .unicode)
            .render(in: buffer.area, into: &buffer)
        #expect(buffer.lines[0].hasPrefix("+2 more rows") && header == nil)
    }

    /// `share` with a minimum per part: a table's row keeps room for a line under its header.
    @Test func rowsShareTheHeightWithTheirOwnMinimums() {
        #expect(LayoutScreen.share(7, weights: [3, 3], minimums: [3, 4]) == [3, 4])
        #expect(LayoutScreen.share(6, weights: [3, 3], minimums: [3, 4]) == nil)
        #expect(LayoutScreen.share(20, weights: [3, 1], minimums: [3, 3]) == LayoutScreen.share(20, weights: [3, 1], minimum: 3))
    }
}
