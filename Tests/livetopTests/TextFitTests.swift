import Foundation
import LiveModel
import Testing
import TestSupport
@testable import livetop

/// Text that fits (issue 21): cluster widths, columns that shrink before they drop, and borders
/// intact at every width from 20 to 200 over random Unicode.
@Suite struct TextFitTests {
    @Test func clusterWidths() {
        #expect(TerminalText.width(of: "a") == 1)
        #expect(TerminalText.width(of: "中") == 2)
        #expect(TerminalText.width(of: "e\u{301}") == 1)
        #expect(TerminalText.width(of: "👍🏽") == 2)
        #expect(TerminalText.width(of: "🇯🇵") == 2)
        #expect(TerminalText.width(of: "👨‍👩‍👧‍👦") == 2)
        #expect(TerminalText.width(of: "❤️") == 2)   // VS16 on a text-default emoji
        #expect(TerminalText.width(of: "❤") == 1)
        #expect(TerminalText.width(of: "\u{1F1EF}") == 1)  // a lone regional indicator
        #expect(TerminalText.width(of: "\u{301}") == 0)
        #expect(TerminalText.width(of: "\u{200D}") == 0)
        #expect(TerminalText.width(of: "\u{FE0F}") == 0)
        #expect(TerminalText.width("👍🏽🇯🇵👨‍👩‍👧‍👦x") == 7)
    }

    @Test func cellsHoldWholeClustersAndNeverAStrayJoiner() {
        var buffer = Buffer(width: 10, height: 1)
        buffer.write("👍🏽🇯🇵👨‍👩‍👧‍👦\u{200D}x", x: 0, y: 0)
        #expect(buffer.cells.prefix(7).map(\.text) == ["👍🏽", "", "🇯🇵", "", "👨‍👩‍👧‍👦", "", "x"])
        // Stacked marks past what a cell holds: one placeholder, not a split cluster.
        buffer.write("a" + String(repeating: "\u{301}", count: 40) + "b", x: 0, y: 0)
        #expect(buffer.cells.prefix(2).map(\.text) == [TerminalText.placeholder, "b"])
        // Writing over half of a wide character blanks its other half.
        buffer.write("中中", x: 0, y: 0)
        buffer.write("|", x: 1, y: 0)
        buffer.write("|", x: 2, y: 0)
        #expect(buffer.cells.prefix(4).map(\.text) == [" ", "|", "|", " "])
    }

    @Test func columnsShrinkBeforeAnyIsDropped() {
        #expect(ColumnWidths.fit([10, 10], in: 30) == [10, 10])
        #expect(ColumnWidths.fit([24, 24], in: 38) == [19, 18])
        #expect(ColumnWidths.fit([6, 24, 24], in: 30) == [6, 11, 11])
        #expect(ColumnWidths.fit([24, 24, 24], in: 9) == [4, 4])
        #expect(ColumnWidths.fit([24, 24], in: 3) == [3])
        // A key/value table with one 5,000-character value keeps its value column, cut with …
        var buffer = Buffer(width: 40, height: 3)
        RowTable(columns: ["key", "value"], rows: [["host-a", String(repeating: "v", count: 5000)]], sortColumn: nil, glyphs: .unicode)
            .render(in: buffer.area, into: &buffer)
        #expect(buffer.lines[1].hasPrefix("host-a vvvv") && buffer.lines[1].contains("…"), "\(buffer.lines)")
        #expect(!buffer.lines[0].contains("cols"))
    }

    /// Columns dropped at the right edge are counted there, in room the shown columns leave.
    @Test func theDroppedColumnsNoteSitsBesideTheHeaders() {
        var buffer = Buffer(width: 30, height: 3)
        let columns = (1...8).map { "column\($0)" }
        RowTable(columns: columns, rows: [columns.map { _ in "xxxxxxxx" }], sortColumn: nil, glyphs: .unicode)
            .render(in: buffer.area, into: &buffer)
        let header = buffer.lines[0]
        #expect(header.hasSuffix("cols"), "\(buffer.lines)")
        let note = header.range(of: "+")!
        // Every header cell shown ends before the note: the last one before it is a cut header or a gap.
        #expect(header[..<note.lowerBound].hasSuffix(" "), "\(buffer.lines)")
        let shown = header[..<note.lowerBound].split(separator: " ").count
        #expect(header.hasSuffix("+\(8 - shown) cols"), "\(buffer.lines)")
    }

    static let pool: [String] = ["a", "Z", "7", " ", "中", "文", "ｱ", "한", "e\u{301}", "👍🏽", "🇯🇵", "👨‍👩‍👧‍👦", "❤️", "🏽",
                                 "\u{200D}", "\u{FE0F}", "\u{301}", "\u{1F1EF}", "\u{202E}", "\u{200F}", "\u{1B}[31m", "\t", "\n",
                                 "\u{7}", "\u{85}", "…", "é", "ß", "\u{E000}", "\u{0378}", "✖", "⣿"]

    static func randomText(_ rng: inout SplitMix64) -> String {
        let count = Int(rng.next() % 40)
        return (0..<count).map { _ in pool[Int(rng.next() % UInt64(pool.count))] }.joined()
    }

    static let layout = """
        sources: [{name: feed}]
        rows:
          - panels:
              - {kind: tile, value: /t}
              - {kind: text, value: /text}
              - kind: table
                rows: /hosts
                columns: [{key: state}, {key: note}]
          - panels:
              - {kind: log}
              - {kind: table, rows: /kv}
        """

    static func board(texts: [String]) throws -> Board {
        var store = LiveStore()
        store.apply(.connection(.open(transport: .websocket), at: LayoutScreenTests.now))
        func quoted(_ s: String) -> String { String(decoding: (try? JSONEncoder().encode(s)) ?? Data("\"\"".utf8), as: UTF8.self) }
        let t = texts.map(quoted)
        let message = #"{"t":\#(t[0]),"text":\#(t[1]),"hosts":{"a":{"state":\#(t[2]),"note":\#(t[3])},\#(t[4]):{"state":"up","note":\#(t[5])}},"kv":{"k1":\#(t[6]),\#(t[7]):"x"}}"#
        store.apply(.messages(MessageBatch(texts: [message, #"{"log":\#(t[8])}"#]), at: LayoutScreenTests.now))
        return Board(layout: try LayoutScreenTests.layout(layout), stores: [("feed", store)])
    }

    static let box: Set<String> = ["┌", "┐", "└", "┘", "─", "│"]

    /// 1,000 screens of random Unicode at random sizes (seeded: a failure names its seed): every
    /// row's cells add up to the width, and the borders stand where they do with plain text.
    @Test(.offPool) func bordersHoldAtEveryWidthOverRandomUnicode() throws {
        for seed in UInt64(1)...1000 {
            var rng = SplitMix64(seed: seed)
            let width = 20 + Int(rng.next() % 181), height = 8 + Int(rng.next() % 40)
            let random = (0..<9).map { _ in Self.randomText(&rng) }
            let plain = (0..<9).map { "p\($0)" }
            let backend = TestBackend(width: width, height: height)
            backend.draw(LayoutScreenTests.render(try Self.board(texts: random), width: width, height: height))
            let reference = LayoutScreenTests.render(try Self.board(texts: plain), width: width, height: height)
            let screen = backend.screen
            for y in 0..<height {
                var sum = 0
                for x in 0..<width {
                    let text = screen[x, y].text
                    if text.isEmpty {
                        #expect(x > 0 && TerminalText.width(screen[x - 1, y].text) == 2, "seed \(seed): a lone right half at \(x),\(y)")
                    } else {
                        let w = TerminalText.width(text)
                        #expect(w == 1 || (w == 2 && x + 1 < width && screen[x + 1, y].text.isEmpty),
                                "seed \(seed): \(text.unicodeScalars.map(\.value)) at \(x),\(y)")
                        sum += w
                    }
                    if Self.box.contains(reference[x, y].text) && reference[x, y].text != "─" {
                        #expect(screen[x, y].text == reference[x, y].text, "seed \(seed) \(width)x\(height): border at \(x),\(y)")
                    }
                }
                #expect(sum == width, "seed \(seed) \(width)x\(height): row \(y) is \(sum) wide")
            }
        }
    }
}
