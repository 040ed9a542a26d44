import Foundation
import LinkWire
import LiveModel
import PushLink
import Testing
import TestSupport
@testable import livetop

/// Declared layouts on screen: every panel kind, thresholds in colour and as a mark, the alert
/// strip, reflow from 120x40 down to 20x5, ASCII and NO_COLOR. Snapshots as in `ScreenSnapshotTests`
/// (`LIVETOP_RECORD_SNAPSHOTS=1` rewrites them).
@Suite struct LayoutScreenTests {
    static let now = Timestamp(seconds: 1_795_708_529)

    static func layout(_ yaml: String) throws -> Layout { try LayoutFile.parse(yaml, file: "test.yaml").layout }

    /// The demo feed for `seconds` at ten ticks a second, with the api service down from the start.
    static func demoBoard(_ layout: Layout, seconds: Double = 6) -> Board {
        var store = LiveStore(.init())
        var feed = DemoFeed(seed: 3)
        store.apply(.connection(.connecting(transport: .websocket, url: "ws://127.0.0.1:9000/", attempt: 1), at: now))
        store.apply(.connection(.open(transport: .websocket), at: now))
        var board = Board(layout: layout, stores: [("demo", store)])
        for i in 0..<Int(seconds * 10) {
            let t = now + Double(i) / 10
            var texts = feed.tick(at: t).map { String(decoding: $0, as: UTF8.self) }
            texts.append(#"{"services":{"api":{"status":"down","latency_ms":4700}}}"#)
            board.apply(.messages(MessageBatch(texts: texts), at: t), source: 0)
            _ = board.checkAlerts(at: t)
        }
        return board
    }

    static func render(_ board: Board, width: Int, height: Int, ascii: Bool = false) -> Buffer {
        var view = ViewState()
        view.ascii = ascii
        return Screen.render(board, view: view, width: width, height: height, now: now + 6).buffer
    }

    @Test func theDemoLayoutRaisesAnAlertForAServiceThatIsDown() throws {
        let board = Self.demoBoard(try DemoLayout.parsed())
        let alert = try #require(board.monitor.active.first { $0.pointer == "/services/api/status" })
        #expect(alert.level == .crit && alert.value == "down" && alert.panel == "services" && alert.source == "demo")
        #expect(board.monitor.active.contains { $0.pointer == "/services/api/latency_ms" && $0.level == .crit })
    }

    @Test(.offPool, arguments: [(120, 40), (80, 24), (20, 5)])
    func theDemoLayoutReflows(_ width: Int, _ height: Int) throws {
        let buffer = Self.render(Self.demoBoard(try DemoLayout.parsed()), width: width, height: height)
        #expect(buffer.lines.count == height && buffer.lines.allSatisfy { TerminalText.width($0) == width })
        try ScreenSnapshotTests.check("layout-demo-\(width)x\(height)", buffer)
    }

    @Test func asciiDrawsEveryPanelWithoutBoxBrailleOrBlockGlyphs() throws {
        let buffer = Self.render(Self.demoBoard(try DemoLayout.parsed()), width: 100, height: 30, ascii: true)
        #expect(buffer.lines.joined().unicodeScalars.allSatisfy { $0.isASCII })
        try ScreenSnapshotTests.check("layout-demo-ascii-100x30", buffer)
    }

    @Test func levelsReadWithoutColourUnderNoColor() throws {
        let backend = TestBackend(width: 80, height: 24, colors: false)
        backend.draw(Self.render(Self.demoBoard(try DemoLayout.parsed()), width: 80, height: 24))
        let text = backend.screen.lines.joined(separator: "\n")
        #expect(text.contains("down ✖") && text.contains("4700.0 ms ✖"))
        #expect(backend.screen.cells.allSatisfy { $0.style.foreground == .default })
        // With colour, the same cells are red.
        let coloured = Self.render(Self.demoBoard(try DemoLayout.parsed()), width: 80, height: 24)
        let row = try #require(coloured.lines.firstIndex { $0.contains("down ✖") })
        let x = try #require(Array(coloured.lines[row]).firstIndex(of: "✖"))
        #expect(coloured[x, row].style.foreground == .red)
        // A state its thresholds call ok is green, as in btop and sampler.
        let upRow = try #require(coloured.lines.firstIndex { $0.contains(" up ") || $0.hasSuffix(" up") })
        let u = try #require(coloured.lines[upRow].range(of: "up").map { coloured.lines[upRow].distance(from: coloured.lines[upRow].startIndex, to: $0.lowerBound) })
        #expect(coloured[u, upRow].style.foreground == .green, "\(coloured.lines[upRow])")
    }

    @Test func theAlertStripAndTheStatusLineNameTheAlert() throws {
        let buffer = Self.render(Self.demoBoard(try DemoLayout.parsed()), width: 120, height: 40)
        let lines = buffer.lines
        #expect(lines[38].contains("✖ services /services/api/status = down for "))
        #expect(lines[39].contains("✖ 2 alerts"))
        let x = try #require(Array(lines[38]).firstIndex(of: "✖"))
        #expect(buffer[x, 38].style.foreground == .red)
    }

    /// A layout that declares an alert keeps the strip's row ("no alerts") before one is raised,
    /// so raising it moves no panel: every row above the strip is where it was, frame for frame.
    @Test func raisingAnAlertMovesNoPanel() throws {
        let layout = try Self.layout("""
            sources: [{name: host}]
            rows:
              - panels:
                  - {kind: chart, title: cpu, series: [/cpu], min: 0, max: 100}
                  - {kind: tile, title: load, value: /cpu, thresholds: {warn: 50, crit: 90}, alert: {level: crit}}
            """)
        var store = LiveStore(.init())
        store.apply(.connection(.open(transport: .websocket), at: Self.now))
        var board = Board(layout: layout, stores: [("host", store)])
        func frame(_ cpu: Int) -> [String] {
            board.apply(.messages(MessageBatch(texts: [#"{"cpu":\#(cpu)}"#]), at: Self.now), source: 0)
            _ = board.checkAlerts(at: Self.now)
            return Screen.render(board, view: ViewState(), width: 80, height: 16, now: Self.now).buffer.lines
        }
        let calm = frame(10)
        #expect(board.monitor.active.isEmpty)
        #expect(calm[14].hasPrefix("no alerts"), "\(calm.joined(separator: "\n"))")
        let raised = frame(95)
        #expect(board.monitor.active.count == 1)
        #expect(raised[14].contains("load /cpu = 95"), "\(raised.joined(separator: "\n"))")
        // The frames' corners and sides sit where they were (a title may gain a level mark).
        let shape: ([String]) -> [String] = { $0.prefix(14).map { String($0.map { "┌┐└┘│".contains($0) ? $0 : " " }) } }
        #expect(shape(calm) == shape(raised))
        // Without a declared alert there is no strip: the panels keep the row.
        let plain = try Self.layout("rows: [{panels: [{kind: tile, title: load, value: /cpu}]}]")
        let noStrip = Screen.render(Board(layout: plain, stores: [("host", store)]), view: ViewState(), width: 80, height: 16, now: Self.now).buffer.lines
        #expect(!noStrip.contains { $0.contains("no alerts") })
    }

    /// A table whose rows the store had to evict says so in its frame, in the warn colour; a panel
    /// on data that lost nothing stays unmarked. Drawn through the TestBackend, as a terminal shows it.
    @Test func aPanelWhoseDataLostKeysToEvictionIsMarked() throws {
        let layout = try Self.layout("""
            sources: [{name: fleet}]
            rows:
              - panels:
                  - {kind: table, title: hosts, rows: /hosts}
                  - {kind: tile, title: name, value: /meta/name}
            """)
        var config = LiveStore.Configuration()
        config.maxKeys = 5000
        var store = LiveStore(config)
        store.apply(.connection(.open(transport: .websocket), at: Self.now))
        let hosts = (0..<10_000).map { #""h\#(String(format: "%05d", $0))":{"cpu":\#($0 % 100)}"# }.joined(separator: ",")
        // The meta message after the hosts: the newest keys, so the eviction never reaches it.
        store.apply(.messages(MessageBatch(texts: [#"{"hosts":{\#(hosts)}}"#, #"{"meta":{"name":"fleet"}}"#]), at: Self.now))
        let evicted = store.evictions(under: JSONPointer("/hosts")!)
        #expect(evicted > 5000 && store.evictions(under: JSONPointer("/meta")!) == 0)
        let board = Board(layout: layout, stores: [("fleet", store)])
        let backend = TestBackend(width: 100, height: 12)
        backend.draw(Self.render(board, width: 100, height: 12))
        let lines = backend.screen.lines
        let mark = "▲ \(Format.grouped(evicted)) evicted"
        let row = try #require(lines.firstIndex { $0.contains(mark) }, "\(lines.joined(separator: "\n"))")
        #expect(row == 0 && lines[0].hasPrefix("┌ hosts "))
        // The mark sits in the hosts panel's top edge (left half), not in the tile's.
        let x = try #require(Array(lines[0]).firstIndex(of: "▲"))
        #expect(x < 50 && backend.screen[x, 0].style.foreground == .yellow)
        #expect(!lines[0].dropFirst(50).contains("evicted"))
    }

    /// Every kind once, from a small document; and what shows before any data.
    static let everyKind = """
        sources: [{name: feed}]
        rows:
          - panels:
              - {kind: tile, value: /cpu, thresholds: {warn: 50, crit: 90}}
              - {kind: gauge, title: disks, value: /disks/*/used, max: 100, format: "%.0f%%", thresholds: {warn: 80, crit: 95}}
              - {kind: text, text: "Runbook: restart the api first.\\nThen the cache."}
          - height: 2
            panels:
              - {kind: chart, series: [/cpu, /mem], min: 0, max: 100}
              - kind: table
                rows: /hosts
                columns: [{key: state, thresholds: {up: ok, down: crit}}, {key: load, format: "%.2f"}]
                sort: -load
          - panels:
              - {kind: log, filter: /event}
              - {kind: tile, title: missing, value: /nothing/here}
        """

    static func everyKindBoard() throws -> Board {
        var store = LiveStore()
        store.apply(.connection(.open(transport: .websocket), at: now))
        for i in 0..<40 {
            let t = now + Double(i) / 10
            var texts = [#"{"cpu":\#(20 + i * 2),"mem":\#(60 - i / 2),"disks":{"sda":{"used":\#(50 + i)},"sdb":{"used":97}},"hosts":{"a":{"state":"up","load":0.5},"b":{"state":"down","load":\#(1 + Double(i) / 100)}}}"#]
            if i % 10 == 0 { texts.append(#"{"event":"tick \#(i)"}"#) }
            store.apply(.messages(MessageBatch(texts: texts), at: t))
        }
        return Board(layout: try layout(everyKind), stores: [("feed", store)])
    }

    @Test func everyPanelKind() throws {
        let buffer = Self.render(try Self.everyKindBoard(), width: 100, height: 30)
        let text = buffer.lines.joined(separator: "\n")
        #expect(text.contains("cpu ✖"))            // the tile's title shows the worst level inside
        #expect(text.contains("sdb") && text.contains("97% ✖"))
        #expect(text.contains("Runbook: restart the api first.") && text.contains("Then the cache."))
        #expect(text.contains("⣀") || text.contains("⠉"))  // braille
        #expect(text.contains("b     down ✖"))
        #expect(text.contains("tick 30") && !text.contains(#"{"cpu""#))  // the log shows only events
        #expect(text.contains("no data yet"))
        try ScreenSnapshotTests.check("layout-every-kind-100x30", buffer)
    }

    @Test(arguments: [(1, 1), (20, 5), (19, 4), (300, 100), (0, 0), (40, 3)])
    func anySizeRendersWithinTheScreen(_ width: Int, _ height: Int) throws {
        let buffer = Self.render(try Self.everyKindBoard(), width: width, height: height)
        #expect(buffer.lines.count == max(0, height))
        #expect(buffer.lines.allSatisfy { TerminalText.width($0) <= max(width, 0) })
    }

    @Test func whenRowsDoNotFitFramedTheyDropToTitlesThenMore() throws {
        let lines = Self.render(try Self.everyKindBoard(), width: 40, height: 3).lines
        #expect(lines[0].hasPrefix("cpu ✖  disks ✖  text"))
        #expect(lines[1].hasPrefix("+4 more"))
    }

    @Test func panelsThatDoNotFitARowAreCounted() throws {
        let lines = Self.render(try Self.everyKindBoard(), width: 26, height: 30).lines
        #expect(lines[0].hasPrefix("┌ cpu ✖") && lines[0].contains("+2 more"))
    }

    @Test func twoSourcesEachHaveAStatusLineAndTheirPanels() throws {
        let layout = try Self.layout("""
            sources: [{name: east}, {name: west}]
            rows: [{panels: [{kind: tile, source: east, value: /cpu}, {kind: tile, source: west, value: /cpu}]}]
            """)
        var east = LiveStore(), west = LiveStore()
        east.apply(.connection(.open(transport: .websocket), at: Self.now))
        east.apply(.messages(MessageBatch(texts: [#"{"cpu":11}"#]), at: Self.now))
        west.apply(.connection(.waiting(transport: .websocket, attempt: 3, retryIn: .milliseconds(4200), error: .refused), at: Self.now))
        let lines = Screen.render(Board(layout: layout, stores: [("east", east), ("west", west)]), view: ViewState(), width: 90, height: 8,
                                  now: Self.now).buffer.lines
        #expect(lines[6].hasPrefix("east ● open"))
        #expect(lines[7].hasPrefix("west ● waiting") && lines[7].contains("reconnecting in 4.2 s (attempt 3): connection refused"))
        #expect(lines[0].contains("waiting"))  // the west panel's frame says its feed is down
        #expect(lines[1].contains("11"))
    }

    @Test func theDemoLayoutFileIsTheOneTheDemoUses() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../examples/demo.yaml")
        // A multi-line literal drops the file's last newline.
        #expect(try String(contentsOf: url, encoding: .utf8) == DemoLayout.yaml + "\n")
    }

    @Test func printLayoutWritesAFileThatParsesBackToTheSamePanels() throws {
        var store = LiveStore()
        var feed = DemoFeed(seed: 1)
        for i in 0..<5 {
            store.apply(.messages(MessageBatch(texts: feed.tick(at: Self.now + Double(i)).map { String(decoding: $0, as: UTF8.self) }),
                                  at: Self.now + Double(i)))
        }
        let yaml = try LayoutPrinter.yaml(for: store, url: "ws://127.0.0.1:9000/")
        let (layout, warnings) = try LayoutFile.parse(yaml, file: "printed.yaml")
        #expect(warnings.isEmpty)
        let url = SourceAddress.feed(try FeedURL("ws://127.0.0.1:9000/"))
        #expect(layout.sources.map(\.url) == [url])
        let kinds = layout.panels.map { "\($0.kind):\($0.title)" }
        // A percentage is a gauge, a number that changes a chart (issue 21).
        #expect(kinds.contains("gauge:cpu_pct") && kinds.contains("chart:load_1m") && kinds.contains("tile:host")
            && kinds.contains("table:services") && kinds.contains("log:log"), "\(kinds)")
        let services = try #require(layout.panels.first { $0.title == "services" })
        #expect(services.columns.map(\.key) == ["status", "latency_ms", "version", "rps"])
    }
}
