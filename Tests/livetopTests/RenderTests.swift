import Foundation
import LiveModel
import Testing
@testable import livetop

@Suite struct TerminalTextTests {
    @Test(arguments: [
        ("plain", "plain"),
        ("\u{1B}[31mred", "\\e[31mred"),
        ("\u{1B}]0;title\u{07}", "\\e]0;title\\x07"),
        ("tab\there", "tab\\there"),
        ("a\u{9B}2J", "a\\u{009B}2J"),
        ("x\u{202E}y\u{2066}z", "x\\u{202E}y\\u{2066}z"),
        ("del\u{7F}", "del\\x7F"),
        ("line\nbreak", "line\\nbreak"),
        ("中文 ✓ é", "中文 ✓ é"),
    ])
    func sanitizesControlsAndBidi(_ input: String, _ expected: String) {
        #expect(TerminalText.sanitize(input) == expected)
    }

    @Test(arguments: [("a", 1), ("中", 2), ("é", 1), ("e\u{301}", 1), ("👍", 2), ("👍🏽", 2), ("❤️", 2), ("ｱ", 1), ("Ａ", 2)] as [(String, Int)])
    func measuresGraphemes(_ text: String, _ width: Int) {
        #expect(TerminalText.width(text) == width)
    }

    @Test func truncatesToColumnsWithoutCuttingWideCharacters() {
        #expect(TerminalText.truncate("abcdef", to: 4) == "abc…")
        #expect(TerminalText.truncate("中文字", to: 4) == "中…")
        #expect(TerminalText.truncate("abc", to: 3) == "abc")
        #expect(TerminalText.truncate("abcdef", to: 4, ascii: true) == "abc~")
    }
}

@Suite struct BufferTests {
    @Test func writesClipWideCharactersWhole() {
        var buffer = Buffer(width: 5, height: 1, fill: Cell(text: "·", style: .plain))
        let end = buffer.write("ab中文", x: 0, y: 0)
        #expect(buffer.lines == ["ab中·"] || buffer.lines == ["ab中 ·"].map { $0.replacingOccurrences(of: " ", with: "") })
        #expect(end == 4)
        #expect(buffer[2, 0].text == "中" && buffer[3, 0].text == "" && buffer[4, 0].text == "·")
    }

    @Test func writesNothingOutsideTheClip() {
        var buffer = Buffer(width: 6, height: 2, fill: Cell(text: "·", style: .plain))
        buffer.write("hello world", x: 1, y: 1, clip: Rect(x: 1, y: 1, width: 3, height: 1))
        #expect(buffer.lines == ["······", "·hel··"])
    }

    @Test func feedTextCannotEscapeIntoTheTerminal() {
        var buffer = Buffer(width: 30, height: 1)
        buffer.write("\u{1B}[2J\u{1B}]0;pwned\u{07}", x: 0, y: 0)
        #expect(!buffer.cells.contains { $0.text.unicodeScalars.contains(where: TerminalText.isUnsafe) })
        #expect(buffer.lines[0].hasPrefix("\\e[2J\\e]0;pwned\\x07"))
    }
}

@Suite struct WidgetTests {
    @Test func sparklineScalesFromZeroToTheMax() {
        var buffer = Buffer(width: 6, height: 1, fill: Cell(text: "·", style: .plain))
        Sparkline(values: [0, 1, 2, 3, 7], glyphs: .unicode).render(in: buffer.area, into: &buffer)
        #expect(buffer.lines == ["·▁▂▃▄█"])
        #expect(buffer[5, 0].style.foreground == .cyan)
        var ascii = Buffer(width: 3, height: 1)
        Sparkline(values: [1, 2, 3], glyphs: .ascii).render(in: ascii.area, into: &ascii)
        #expect(ascii.lines == ["-+#"])  // from zero, not from the min
    }

    static func store(_ events: [LinkState], at now: Timestamp) -> LiveStore {
        var store = LiveStore()
        for e in events { store.apply(.connection(e, at: now)) }
        return store
    }

    /// Keys the store dropped past --max-keys are said on the status line, in yellow: the panels
    /// may be missing rows.
    @Test func statusLineSaysHowManyKeysWereEvicted() throws {
        let t = Timestamp(seconds: 1000)
        var config = LiveStore.Configuration()
        config.maxKeys = 100
        var store = LiveStore(config)
        store.apply(.connection(.open(transport: .websocket), at: t))
        let hosts = (0..<200).map { "\"h\($0)\":1" }.joined(separator: ",")
        store.apply(.messages(MessageBatch(texts: ["{\"hosts\":{\(hosts)}}"]), at: t))
        #expect(store.stats.evictions > 0)
        var buffer = Buffer(width: 120, height: 1)
        StatusLine(status: store.status, stats: store.stats, now: t, paused: false, glyphs: .unicode, maxKeys: config.maxKeys)
            .render(in: buffer.area, into: &buffer)
        let line = buffer.lines[0]
        let text = "\(store.stats.evictions) keys evicted (--max-keys 100)"
        let at = try #require(line.range(of: text), "\(line)")
        let x = line.distance(from: line.startIndex, to: at.lowerBound)
        #expect(buffer[x, 0].style.foreground == .yellow)
    }

    @Test func statusLineShowsTheCountdownAndTheErrorInYellow() {
        let t = Timestamp(seconds: 1000)
        let store = Self.store([.connecting(transport: .websocket, url: "ws://127.0.0.1:9000/feed", attempt: 3),
                                .waiting(transport: .websocket, attempt: 4, retryIn: .milliseconds(3200), error: .refused)], at: t)
        var buffer = Buffer(width: 120, height: 1)
        StatusLine(status: store.status, stats: store.stats, now: t, paused: false, glyphs: .unicode).render(in: buffer.area, into: &buffer)
        let line = buffer.lines[0]
        // Narrower, the URL gives way first, shortened from the left.
        var narrow = Buffer(width: 96, height: 1)
        StatusLine(status: store.status, stats: store.stats, now: t, paused: false, glyphs: .unicode).render(in: narrow.area, into: &narrow)
        #expect(narrow.lines[0].contains("…") && narrow.lines[0].contains("9000/feed"))
        #expect(line.hasPrefix("● waiting websocket"))
        #expect(line.contains("reconnecting in 3.2 s (attempt 4): connection refused"))
        #expect(line.contains("ws://127.0.0.1:9000/feed"))
        #expect(buffer[0, 0].style.foreground == .yellow)
        // A second later the countdown has moved.
        var later = Buffer(width: 120, height: 1)
        StatusLine(status: store.status, stats: store.stats, now: t + 1, paused: false, glyphs: .unicode).render(in: later.area, into: &later)
        #expect(later.lines[0].contains("reconnecting in 2.2 s"))
    }

    /// A gap (or a fallback) is shown with its reason in yellow for a while; a gap then stays counted.
    @Test func statusLineShowsAGapThenKeepsItCounted() throws {
        let t = Timestamp(seconds: 1000)
        var store = Self.store([.connecting(transport: .longpoll, url: "http://127.0.0.1:9000/sub/a", attempt: 1),
                                .open(transport: .longpoll)], at: t)
        store.apply(.connection(.gap(transport: .longpoll, reason: "cursor no longer known (HTTP 410)"), at: t + 1))
        func line(at now: Timestamp) -> Buffer {
            var buffer = Buffer(width: 120, height: 1)
            StatusLine(status: store.status, stats: store.stats, now: now, paused: false, glyphs: .unicode).render(in: buffer.area, into: &buffer)
            return buffer
        }
        let soon = line(at: t + 3)
        let shown = try #require(soon.lines[0].range(of: "gap: cursor no longer known (HTTP 410)"))
        #expect(soon.lines[0].hasPrefix("● open longpoll"))
        let column = soon.lines[0].distance(from: soon.lines[0].startIndex, to: shown.lowerBound)
        #expect(soon[column, 0].style.foreground == .yellow)
        let later = line(at: t + 1 + StatusLine.transitionShownFor).lines[0]
        #expect(!later.contains("cursor no longer known"))
        #expect(later.contains("1 gap"))
        store.apply(.connection(.fallback(transport: .sse, reason: "websocket upgrade answered HTTP 404"), at: t + 20))
        #expect(line(at: t + 21).lines[0].contains("fallback: websocket upgrade answered HTTP 404"))
    }

    /// A gap whose count the ids proved, and repeats dropped, stay on the line once their reason has gone.
    @Test func statusLineKeepsMissedAndRepeatsCounted() {
        let t = Timestamp(seconds: 1000)
        var store = Self.store([.connecting(transport: .sse, url: "http://127.0.0.1:9000/sub/a", attempt: 1), .open(transport: .sse)], at: t)
        store.apply(.connection(.gap(transport: .sse, reason: "15 messages skipped", missed: 15), at: t + 1))
        store.apply(.connection(.repeated(transport: .sse, count: 2, reason: "2 events already delivered came again"), at: t + 2))
        #expect(store.status.gaps == 1 && store.status.missed == 15 && store.status.repeats == 2)
        var buffer = Buffer(width: 120, height: 1)
        StatusLine(status: store.status, stats: store.stats, now: t + 2 + StatusLine.transitionShownFor, paused: false, glyphs: .unicode)
            .render(in: buffer.area, into: &buffer)
        #expect(buffer.lines[0].contains("1 gap (15 missed)"))
        #expect(buffer.lines[0].contains("2 repeats dropped"))
        #expect(store.status.history.last?.text == "repeat (sse): 2 events already delivered came again")
    }

    /// Open on `poll`: the line says how often instead of a bare transport name.
    @Test func statusLineSaysPollingEveryWhileOpenOnPoll() {
        let t = Timestamp(seconds: 1000)
        let store = Self.store([.connecting(transport: .longpoll, url: "http://127.0.0.1:9000/status", attempt: 1),
                                .fallback(transport: .poll, reason: "answered at once with no cursor that moves"),
                                .open(transport: .poll, every: .seconds(1))], at: t)
        var buffer = Buffer(width: 160, height: 1)
        StatusLine(status: store.status, stats: store.stats, now: t + 20, paused: false, glyphs: .unicode).render(in: buffer.area, into: &buffer)
        #expect(buffer.lines[0].hasPrefix("● open polling every 1 s"), "\(buffer.lines[0])")
        #expect(buffer[0, 0].style.foreground == .green)
    }

    @Test(arguments: [
        (LinkState.open(transport: .websocket), Style.Color.green, "● open websocket"),
        (.failed(transport: .websocket, error: .io("HTTP 401"), retryIn: nil), .red, "● failed websocket"),
    ])
    func statusColoursCarryMeaning(_ event: LinkState, _ color: Style.Color, _ prefix: String) {
        let t = Timestamp(seconds: 1)
        let store = Self.store([event], at: t)
        var buffer = Buffer(width: 60, height: 1)
        StatusLine(status: store.status, stats: store.stats, now: t, paused: true, glyphs: .unicode).render(in: buffer.area, into: &buffer)
        #expect(buffer.lines[0].hasPrefix(prefix.replacingOccurrences(of: " websocket", with: " PAUSED websocket")))
        #expect(buffer[0, 0].style.foreground == color)
    }

    @Test func tablesSummariseWhatDoesNotFit() {
        var buffer = Buffer(width: 20, height: 4)
        KeyValueTable(title: "disks", pairs: (1...10).map { ("d\($0)", "\($0)") }, glyphs: .unicode)
            .render(in: buffer.area, into: &buffer)
        #expect(buffer.lines.map { $0.trimmingCharacters(in: .whitespaces) } == ["disks", "d1   1", "d2   2", "+8 more"])
    }
}

/// Whole screens compared with snapshot files. `LIVETOP_RECORD_SNAPSHOTS=1` rewrites them (and
/// the test then fails, saying it recorded).
@Suite struct ScreenSnapshotTests {
    static let now = Timestamp(seconds: 1_795_708_529)

    static func check(_ name: String, _ buffer: Buffer) throws {
        let text = buffer.lines.map { $0.replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) }.joined(separator: "\n") + "\n"
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots/\(name).txt")
        if ProcessInfo.processInfo.environment["LIVETOP_RECORD_SNAPSHOTS"] == "1" {
            try text.write(to: url, atomically: true, encoding: .utf8)
            Issue.record("recorded snapshot \(name)")
            return
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        #expect(text == expected, "snapshot \(name) differs:\n\(text)")
    }

    static func metricsStore() -> LiveStore {
        var store = LiveStore()
        store.apply(.connection(.connecting(transport: .websocket, url: "ws://127.0.0.1:9000/metrics", attempt: 1), at: now))
        store.apply(.connection(.open(transport: .websocket), at: now))
        for i in 0..<20 {
            store.apply(.messages(MessageBatch(texts: [
                #"{"cpu":\#(Double(i % 7) / 10),"load":\#(1 + i % 3),"host":"alpha","up":true,"mem":{"used":\#(100 + i),"total":1000}}"#,
            ]), at: now + Double(i) / 10))
        }
        return store
    }

    /// The demo's feed: host metrics as tiles, services (an object of objects) as rows, and a
    /// held replay's notice on the status line.
    @Test func demoFeedWithAServicesTableAndANotice() throws {
        var store = LiveStore()
        var feed = DemoFeed(seed: 1)
        store.apply(.connection(.connecting(transport: .sse, url: "ws://127.0.0.1:9000/", attempt: 1), at: Self.now))
        store.apply(.connection(.open(transport: .sse), at: Self.now))
        for i in 0..<30 {
            let t = Self.now + Double(i) / 10
            store.apply(.messages(MessageBatch(texts: feed.tick(at: t).map { String(decoding: $0, as: UTF8.self) }), at: t))
        }
        var view = ViewState()
        view.notice = "end of recording, q quits"
        let screen = Screen.render(store, view: view, width: 80, height: 24, now: Self.now + 3)
        let text = screen.lines.joined(separator: "\n")
        // Framed (one render path with declared layouts), the table keeps the log its least
        // height at 80x24 and counts the rows it cannot show.
        #expect(text.contains("services (6)") && text.contains("services status") && text.contains("+2 more rows"))
        #expect(screen.lines.last?.contains("end of recording, q quits") == true)
        try Self.check("demo-80x24", screen)
    }

    @Test func metricsFeed() throws {
        try Self.check("metrics-60x14", Screen.render(Self.metricsStore(), view: ViewState(), width: 60, height: 14, now: Self.now + 2))
    }

    @Test func tickerFeedWithUpsertRows() throws {
        var store = LiveStore(.init(fold: .upsert(JSONPointer("/symbol")!)))
        store.apply(.connection(.open(transport: .sse), at: Self.now))
        store.apply(.messages(MessageBatch(texts: [
            #"{"symbol":"BTC-USD","px":64123.5,"size":2}"#, #"{"symbol":"ETH-USD","px":3100.25,"size":10}"#,
            #"{"symbol":"SOL-USD","px":150.1,"venue":"x"}"#,
        ]), at: Self.now))
        var view = ViewState()
        view.sortColumns[0] = 1
        try Self.check("ticker-50x10", Screen.render(store, view: view, width: 50, height: 10, now: Self.now + 1))
    }

    @Test(arguments: [(20, 5), (1, 1), (300, 100), (21, 6), (0, 0)])
    func anySizeRendersWithoutCrashing(_ width: Int, _ height: Int) {
        var view = ViewState()
        view.showHelp = true
        let buffer = Screen.render(Self.metricsStore(), view: view, width: width, height: height, now: Self.now)
        #expect(buffer.lines.count == height)
        #expect(buffer.lines.allSatisfy { TerminalText.width($0) <= max(width, 0) })
    }

    @Test func asciiModeUsesNoBoxOrBlockGlyphs() {
        var view = ViewState()
        view.ascii = true
        let text = Screen.render(Self.metricsStore(), view: view, width: 60, height: 14, now: Self.now).lines.joined()
        #expect(text.unicodeScalars.allSatisfy { $0.isASCII })
    }
}
