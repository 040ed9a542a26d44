import Foundation
import LinkWire
import LiveModel
import PushLink
import Testing
@testable import livetop

/// The auto layout as a `Layout` (issue 22 item 4, issue 21 item 6): the screen's (tiles, tables,
/// the log; two to a row from 120 columns; only what fits), the file `--print-layout` writes
/// (kinds picked from the values), and `LayoutEncoder`, whose files parse back to the same layout.
@Suite struct AutoLayoutTests {
    static let now = Timestamp(seconds: 1_795_708_529)

    static func store(_ messages: [String], fold: FoldRule = .merge) -> LiveStore {
        var store = LiveStore(.init(fold: fold))
        store.apply(.connection(.open(transport: .websocket), at: now))
        for (i, text) in messages.enumerated() { store.apply(.messages(MessageBatch(texts: [text]), at: now + Double(i) / 10)) }
        return store
    }

    static func demoStore(seconds: Int = 3) -> LiveStore {
        var store = LiveStore()
        var feed = DemoFeed(seed: 1)
        store.apply(.connection(.open(transport: .websocket), at: now))
        for i in 0..<(seconds * 10) {
            let t = now + Double(i) / 10
            store.apply(.messages(MessageBatch(texts: feed.tick(at: t).map { String(decoding: $0, as: UTF8.self) }), at: t))
        }
        return store
    }

    /// Each panel as `kind:title:value`, row by row (rows joined by ` | ` within, `/` between).
    static func shape(_ layout: Layout) -> String {
        layout.rows.map { row in
            row.panels.map { "\($0.kind):\($0.title):\($0.values.map(\.text).joined(separator: ","))" }.joined(separator: " | ")
        }.joined(separator: " / ")
    }

    /// The layout with every place in a file forgotten: what a parsed layout holds beyond the value.
    static func unplaced(_ layout: Layout) -> Layout {
        var layout = layout
        for i in layout.sources.indices { layout.sources[i].location = SourceLocation(line: 0, column: 0) }
        for r in layout.rows.indices {
            for p in layout.rows[r].panels.indices { layout.rows[r].panels[p].location = SourceLocation(line: 0, column: 0) }
        }
        return layout
    }

    // MARK: The screen

    @Test func scalarsAreTilesContainersTablesAndTheLogComesLast() {
        let store = Self.store([#"{"cpu":0.5,"host":"alpha","mem":{"used":1,"total":2},"disks":[1,2],"svc":{"a":{"s":"up"}}}"#])
        let layout = AutoLayout.screen(store, width: 80, height: 40).layout
        #expect(Self.shape(layout) == "tile:cpu:/cpu | tile:host:/host / table:mem:/mem / table:disks:/disks / table:svc:/svc / log:log (1 messages):",
                "\(Self.shape(layout))")
        // Heights are lines: the screen's whole height, the log taking what the others leave.
        #expect(layout.rows.map(\.height) == [4, 5, 5, 4, 22])
    }

    @Test func oneValueIsATileNamedValueAndUpsertRowsOneTable() {
        #expect(Self.shape(AutoLayout.screen(Self.store(["42"]), width: 80, height: 20).layout) == "tile:value: / log:log (1 messages):")
        let ticker = Self.store([#"{"symbol":"A","px":1}"#, #"{"symbol":"B","px":2}"#], fold: .upsert(JSONPointer("/symbol")!))
        #expect(Self.shape(AutoLayout.screen(ticker, width: 80, height: 20).layout) == "table:rows: / log:log (2 messages):")
        #expect(Self.shape(AutoLayout.screen(LiveStore(), width: 80, height: 20).layout) == "log:log (0 messages):")
    }

    /// Issue 21: from 120 columns the panels below the tiles go two to a row; narrower, one.
    @Test(arguments: [(119, "table:mem:/mem / log:log (20 messages):"), (120, "table:mem:/mem | log:log (20 messages):")])
    func twoColumnsFrom120(_ width: Int, _ below: String) {
        let layout = AutoLayout.screen(ScreenSnapshotTests.metricsStore(), width: width, height: 40).layout
        #expect(Self.shape(layout) == "tile:cpu:/cpu | tile:load:/load | tile:host:/host | tile:up:/up / " + below, "\(Self.shape(layout))")
    }

    /// Tiles go as many to a row as fit at 25 columns each, spread evenly over the rows.
    @Test(arguments: [(80, [3, 2, 2] as [Int]), (60, [2, 2, 2, 1]), (200, [7]), (10, [1, 1, 1, 1, 1, 1, 1])])
    func tilesSpreadEvenlyOverRows(_ width: Int, _ counts: [Int]) {
        let keys = (1...7).map { "\"k\($0)\":\"v\"" }.joined(separator: ",")
        let layout = AutoLayout.screen(Self.store(["{\(keys)}"]), width: width, height: 200).layout
        let tiles = layout.rows.filter { $0.panels.allSatisfy { $0.kind == .tile } }.map(\.panels.count)
        #expect(tiles == counts, "\(tiles)")
    }

    /// What does not fit is left out and counted, never squeezed below a framed panel's least
    /// height; the first tiles stay, and the screen says `+N more`.
    @Test func whatDoesNotFitIsCounted() throws {
        let keys = (1...30).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        let store = Self.store(["{\(keys),\"t\":{\"a\":1}}"])
        let (layout, hidden) = AutoLayout.screen(store, width: 80, height: 12)
        #expect(layout.rows.map(\.height).reduce(0, +) == 12)
        #expect(layout.rows.allSatisfy { $0.height >= LayoutScreen.minimumHeight })
        #expect(layout.panels.first?.title == "k1")
        // Two rows of three tiles and the table fit; 24 tiles and the log do not.
        #expect(Self.shape(layout).hasSuffix("tile:k4:/k4 | tile:k5:/k5 | tile:k6:/k6 / table:t:/t") && hidden == 25, "\(Self.shape(layout)) \(hidden)")
        let lines = Screen.render(store, view: ViewState(), width: 80, height: 13, now: Self.now).lines
        #expect(lines.contains { $0.contains("+\(hidden) more") }, "\(lines.joined(separator: "\n"))")
        // A filter lays out only the panels it keeps, so one that did not fit can be found.
        var view = ViewState()
        view.filter = "k30"
        let found = Screen.render(store, view: view, width: 80, height: 13, now: Self.now).lines.joined(separator: "\n")
        #expect(found.contains("k30") && !found.contains("k29"), "\(found)")
    }

    /// Drawn by LayoutScreen: every panel framed with its title in the top edge, tables titled with
    /// their row count, the keys' context from the same frame.
    @Test func theAutoLayoutIsDrawnAsADeclaredOne() throws {
        let board = Board(layout: nil, stores: [("", ScreenSnapshotTests.metricsStore())])
        let frame = Screen.render(board, view: ViewState(), width: 120, height: 20, now: Self.now + 2)
        let lines = frame.buffer.lines
        #expect(lines[0].hasPrefix("┌ cpu ") && lines[0].contains("┐┌ load "), "\(lines[0])")
        let mem = try #require(lines.firstIndex { $0.contains("mem (2)") })
        #expect(lines[mem].contains("log (20 messages)"), "mem and the log side by side: \(lines[mem])")
        #expect(frame.context.panelCount == 6)
        #expect(frame.context.places[4].map { if case .table(rows: 2, columns: 2) = $0.kind { true } else { false } } == true)
    }

    // MARK: A starting file

    @Test(arguments: [
        ("cpu_pct", [1.0, 99], true), ("mem_percent", [40], true), ("disk%", [0, 100], true), ("gpu_util", [3], true),
        ("cpu_pct", [101], false), ("cpu_pct", [-1], false), ("latency", [50], false), ("load", [], false),
    ] as [(String, [Double], Bool)])
    func percentagesByNameAndRange(_ name: String, _ values: [Double], _ expected: Bool) {
        #expect(AutoLayout.isPercentage(name: name, values: values) == expected)
    }

    @Test func theFilePicksChartsGaugesTablesAndTiles() throws {
        let messages = (0..<5).map { i in
            #"{"host":"a","version":3,"load":\#(1 + i),"cpu_pct":\#(10 + i),"cpu":{"user_pct":\#(i),"sys_pct":2},"net":{"rx":\#(i * 100),"tx":5},"#
                + #""static":{"a":1,"b":2},"svc":{"api":{"status":"up","rps":\#(i)},"db":{"status":"down","lag":1}},"tags":["x","y"]}"#
        }
        let layout = AutoLayout.file(Self.store(messages), width: 80, source: SourceSpec(name: "main"))
        #expect(Self.shape(layout) == "tile:host:/host | tile:version:/version / gauge:cpu_pct:/cpu_pct | gauge:cpu:/cpu/* "
            + "/ chart:load:/load | chart:net:/net/* / table:static:/static / table:svc:/svc / table:tags:/tags / log:log:", "\(Self.shape(layout))")
        #expect(layout.rows.map(\.height) == [1, 1, 2, 2, 2, 2, 2])
        let svc = try #require(layout.panels.first { $0.title == "svc" })
        #expect(svc.columns.map(\.key) == ["status", "rps", "lag"])
        #expect(layout.panels.first { $0.title == "static" }?.columns.isEmpty == true, "keys and values: no columns")
        // Wide: charts three to a row, tables and the log two.
        let wide = AutoLayout.file(Self.store(messages), width: 120, source: SourceSpec(name: "main"))
        #expect(Self.shape(wide).hasSuffix("table:static:/static | table:svc:/svc / table:tags:/tags | log:log:"), "\(Self.shape(wide))")
    }

    @Test func printLayoutKeepsItsCommentAndSaysWhereFrom() throws {
        let yaml = try LayoutPrinter.yaml(for: Self.demoStore(), url: "ws://127.0.0.1:9000/")
        #expect(yaml.hasPrefix("# livetop layout, written by --print-layout from ") && yaml.contains(" messages of\n# ws://127.0.0.1:9000/\n"))
        #expect(yaml.contains("# Edit it, then run: livetop --layout THIS-FILE"))
        #expect(yaml.contains("- {kind: gauge, title: cpu_pct, value: /cpu_pct}"), "\(yaml)")
    }

    /// The file `--print-layout` writes parses back (LayoutFile) to the very Layout it was made
    /// from, with no warnings, for each kind of feed and source, narrow and wide.
    @Test(arguments: [80, 120])
    func printedFilesParseBackToTheSameLayout(_ width: Int) throws {
        var command = SourceSpec(name: "main")
        command.command = ["sh", "-c", "echo '{\"a\": 1}'"]
        command.every = Interval(seconds: 0.5)
        let cases: [(LiveStore, SourceSpec)] = [
            (Self.demoStore(), SourceSpec(name: "main", url: .feed(try FeedURL("ws://127.0.0.1:9000/")))),
            (ScreenSnapshotTests.metricsStore(), command),
            (Self.store([#"{"symbol":"A","px":1,"true":"yes"}"#, #"{"symbol":"B","px":2,"null":"80"}"#], fold: .upsert(JSONPointer("/symbol")!)),
             SourceSpec(name: "main", file: "/var/log/a b.log")),
            (Self.store([##"{"weird: key":1,"#":"x","%":5,"":2,"a/b~c":"y"}"##]), SourceSpec(name: "main", url: .local(.stdin))),
        ]
        for (store, source) in cases {
            let yaml = try LayoutPrinter.yaml(for: store, source: source, described: "test", width: width)
            let (parsed, warnings) = try LayoutFile.parse(yaml, file: "printed.yaml")
            #expect(warnings.isEmpty, "\(warnings)")
            var expected = source
            if store.configuration.fold != .merge { expected.fold = store.configuration.fold }
            #expect(Self.unplaced(parsed) == AutoLayout.file(store, width: width, source: expected), "\(yaml)")
        }
    }

    /// Every declared layout the project ships, and one with every kind and key, written by
    /// LayoutEncoder and read again, is the same Layout.
    @Test func declaredLayoutsSurviveAWriteAndARead() throws {
        let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../examples")
        var texts = [LayoutScreenTests.everyKind, DemoLayout.yaml, """
            history: 300
            sources:
              - {name: api, url: "wss://x/feed", headers: ["X-Team: ops"], bearer_env: TOKEN, protocols: [chat], origin: "https://o",
                 send: ['{"op":"sub"}'], transport: sse, fold: "upsert:/id", select: /data, time: /ts, poll_cursor: "query:c,header:X-C",
                 poll_items: /items, sse_url: "http://x/sse", poll_url: "http://x/poll", expect: 1.5s}
              - {name: host, command: [vmstat, -n, "1"], every: 2s, timeout: 10s, restart: true, parse: columns}
              - {name: log, file: /var/log/app.log}
            rows:
              - height: 3
                panels:
                  - {kind: chart, source: host, series: [/a, "/b * 2", "rate(/c)"], width: 2, min: -1.5, max: 100, delta: true}
                  - {kind: gauge, value: /g, format: "%.1f%%", thresholds: {warn: 80, crit: 95},
                     alert: {level: crit, for: 1.5s, bell: true, command: [notify-send, "a b"], on_clear: [echo, cleared], timeout: 3s, stale: 30s}}
                  - {kind: text, text: "true"}
                  - {kind: text, title: "null", value: /motd}
                  - {kind: chart, series: [{value: /rx, color: green}, /tx, {value: "/a + /b", color: grey}], format: "%.0f"}
                  - {kind: tile, value: /load, baseline: 8}
                  - {kind: bars, values: [/cpu_by_core, /mem/*], sort: label, max: 100, thresholds: {warn: 70}}
              - panels:
                  - kind: table
                    title: "80"
                    rows: /hosts/*/disks
                    rate: true
                    columns: [status, {key: rx, title: "rx/s", format: "%.0f B/s", thresholds: {warn: 1000}, delta: true}, {key: lag, rate: false}, {key: cpu, spark: true}, {key: rx, title: trend, spark: 12, rate: true}]
                    sort: -rx
                    key: {title: "false"}
                    thresholds: {up: ok, degraded: warn, down: crit, "yes": warn}
                    alert: {level: warn}
                  - {kind: table, rows: "", key: false}
                  - {kind: log, title: events, filter: /event, source: log}
            """]
        for name in ["demo.yaml", "demo-bars.yaml", "host.yaml", "host-ssh.yaml", "nchan-two-hosts.yaml", "node-exporter.yaml"] {
            texts.append(try String(contentsOf: examples.appendingPathComponent(name), encoding: .utf8))
        }
        for text in texts {
            let (layout, _) = try LayoutFile.parse(text, file: "in.yaml")
            let written = try LayoutEncoder.yaml(layout)
            let (again, warnings) = try LayoutFile.parse(written, file: "out.yaml")
            #expect(warnings.isEmpty, "\(warnings)\n\(written)")
            #expect(Self.unplaced(again) == Self.unplaced(layout), "\(written)")
        }
    }
}
