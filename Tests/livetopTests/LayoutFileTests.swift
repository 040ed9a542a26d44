import Foundation
import LinkWire
import LiveModel
import PushLink
import Testing
@testable import livetop

@Suite struct LayoutFileTests {
    /// A layout of one row with one panel written as a flow mapping on line 3, starting at column 9.
    static func panel(_ flow: String) -> String {
        "rows:\n  - panels:\n      - \(flow)\n"
    }

    /// A layout with the given sources, flow mappings on the lines from 2, starting at column 5.
    static func sources(_ flows: String...) -> String {
        "sources:\n" + flows.map { "  - \($0)\n" }.joined() + "rows: [{panels: [{kind: log}]}]\n"
    }

    static func errorText(_ yaml: String) -> String {
        do {
            _ = try LayoutFile.parse(yaml, file: "l.yaml")
            return "no error"
        } catch {
            return error.description
        }
    }

    /// A table's `key`: renamed (`{title: host}` or a bare title), hidden (`false`), and a bad
    /// one a one-line error with its place; the screen then heads (or drops) the column so.
    @Test func aTablesKeyColumnIsRenamedOrHidden() throws {
        let renamed = try Self.onlyPanel(Self.panel("{kind: table, rows: /hosts, key: {title: host}}"))
        #expect(renamed.keyTitle == "host" && renamed.showKey)
        #expect(try Self.onlyPanel(Self.panel("{kind: table, rows: /hosts, key: server}")).keyTitle == "server")
        #expect(try Self.onlyPanel(Self.panel("{kind: table, rows: /hosts, key: false}")).showKey == false)
        #expect(Self.errorText(Self.panel("{kind: table, rows: /hosts, key: {name: x}}")).contains("l.yaml:3:42: 'key' needs 'title'"),
                "\(Self.errorText(Self.panel("{kind: table, rows: /hosts, key: {name: x}}")))")
        var store = LiveStore()
        store.apply(.messages(MessageBatch(texts: [#"{"hosts":{"a1":{"cpu":3}}}"#]), at: Timestamp(seconds: 1)))
        let hidden = try Self.onlyPanel(Self.panel("{kind: table, rows: /hosts, key: false}"))
        #expect(PanelContent(hidden, store: store).nameColumn == nil)
        #expect(PanelContent(renamed, store: store).nameColumn == "host")
    }

    /// A bars panel: its values, `sort` (largest first by default) and range; keys of other kinds warn.
    @Test func aBarsPanelIsParsed() throws {
        let bars = try Self.onlyPanel(Self.panel("{kind: bars, value: /cpu_by_core, max: 100, format: '%.0f%%', thresholds: {warn: 70}}"))
        #expect(bars.kind == .bars && bars.barSort == .value(descending: true) && bars.max == 100 && bars.format == "%.0f%%")
        #expect(bars.title == "cpu_by_core")
        #expect(try Self.onlyPanel(Self.panel("{kind: bars, values: [/a, /b], sort: label}")).barSort == .label(descending: false))
        #expect(try Self.onlyPanel(Self.panel("{kind: bars, value: /a, sort: none}")).barSort == BarSort.none)
        let (_, warnings) = try LayoutFile.parse(Self.panel("{kind: bars, value: /a, filter: /x, columns: [a]}"), file: "l.yaml")
        #expect(warnings == ["l.yaml:3:33: key 'filter' does not apply to a bars panel (ignored)",
                             "l.yaml:3:45: key 'columns' does not apply to a bars panel (ignored)"])
        // A table's sort is still a column key.
        #expect(try Self.onlyPanel(Self.panel("{kind: table, sort: -value}")).sort?.key == "value")
    }

    static func onlyPanel(_ yaml: String) throws -> Panel {
        let panels = try LayoutFile.parse(yaml, file: "l.yaml").layout.panels
        try #require(panels.count == 1)
        return panels[0]
    }

    @Test func parsesEveryKey() throws {
        let yaml = """
            history: 300
            sources:
              - name: demo
                url: ws://127.0.0.1:9000/
                headers: ["X-Key: v"]
                bearer_env: TOKEN
                protocols: chat
                origin: https://x
                send: ['{"op":"sub"}']
                transport: longpoll
                fold: upsert:/id
                select: /data
                poll_cursor: query:cursor,header:X-Next-Cursor
                poll_items: /results
                sse_url: http://x/sse
                poll_url: http://x/poll
              - name: host
            rows:
              - height: 2
                panels:
                  - kind: chart
                    title: CPU and memory
                    source: demo
                    width: 2
                    series: [/cpu_pct, /mem_pct]
                    min: 0
                    max: 100
                    thresholds: {warn: 80, crit: 95}
                    alert: {level: crit, for: 5s, bell: true, command: [notify-send, livetop], timeout: 2m}
                  - kind: table
                    source: host
                    rows: /services
                    columns:
                      - status
                      - {key: latency_ms, title: latency, format: "%.0f ms", thresholds: {warn: 200, crit: 1000}}
                    sort: -latency_ms
                    thresholds: {up: ok, degraded: warning, down: critical}
              - panels:
                  - {kind: gauge, value: /disk, format: "%.1f%%", min: 0, max: 1}
                  - {kind: log, filter: /event}
                  - {kind: text, text: hello}
            """
        let (layout, warnings) = try LayoutFile.parse(yaml, file: "l.yaml")
        #expect(warnings == [])
        #expect(layout.history == 300)

        var demo = SourceSpec(name: "demo", location: SourceLocation(line: 3, column: 5))
        demo.url = .feed(try FeedURL("ws://127.0.0.1:9000/"))
        demo.headers = [Header(name: "X-Key", value: "v")]
        demo.bearerEnv = "TOKEN"
        demo.protocols = ["chat"]
        demo.origin = "https://x"
        demo.send = [#"{"op":"sub"}"#]
        demo.transport = .only(.longpoll)
        demo.fold = .upsert(JSONPointer(tokens: ["id"]))
        demo.select = JSONPointer(tokens: ["data"])
        demo.pollCursor = PollCursor.Convention("query:cursor,header:X-Next-Cursor")
        demo.pollItems = JSONPointer(tokens: ["results"])
        demo.sseURL = try HTTPEndpoint(parsing: "http://x/sse")
        demo.pollURL = try HTTPEndpoint(parsing: "http://x/poll")
        #expect(layout.sources == [demo, SourceSpec(name: "host", location: SourceLocation(line: 17, column: 5))])

        #expect(layout.rows.map(\.height) == [2, 1])
        let chart = layout.rows[0].panels[0]
        #expect(chart.kind == .chart && chart.title == "CPU and memory" && chart.source == 0 && chart.width == 2)
        #expect(chart.values.map(\.text) == ["/cpu_pct", "/mem_pct"])
        #expect(chart.min == 0 && chart.max == 100)
        #expect(chart.thresholds == .numeric(warn: 80, crit: 95))
        #expect(chart.alert == AlertSpec(level: .crit, hold: 5, bell: true, command: ["notify-send", "livetop"], timeout: 120))
        #expect(chart.location == SourceLocation(line: 21, column: 9))

        let table = layout.rows[0].panels[1]
        #expect(table.kind == .table && table.title == "services")
        #expect(table.source == 1)
        #expect(table.values.map(\.text) == ["/services"])
        #expect(table.columns == [
            Panel.Column(key: "status", title: "status"),
            Panel.Column(key: "latency_ms", title: "latency", format: "%.0f ms", thresholds: .numeric(warn: 200, crit: 1000)),
        ])
        #expect(table.sortKey == "latency_ms" && table.sortDescending)
        #expect(table.thresholds == .states(["up": .ok, "degraded": .warn, "down": .crit]))

        let gauge = layout.rows[1].panels[0]
        #expect(gauge.format == "%.1f%%" && gauge.min == 0 && gauge.max == 1 && gauge.title == "disk")
        #expect(gauge.location == SourceLocation(line: 39, column: 9))
        #expect(layout.rows[1].panels[1].filter == JSONPointer(tokens: ["event"]))
        #expect(layout.rows[1].panels[2].text == "hello")
    }

    @Test func defaultsWithoutSources() throws {
        let (layout, warnings) = try LayoutFile.parse("rows: [{panels: [{kind: tile, value: /cpu}]}]", file: "l.yaml")
        #expect(warnings == [])
        #expect(layout.history == nil)
        #expect(layout.sources.map(\.name) == ["main"])
        #expect(layout.sources[0].url == nil)
        let panel = layout.panels[0]
        #expect(panel.source == 0 && panel.width == 1 && layout.rows[0].height == 1)
        #expect(panel.thresholds == nil && panel.alert == nil)
    }

    @Test(arguments: [
        ("{kind: tile, value: /services/*/latency_ms}", "latency_ms"),
        ("{kind: chart, series: [/cpu_pct, /mem_pct]}", "cpu_pct, mem_pct"),
        ("{kind: gauge, value: /cpus/*}", "cpus"),
        ("{kind: text, value: /motd}", "text"),
        ("{kind: table, rows: /services}", "services"),
        ("{kind: table}", "rows"),
        ("{kind: log}", "log"),
        ("{kind: log, filter: /event}", "log: /event"),
        ("{kind: text, text: hi}", "text"),
        ("{kind: tile, value: /a, title: Mine}", "Mine"),
    ])
    func defaultTitles(flow: String, title: String) throws {
        #expect(try Self.onlyPanel(Self.panel(flow)).title == title)
    }

    @Test func tableRowsDefaultToTheRoot() throws {
        let table = try Self.onlyPanel(Self.panel("{kind: table}"))
        #expect(table.values.map(\.text) == [""])
        #expect(table.rowsPattern.tokens == [])
    }

    @Test(arguments: [("5s", 5.0), ("500ms", 0.5), ("1.5s", 1.5), ("2m", 120), ("1h", 3600), ("3", 3), ("0.25", 0.25), ("0", 0)])
    func durations(text: String, seconds: Double) throws {
        let panel = try Self.onlyPanel(Self.panel("{kind: tile, value: /a, thresholds: {warn: 1}, alert: {for: \(text)}}"))
        #expect(panel.alert == AlertSpec(level: .warn, hold: seconds))
    }

    /// An alert judges the panel's levels: without thresholds (or `stale:`) it could never fire,
    /// so the file is refused at the alert, with its line and column.
    @Test func anAlertWithoutThresholdsIsALoadError() throws {
        #expect(Self.errorText(Self.panel("{kind: tile, value: /a, alert: {level: crit}}"))
                == "l.yaml:3:40: 'alert' needs 'thresholds' on the panel (or on a column) to judge by, or 'stale:'; without them it never fires")
        // Thresholds on a column, or a stale alert, are enough.
        #expect(try Self.onlyPanel(Self.panel("{kind: table, rows: /s, columns: [{key: st, thresholds: {down: crit}}], alert: {}}")).alert != nil)
        #expect(try Self.onlyPanel(Self.panel("{kind: tile, value: /a, alert: {stale: 10s}}")).alert?.stale == 10)
    }

    /// The spellings docs/layouts.md accepts besides the short ones: `critical`/`warning`, a bare
    /// number of seconds; and `on_clear` as an argv list (a shell line is refused as `command` is).
    @Test func acceptedSpellingsAndOnClear() throws {
        let panel = try Self.onlyPanel(Self.panel(
            "{kind: tile, value: /a, thresholds: {warn: 1, crit: 2}, alert: {level: critical, for: 10, command: [a], on_clear: [b, c]}}"))
        #expect(panel.alert == AlertSpec(level: .crit, hold: 10, command: ["a"], onClear: ["b", "c"]))
        #expect(try Self.onlyPanel(Self.panel("{kind: tile, value: /a, thresholds: {warn: 1}, alert: {level: warning}}")).alert?.level == .warn)
        #expect(Self.errorText(Self.panel("{kind: tile, value: /a, thresholds: {warn: 1}, alert: {on_clear: 'echo ok'}}"))
                == "l.yaml:3:74: 'on_clear' must be a list of arguments, not a shell line")
    }

    @Test(arguments: ["%.1f%%", "%d", "%5.2e ms", "%+08.3g", "%i items", "%% %-4f"])
    func acceptedFormats(format: String) throws {
        #expect(try Self.onlyPanel(Self.panel("{kind: tile, value: /a, format: '\(format)'}")).format == format)
    }

    @Test(arguments: ["%s", "%d of %d", "no conversion", "%", "%ld", "%*d", "50%"])
    func rejectedFormats(format: String) {
        #expect(Self.errorText(Self.panel("{kind: tile, value: /a, format: '\(format)'}")).hasPrefix("l.yaml:3:41: bad format "))
    }

    @Test func warningsNameTheKeyAndThePlace() throws {
        let yaml = """
            history: 300
            colour: red
            sources:
              - name: demo
                retry: 3
            rows:
              - height: 1
                gap: 2
                panels:
                  - kind: gauge
                    value: /cpu
                    columns: [a]
                    colour: red
                    thresholds: {warn: 80, crit: 95, low: 3}
                    alert: {level: crit, sound: yes}
                  - kind: table
                    columns:
                      - {key: a, units: ms}
            """
        let (layout, warnings) = try LayoutFile.parse(yaml, file: "l.yaml")
        #expect(warnings == [
            "l.yaml:2:1: unknown key 'colour' at the top level (ignored)",
            "l.yaml:5:5: unknown key 'retry' in source (ignored)",
            "l.yaml:8:5: unknown key 'gap' in row (ignored)",
            "l.yaml:12:9: key 'columns' does not apply to a gauge panel (ignored)",
            "l.yaml:13:9: unknown key 'colour' in panel (ignored)",
            "l.yaml:14:42: unknown key 'low' in thresholds (ignored)",
            "l.yaml:15:30: unknown key 'sound' in alert (ignored)",
            "l.yaml:18:22: unknown key 'units' in column (ignored)",
        ])
        #expect(layout.panels[0].columns == [])
        #expect(layout.panels[0].thresholds == .numeric(warn: 80, crit: 95))
    }

    /// A key that does not apply is not read, so its value cannot fail the file.
    @Test func ignoredKeysAreNotValidated() throws {
        let (layout, warnings) = try LayoutFile.parse(Self.panel("{kind: log, max: lots}"), file: "l.yaml")
        #expect(warnings == ["l.yaml:3:21: key 'max' does not apply to a log panel (ignored)"])
        #expect(layout.panels[0].max == nil)
    }

    @Test(arguments: [
        ("{kind: pie}", "l.yaml:3:16: unknown panel kind 'pie'; expected tile, chart, gauge, bars, table, log or text"),
        ("{title: x}", "l.yaml:3:9: a panel needs 'kind'"),
        ("{kind: tile, value: cpu}", "l.yaml:3:29: 'cpu' is not a JSON pointer; expected one starting with /, such as /cpu"),
        ("{kind: table, rows: /a~2}", "l.yaml:3:29: '/a~2' is not a JSON pointer; write ~0 for ~ and ~1 for / inside a key"),
        ("{kind: log, filter: event}", "l.yaml:3:29: 'event' is not a JSON pointer; expected one starting with /, such as /event"),
        ("{kind: tile, value: cpu.busy}", "l.yaml:3:29: 'cpu.busy' is not a JSON pointer; expected one starting with /, such as /cpu/busy (or /cpu.busy for one key with a dot)"),
        ("{kind: gauge, value: /x, max: lots}", "l.yaml:3:39: expected a number for 'max', not 'lots'"),
        ("{kind: gauge, value: /a, min: 10, max: 5}", "l.yaml:3:48: 'max' must be more than 'min' (10), not 5"),
        ("{kind: tile}", "l.yaml:3:9: a tile panel needs 'value', 'values' or 'series'"),
        ("{kind: chart, values: []}", "l.yaml:3:31: a chart panel needs 'value', 'values' or 'series'"),
        ("{kind: tile, value: /a, series: [/b]}", "l.yaml:3:33: give only one of 'value', 'values' and 'series' (they are the same key)"),
        ("{kind: tile, value: /a, width: 0}", "l.yaml:3:40: 'width' must be from 1 to 100, not 0"),
        ("{kind: tile, value: /a, width: 1.5}", "l.yaml:3:40: expected a whole number for 'width', not '1.5'"),
        ("{kind: tile, value: /a, title: [x]}", "l.yaml:3:40: expected a string for 'title', not a list"),
        ("{kind: tile, value: /a, thresholds: {up: ok, down: bad}}", "l.yaml:3:60: expected ok, warn or crit for state 'down', not 'bad'"),
        ("{kind: tile, value: /a, thresholds: {warn: 80, crit: high}}", "l.yaml:3:62: expected a number for 'crit', not 'high'"),
        ("{kind: tile, value: /a, thresholds: {}}", "l.yaml:3:45: 'thresholds' is empty; expected one such as {warn: 80, crit: 95} or {up: ok, down: crit}"),
        ("{kind: tile, value: /a, alert: {command: notify-send x}}", "l.yaml:3:50: 'command' must be a list of arguments, not a shell line"),
        ("{kind: tile, value: /a, alert: {for: soon}}", "l.yaml:3:46: expected a duration for 'for' such as 500ms, 5s, 2m or 1h, not 'soon'"),
        ("{kind: tile, value: /a, alert: {for: -1s}}", "l.yaml:3:46: 'for' must be 0 or more, not '-1s'"),
        ("{kind: tile, value: /a, alert: {timeout: 0}}", "l.yaml:3:50: 'timeout' must be more than 0, not '0'"),
        ("{kind: tile, value: /a, alert: {level: ok}}", "l.yaml:3:48: unknown alert level 'ok'; expected warn or crit"),
        ("{kind: tile, value: /a, alert: {bell: loud}}", "l.yaml:3:47: expected true or false for 'bell', not 'loud'"),
        ("{kind: text}", "l.yaml:3:9: a text panel needs 'text' or 'value'"),
        ("{kind: text, values: [/a, /b]}", "l.yaml:3:30: a text panel shows one value, not 2"),
        ("{kind: text, text: hi, value: /a}", "l.yaml:3:32: a text panel takes 'text' or 'value', not both"),
        ("{kind: table, columns: status}", "l.yaml:3:32: expected a list for 'columns', not 'status'"),
        ("{kind: table, columns: [{title: x}]}", "l.yaml:3:33: a column needs 'key'"),
        ("{kind: table, sort: '-'}", "l.yaml:3:29: expected a column key for 'sort', such as latency_ms or -latency_ms, not '-'"),
        ("[kind, tile]", "l.yaml:3:9: expected a mapping with 'kind' for a panel, not a list"),
        ("{kind: bars, value: /a, sort: biggest}", "l.yaml:3:39: unknown sort 'biggest' for a bars panel; expected -value (largest first, the default), value, label, -label or none"),
        ("{kind: bars, value: /a, sort: [value]}", "l.yaml:3:39: expected a string for 'sort', not a list"),
        ("{kind: bars, values: []}", "l.yaml:3:30: a bars panel needs 'value', 'values' or 'series'"),
        ("{kind: bars, value: /a, max: high}", "l.yaml:3:38: expected a number for 'max', not 'high'"),
        ("{kind: table, columns: [{key: a, spark: wide}]}", "l.yaml:3:49: expected true, false or a width in cells for 'spark', not 'wide'"),
        ("{kind: table, columns: [{key: a, spark: 99}]}", "l.yaml:3:49: 'spark' must be from 2 to 24 cells, not 99"),
        ("{kind: table, columns: [{key: a, spark: [1]}]}", "l.yaml:3:49: expected true, false or a width in cells for 'spark', not a list"),
    ])
    func panelErrors(flow: String, expected: String) {
        #expect(Self.errorText(Self.panel(flow)) == expected)
    }

    @Test(arguments: [
        (sources("{name: demo}", "{name: demo}"), "l.yaml:3:5: duplicate source name 'demo'; the first is at 2:5"),
        (sources("{url: ws://x}"), "l.yaml:2:5: a source needs 'name'"),
        (sources("{name: a, transport: udp}"), "l.yaml:2:26: unknown transport 'udp'; expected auto, websocket, sse, stream, longpoll or poll"),
        (sources("{name: a, fold: upsert}"), "l.yaml:2:21: unknown fold 'upsert'; expected merge, replace, append or upsert:/pointer"),
        (sources(#"{name: a, headers: ["X Key: v"]}"#), "l.yaml:2:25: 'X Key: v' is not a header; expected 'Name: value' with no spaces in the name"),
        (sources(#"{name: a, headers: ["X-Key"]}"#), "l.yaml:2:25: 'X-Key' is not a header; expected 'Name: value' with no spaces in the name"),
        (sources(#"{name: a, headers: ["X@Key: v"]}"#), "l.yaml:2:25: 'X@Key: v' is not a header; a header name cannot hold '@'"),
        (sources("{name: a, sse_url: ws://x/}"), "l.yaml:2:24: 'sse_url' 'ws://x/': must be http:// or https://"),
        (sources("{name: a, poll_url: x/poll}"), "l.yaml:2:25: 'poll_url' 'x/poll': missing scheme (ws://, wss://, http://, https://, socketio:// or redis://)"),
        (sources("{name: a, url: ftp://x/}"), "l.yaml:2:20: 'url' 'ftp://x/': unsupported scheme 'ftp'"),
        (sources("{name: a, url: no-such-file-here}"),
         "l.yaml:2:20: 'url' 'no-such-file-here': missing scheme (ws://, wss://, http://, https://, socketio:// or redis://), and no such file"),
        (sources("{name: a, poll_items: results}"), "l.yaml:2:27: 'results' is not a JSON pointer; expected one starting with /, such as /results"),
        (sources("{name: a, send: {op: sub}}"), "l.yaml:2:21: expected a string or a list of strings for 'send', not a mapping"),
        ("sources: []\nrows: [{panels: [{kind: log}]}]", "l.yaml:1:10: 'sources' is empty; list at least one, or leave it out for one source named main"),
        ("sources:\n  - name: demo\n  - name: host\n" + panel("{kind: tile, value: /a, source: db}"),
         "l.yaml:6:41: no source named 'db'; the sources are: demo, host"),
    ])
    func sourceErrors(yaml: String, expected: String) {
        #expect(Self.errorText(yaml) == expected)
    }

    @Test(arguments: [
        ("", "l.yaml: the layout is empty; it needs 'rows' with panels"),
        ("# nothing yet\n", "l.yaml: the layout is empty; it needs 'rows' with panels"),
        ("- a\n- b\n", "l.yaml:1:1: expected a mapping with 'rows' at the top level, not a list"),
        ("title: x\n", "l.yaml:1:1: a layout needs 'rows'"),
        ("runcharts:\n  - title: x\ngauges: []\n", "l.yaml:1:1: a layout needs 'rows'; 'runcharts' and 'gauges' are keys of sampler's format, not livetop's: panels go in rows (kind: chart, gauge, bars, tile or text; see docs/layouts.md)"),
        ("rows: []\n", "l.yaml:1:7: 'rows' is empty; expected at least one row with panels"),
        ("rows: {a: 1}\n", "l.yaml:1:7: expected a list for 'rows', not a mapping"),
        ("history: 5\nrows: [{panels: [{kind: log}]}]\n", "l.yaml:1:10: 'history' must be from 10 to 3600, not 5"),
        ("rows:\n  - height: 2\n", "l.yaml:2:5: a row needs 'panels'"),
        ("rows:\n  - panels: []\n", "l.yaml:2:13: 'panels' is empty; expected at least one panel"),
        ("rows:\n  - height: 200\n    panels: [{kind: log}]\n", "l.yaml:2:13: 'height' must be from 1 to 100, not 200"),
        ("rows: []\nrows: []\n", "l.yaml:1:1: duplicate key 'rows' in the same mapping"),
        ("rows:\n\t- panels: []\n", "l.yaml:2:1: invalid YAML: a tab; YAML indents with spaces"),
        ("rows: [{panels: [{kind: log}]\n", "l.yaml:2:1: invalid YAML: did not find expected ',' or '}' (while parsing a flow mapping at 1:8)"),
    ])
    func fileErrors(yaml: String, expected: String) {
        #expect(Self.errorText(yaml) == expected)
    }

    @Test func errorsAreOneLine() {
        let error = LayoutError(file: "l.yaml", location: SourceLocation(line: 1, column: 2), message: "a\nb\r\nc")
        #expect(error.description == "l.yaml:1:2: a b c")
    }

    @Test func loadsAFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("layout-\(UUID().uuidString).yaml").path
        try Data(Self.panel("{kind: tile, value: /cpu, colour: red}").utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (layout, warnings) = try LayoutFile.load(path: path)
        #expect(layout.panels.map(\.title) == ["cpu"])
        #expect(warnings == ["\(path):3:35: unknown key 'colour' in panel (ignored)"])
    }

    @Test func anUnreadableFileHasNoLocation() {
        let path = "/nonexistent/layout.yaml"
        #expect(throws: LayoutError(file: path, message: "no such file")) { try LayoutFile.load(path: path) }
        let directory = FileManager.default.temporaryDirectory.path
        #expect(throws: LayoutError(file: directory, message: "is a directory, not a layout file")) {
            try LayoutFile.load(path: directory)
        }
    }
}

/// Derived values: `rate`/`delta` keys and expressions in `value`, `values` and `series`.
extension LayoutFileTests {
    @Test(arguments: [
        // The column is the expression's own, in the file: after the quote, escapes counted as written.
        (panel(#"{kind: tile, value: "/a +"}"#), "l.yaml:3:34: bad expression '/a +': expected a value after '+'"),
        (panel(#"{kind: gauge, values: [/b, '(/a']}"#), "l.yaml:3:40: bad expression '(/a': expected ')' to close the '(' at column 1"),
        (panel(#"{kind: chart, series: ["/a // 2"]}"#), "l.yaml:3:37: bad expression '/a // 2': expected a value after '/', not '/'"),
        ("rows:\n  - panels:\n      - kind: gauge\n        value: rate(1) * 2\n",
         "l.yaml:4:21: bad expression 'rate(1) * 2': rate() takes a pointer, such as rate(/net/rx), not '1'"),
        (panel(#"{kind: tile, value: "rate(`/n{a=\"0\"}`) +"}"#),
         #"l.yaml:3:51: bad expression 'rate(`/n{a="0"}`) +': expected a value after '+'"#),
        (panel("{kind: tile, value: 'it''s + 1'}"), "l.yaml:3:30: bad expression 'it's + 1': unknown name 'it'; a pointer starts with /, such as /it"),
        (panel("{kind: tile, value: /a, rate: true, delta: true}"),
         "l.yaml:3:45: give 'rate: true' or 'delta: true', not both (a rate is a delta per second)"),
        (panel("{kind: table, columns: [{key: rx, delta: true, rate: true}]}"),
         "l.yaml:3:56: give 'rate: true' or 'delta: true', not both (a rate is a delta per second)"),
        (panel("{kind: chart, series: [/a], rate: often}"), "l.yaml:3:43: expected true or false for 'rate', not 'often'"),
    ])
    func badDerivedValuesAreErrorsWithTheirPlace(_ yaml: String, _ expected: String) {
        #expect(Self.errorText(yaml) == expected)
    }

    @Test func expressionsAndPointersMix() throws {
        let chart = try Self.onlyPanel(Self.panel(#"{kind: chart, series: ["rate(/net/rx) / 1024", /cpu, "`/disk space`"]}"#))
        #expect(chart.values.map(\.text) == ["rate(/net/rx) / 1024", "/cpu", "/disk space"])
        guard case .expression(let expression) = chart.values[0], case .pattern = chart.values[1], case .pattern = chart.values[2] else {
            Issue.record("expected an expression and two pointers: \(chart.values)")
            return
        }
        #expect(expression.operands == [Expression.Operand(pointer: JSONPointer("/net/rx")!, derivation: .rate)])
        #expect(chart.title == "rate(/net/rx) / 1024, cpu, disk space")
        #expect(chart.derivation == .value)
    }

    /// Without a space, `(` or backtick a value is a pointer, as it was before expressions.
    @Test(arguments: ["/a-b", "/a*2", "/a+1", #"/node_cpu_seconds_total{cpu="0",mode="idle"}"#])
    func valuesWithoutSpacesArePointers(_ text: String) throws {
        let tile = try Self.onlyPanel(Self.panel("{kind: tile, value: '\(text)'}"))
        #expect(tile.values == [.pattern(PointerPattern(text)!)])
    }

    @Test func rateAndDeltaOnPanelsAndColumns() throws {
        let tile = try Self.onlyPanel(Self.panel("{kind: tile, value: /net/rx, rate: true}"))
        #expect(tile.derivation == .rate && tile.title == "rate(rx)")
        let gauge = try Self.onlyPanel(Self.panel("{kind: gauge, value: /q, delta: true, rate: false}"))
        #expect(gauge.derivation == .delta && gauge.title == "delta(q)")
        let table = try Self.onlyPanel(Self.panel(#"{kind: table, rows: /ifaces, columns: [{key: rx_bytes, rate: true, format: "%.0f B/s"}, state, {key: errs, delta: true}]}"#))
        #expect(table.columns.map(\.derivation) == [.rate, nil, .delta])
        #expect(table.derivation == .value)
        let (_, warnings) = try LayoutFile.parse(Self.panel("{kind: log, rate: true}"), file: "l.yaml")
        #expect(warnings == ["l.yaml:3:21: key 'rate' does not apply to a log panel (ignored)"])
    }

    @Test func aLongExpressionIsCutShortInTheDefaultTitle() throws {
        let gauge = try Self.onlyPanel(Self.panel(#"{kind: gauge, value: "/memory/used_bytes / /memory/total_bytes * 100"}"#))
        #expect(gauge.title == "/memory/used_bytes / /memory/to…")
        #expect(gauge.title.count == 32)
    }
}
