import Foundation
import LiveModel
import Testing
@testable import livetop

/// Rates, deltas and expressions from a layout, through `PanelContent` and on screen: messages
/// with times folded into a store, as a feed would.
@Suite struct DerivedValueTests {
    static let now = Timestamp(seconds: 1_795_708_529)
    static let cpuKey = #"node_cpu_seconds_total{cpu="0",mode="idle"}"#

    /// A store that has folded `messages`, each (seconds after `now`, JSON text).
    static func store(_ messages: [(Double, String)]) -> LiveStore {
        var store = LiveStore()
        store.apply(.connection(.open(transport: .websocket), at: now))
        for (seconds, text) in messages { store.apply(.messages(MessageBatch(texts: [text]), at: now + seconds)) }
        return store
    }

    static func panel(_ flow: String) throws -> Panel {
        let layout = try LayoutFile.parse("rows: [{panels: [\(flow)]}]", file: "test.yaml").layout
        return layout.panels[0]
    }

    static func screen(_ flow: String, _ store: LiveStore, width: Int = 60, height: Int = 8) throws -> [String] {
        let layout = try LayoutFile.parse("sources: [{name: feed}]\nrows: [{panels: [\(flow)]}]", file: "test.yaml").layout
        let board = Board(layout: layout, stores: [("feed", store)])
        let last = store.history(at: JSONPointer(tokens: []))?.times.last ?? now + 10
        return Screen.render(board, view: ViewState(), width: width, height: height, now: last).buffer.lines
    }

    static func counter(_ samples: [(Double, Double)]) -> LiveStore {
        store(samples.map { t, v in (t, #"{"node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"}": \#(v)}"#) })
    }

    @Test func aTileWithRateShowsTheCounterPerSecond() throws {
        // 12.5 s of idle CPU over 5 s, then 3 over 1 s.
        let store = Self.counter([(0, 1000), (5, 1012.5), (6, 1015.5)])
        let flow = #"{kind: tile, value: '/node_cpu_seconds_total{cpu="0",mode="idle"}', rate: true, format: "%.2f s/s"}"#
        let content = PanelContent(try Self.panel(flow), store: store)
        #expect(content.items.map(\.value) == [.double(3)])
        #expect(content.items.first?.history?.values == [2.5, 3])
        #expect(content.items.first?.name == "rate(/\(Self.cpuKey))")
        let lines = try Self.screen(flow, store)
        #expect(lines[0].contains(#"rate(node_cpu_seconds_total{cpu="0",mode="idle"})"#))
        #expect(lines[1].contains("3.00 s/s"))
        #expect(lines[2].contains("2.50 s/s..3.00 s/s"))  // the sparkline's range is the rate's
    }

    @Test func aCounterResetGivesNoNegativeRate() throws {
        let panel = try Self.panel("{kind: tile, value: /requests, rate: true}")
        // 100 → 300 in 1 s, then the process restarts and counts from 0.
        let reset = Self.store([(0, #"{"requests":100}"#), (1, #"{"requests":300}"#), (2, #"{"requests":40}"#)])
        let atReset = PanelContent(panel, store: reset)
        #expect(atReset.items.map(\.value) == [nil])  // no rate for the pair that went down, and not the stale one
        #expect(atReset.items.first?.history?.values == [200])
        let lines = try Self.screen("{kind: tile, value: /requests, rate: true}", reset)
        #expect(lines[1].contains("│-") && !lines.joined().contains("-260"))
        #expect(!lines[0].contains("no data yet"))  // there is data: no rate for now
        #expect(PanelContent(panel, store: Self.store([(0, #"{"requests":100}"#)])).isEmpty == false)
        #expect(PanelContent(panel, store: Self.store([(0, #"{"other":1}"#)])).isEmpty)

        var resumed = reset
        resumed.apply(.messages(MessageBatch(texts: [#"{"requests":90}"#]), at: Self.now + 4))
        let after = PanelContent(panel, store: resumed)
        #expect(after.items.map(\.value) == [.double(25)])
        #expect(after.items.first?.history?.values == [200, 25])
        #expect(after.items.first?.history?.values.allSatisfy { $0 >= 0 } == true)
    }

    @Test func aGaugeOfTwoFieldsAsAPercentage() throws {
        let flow = #"{kind: gauge, value: "/mem/used / /mem/total * 100", format: "%.1f%%", thresholds: {warn: 70, crit: 90}}"#
        let store = Self.store([(0, #"{"mem":{"used":2048,"total":8192}}"#), (1, #"{"mem":{"used":6144,"total":8192}}"#)])
        let content = PanelContent(try Self.panel(flow), store: store)
        #expect(content.items.map(\.value) == [.double(75)])
        #expect(content.items.map(\.level) == [.warn])
        #expect(content.items.first?.history?.values == [25, 75])
        let lines = try Self.screen(flow, store)
        #expect(lines[0].contains("/mem/used / /mem/total * 100 ▲"))
        #expect(lines[1].contains("75.0% ▲"))
        #expect(lines[1].contains("███"))
    }

    @Test func aDivisionByZeroShowsNoValue() throws {
        let flow = #"{kind: gauge, value: "/mem/used / /mem/total * 100"}"#
        let store = Self.store([(0, #"{"mem":{"used":1,"total":0}}"#)])
        let content = PanelContent(try Self.panel(flow), store: store)
        #expect(content.items.map(\.value) == [nil])
        #expect(content.items.first?.history?.values == [])
        let lines = try Self.screen(flow, store)
        #expect(lines[1].contains("-") && !lines.joined().contains("inf") && !lines.joined().contains("nan"))
    }

    /// An expression's history is where all its operands have a sample at the same time; its
    /// value now is from their values now.
    @Test func anExpressionsHistoryIsWhereItsOperandsMeet() throws {
        let panel = try Self.panel(#"{kind: chart, series: ["/a + /b"]}"#)
        let store = Self.store([(0, #"{"a":1,"b":10}"#), (1, #"{"a":2}"#), (2, #"{"b":20}"#), (3, #"{"a":3,"b":30}"#)])
        let item = try #require(PanelContent(panel, store: store).items.first)
        #expect(item.value == .double(33))
        #expect(item.history?.values == [11, 33])
        #expect(item.history?.times == [Self.now, Self.now + 3])
        let apart = Self.store([(0, #"{"a":1}"#), (1, #"{"b":10}"#)])
        let alone = try #require(PanelContent(panel, store: apart).items.first)
        #expect(alone.value == .double(11) && alone.history?.values == [])
    }

    @Test func aChartSeriesOfARate() throws {
        let flow = #"{kind: chart, series: ["rate(/net/rx) / 1024"], format: "%.0f"}"#
        // 1, 2, then 3 KiB/s.
        let store = Self.store([(0, #"{"net":{"rx":0}}"#), (1, #"{"net":{"rx":1024}}"#), (2, #"{"net":{"rx":3072}}"#),
                                (3, #"{"net":{"rx":6144}}"#)])
        let item = try #require(PanelContent(try Self.panel(flow), store: store).items.first)
        #expect(item.history?.values == [1, 2, 3])
        #expect(item.value == .double(3))
        let lines = try Self.screen(flow, store, width: 60, height: 10)
        #expect(lines[0].contains("rate(/net/rx) / 1024"))
        #expect(lines[1].contains("rate(/net/rx) / 1024  min 1  max 3  last 3"))
        let plot = lines[2..<8].joined()
        #expect(plot.unicodeScalars.contains { (0x2801...0x28FF).contains($0.value) })  // braille dots drawn
    }

    @Test func aChartWithRateDrawsEachPairAndSkipsAReset() throws {
        let flow = "{kind: chart, series: [/bytes], rate: true}"
        let store = Self.store([(0, #"{"bytes":0}"#), (1, #"{"bytes":10}"#), (2, #"{"bytes":5}"#), (3, #"{"bytes":25}"#)])
        let item = try #require(PanelContent(try Self.panel(flow), store: store).items.first)
        #expect(item.history?.values == [10, 20])
        #expect(item.history?.times == [Self.now + 1, Self.now + 3])
        let lines = try Self.screen(flow, store, width: 60, height: 10)
        #expect(lines[1].contains("min 10  max 20  last 20"))
    }

    @Test func aTableColumnWithRate() throws {
        let flow = #"{kind: table, rows: /ifaces, columns: [{key: rx_bytes, title: rx, rate: true, format: "%.0f B/s"}, state, {key: rx_bytes, title: total}], sort: -rx_bytes}"#
        let store = Self.store([
            (0, #"{"ifaces":{"eth0":{"rx_bytes":0,"state":"up"},"eth1":{"rx_bytes":0,"state":"up"}}}"#),
            (1, #"{"ifaces":{"eth0":{"rx_bytes":1000,"state":"up"},"eth1":{"rx_bytes":200,"state":"up"}}}"#),
            (2, #"{"ifaces":{"eth0":{"rx_bytes":1500,"state":"up"},"eth1":{"rx_bytes":2200,"state":"down"}}}"#),
        ])
        let content = PanelContent(try Self.panel(flow), store: store)
        #expect(content.rows.map(\.name) == ["eth1", "eth0"])  // sorted by the rate, not the total
        #expect(content.rows.map(\.cells) == [[.double(2000), .string("down"), .int(2200)], [.double(500), .string("up"), .int(1500)]])
        let lines = try Self.screen(flow, store)
        let eth1 = try #require(lines.first { $0.contains("eth1") })
        #expect(eth1.contains("2000 B/s") && eth1.contains("down") && eth1.contains("2200"))
        #expect(lines.contains { $0.contains("eth0") && $0.contains("500 B/s") && $0.contains("1500") })
    }

    /// `rate: true` on a table makes every column a rate; text is shown as it is.
    @Test func aTableWithRateKeepsText() throws {
        let panel = try Self.panel("{kind: table, rows: /ifaces, rate: true}")
        let store = Self.store([(0, #"{"ifaces":{"eth0":{"rx":0,"state":"up"}}}"#), (2, #"{"ifaces":{"eth0":{"rx":100,"state":"up"}}}"#)])
        let content = PanelContent(panel, store: store)
        #expect(content.columns.map(\.key) == ["rx", "state"])
        #expect(content.rows.first?.cells == [.double(50), .string("up")])
        // A column's `rate: false` is against the panel's.
        let own = try Self.panel("{kind: table, rows: /ifaces, rate: true, columns: [rx, {key: rx, title: total, rate: false}]}")
        #expect(PanelContent(own, store: store).rows.first?.cells == [.double(50), .int(100)])
    }

    @Test func alertsNameTheDerivedValue() throws {
        let flow = "{kind: tile, values: [/rx, \"/a / /b\"], rate: true, thresholds: {warn: 5}}"
        let store = Self.store([(0, #"{"rx":0,"a":0,"b":1}"#), (1, #"{"rx":10,"a":10,"b":1}"#)])
        let observations = PanelContent(try Self.panel(flow), store: store).observations(source: "feed", panel: "p")
        #expect(observations.map(\.pointer) == ["rate(/rx)", "rate(/a / /b)"])
        #expect(observations.map(\.value) == [.double(10), .double(10)])
        #expect(observations.map(\.level) == [.warn, .warn])

        let table = try Self.panel("{kind: table, rows: /ifaces, columns: [{key: rx, rate: true, thresholds: {crit: 1}}]}")
        let rows = Self.store([(0, #"{"ifaces":{"eth0":{"rx":0}}}"#), (1, #"{"ifaces":{"eth0":{"rx":5}}}"#)])
        #expect(PanelContent(table, store: rows).observations(source: "feed", panel: "t").map(\.pointer) == ["rate(/ifaces/eth0/rx)"])
    }

    @Test func aWildcardWithRateGivesOneRatePerMatch() throws {
        let panel = try Self.panel("{kind: tile, value: /cpu/*/idle, delta: true}")
        let store = Self.store([(0, #"{"cpu":{"0":{"idle":5},"1":{"idle":9}}}"#), (1, #"{"cpu":{"0":{"idle":7},"1":{"idle":4}}}"#)])
        let items = PanelContent(panel, store: store).items
        #expect(items.map(\.label) == ["0", "1"])
        #expect(items.map(\.value) == [.double(2), .double(-5)])
    }
}

extension DerivedValueTests {
    /// The example in docs/layouts.md's "Derived values" loads without a warning.
    @Test func theDocumentedExampleLoads() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs/layouts.md")
        let doc = try String(contentsOf: url, encoding: .utf8)
        let section = try #require(doc.range(of: "## Derived values")).upperBound
        let start = try #require(doc.range(of: "```yaml\n", range: section..<doc.endIndex)).upperBound
        let end = try #require(doc.range(of: "```", range: start..<doc.endIndex)).lowerBound
        let panels = doc[start..<end].split(separator: "\n").map { "      " + $0 }.joined(separator: "\n")
        let (layout, warnings) = try LayoutFile.parse("rows:\n  - panels:\n" + panels + "\n", file: "layouts.md")
        #expect(warnings.isEmpty)
        #expect(layout.panels.map(\.derivation) == [.rate, .value, .value, .value])
        #expect(layout.panels[3].columns.map(\.derivation) == [nil, .rate, .delta])
    }
}
