import Foundation
import LiveModel
import PushLink
import Testing
@testable import livetop

/// The dashboard's parts without a terminal: keys as a pure function, the hand-off state machine,
/// frame scheduling, the cell diff, and the whole loop on a `TestBackend` with a moved clock.
@Suite struct KeyMapTests {
    /// Three panels: a tile at the top left, a table at the top right, a log below both.
    static let context = KeyContext(panelCount: 3, places: [
        0: PanelPlace(rect: Rect(x: 0, y: 0, width: 40, height: 10), kind: .other),
        1: PanelPlace(rect: Rect(x: 40, y: 0, width: 40, height: 10), kind: .table(rows: 100, columns: 3), page: 8),
        2: PanelPlace(rect: Rect(x: 0, y: 10, width: 80, height: 12), kind: .log(oldest: 51, newest: 100), page: 10),
    ])

    @Test(arguments: [
        (Key.character("q"), [Command.quit]),
        (.character("r"), [.reconnect]),
        (.character("L"), [.reloadLayout]),
        (.resize, [.redrawAll]),
        (.character("?"), []),
    ])
    func keysThatAskTheWorld(_ key: Key, _ commands: [Command]) {
        #expect(KeyMap.apply(key, to: ViewState(), context: Self.context).1 == commands)
    }

    @Test func focusCyclesThroughThePanelsOfTheLastFrame() {
        var view = ViewState()
        var seen: [Int?] = []
        for _ in 0..<4 {
            view = KeyMap.apply(.tab, to: view, context: Self.context).0
            seen.append(view.focus)
        }
        #expect(seen == [0, 1, 2, 0])
        #expect(KeyMap.apply(.backTab, to: ViewState(), context: Self.context).0.focus == 2)
        // Enter zooms only a focused panel; Esc clears zoom, help and filter.
        #expect(!KeyMap.apply(.enter, to: ViewState(), context: Self.context).0.zoomed)
        var zoomed = KeyMap.apply(.enter, to: view, context: Self.context).0
        #expect(zoomed.zoomed)
        zoomed.showHelp = true
        zoomed.filter = "cpu"
        let cleared = KeyMap.apply(.escape, to: zoomed, context: Self.context).0
        #expect(!cleared.zoomed && !cleared.showHelp && cleared.filter.isEmpty)
    }

    /// `e` opens the event panel; j/k and PgUp/PgDn then scroll it (not the log), within its
    /// rows; Esc closes it and dismisses a message that stays.
    @Test func theEventPanelHasTheScrollKeysWhileOpen() {
        var context = Self.context
        context.eventLines = 30
        var view = KeyMap.apply(.character("e"), to: ViewState(), context: context).0
        #expect(view.showEvents)
        for key in [Key.pageUp, .pageUp, .pageUp, .pageUp, .character("j")] { view = KeyMap.apply(key, to: view, context: context).0 }
        #expect(view.eventScroll == 28 && view.logAnchors.isEmpty)
        let (closed, commands) = KeyMap.apply(.escape, to: view, context: context)
        #expect(!closed.showEvents && commands == [.dismissMessage])
    }

    @Test func typingAFilterTakesEveryKeyUntilEnter() {
        var view = KeyMap.apply(.character("/"), to: ViewState(), context: Self.context).0
        for key in [Key.character("c"), .character("q"), .character("u"), .backspace, .character("p")] {
            let (next, commands) = KeyMap.apply(key, to: view, context: Self.context)
            #expect(commands.isEmpty)  // q is a letter here, not quit
            view = next
        }
        #expect(view.filter == "cqp" && view.editingFilter)
        view = KeyMap.apply(.enter, to: view, context: Self.context).0
        #expect(view.filter == "cqp" && !view.editingFilter)
    }

    /// Unfocused, j/k and PgUp/PgDn scroll the log (as they always did), by message sequence
    /// number, never past its oldest page; End (or G, or j to the newest) follows again.
    @Test func scrollingStaysWithinTheLogAndEndFollows() {
        var view = ViewState()
        for _ in 0..<8 { view = KeyMap.apply(.pageUp, to: view, context: Self.context).0 }
        #expect(view.logAnchors[2] == 60)  // the oldest page: 51...60
        view = KeyMap.apply(.character("j"), to: view, context: Self.context).0
        #expect(view.logAnchors[2] == 61)
        view = KeyMap.apply(.character("g"), to: view, context: Self.context).0
        #expect(view.logAnchors[2] == 60)
        view = KeyMap.apply(.end, to: view, context: Self.context).0
        #expect(view.logAnchors[2] == nil)
        view = KeyMap.apply(.character("k"), to: view, context: Self.context).0
        #expect(view.logAnchors[2] == 99)
        view = KeyMap.apply(.character("j"), to: view, context: Self.context).0
        #expect(view.logAnchors[2] == nil, "down to the newest follows again")
    }

    /// On a focused table: j/k a row, PgDn/PgUp a page less one, End the last full page, Home the top.
    @Test func theScrollKeysMoveAFocusedTable() {
        var view = ViewState()
        view.focus = 1
        var offsets: [Int?] = []
        for key in [Key.character("j"), .character("j"), .character("k"), .pageDown, .pageDown, .pageUp, .end, .character("j"),
                    .home, .character("k"), .character("G"), .character("g")] {
            view = KeyMap.apply(key, to: view, context: Self.context).0
            offsets.append(view.rowOffsets[1])
        }
        #expect(offsets == [1, 2, 1, 8, 15, 8, 92, 92, nil, nil, 92, nil])
        #expect(view.logAnchors.isEmpty, "the log did not move")
        // Esc goes back to following: the table at its top.
        view = KeyMap.apply(.end, to: view, context: Self.context).0
        #expect(KeyMap.apply(.escape, to: view, context: Self.context).0.rowOffsets.isEmpty)
    }

    /// `s` and `S` go forward and back through the focused table's columns, and none; with no
    /// table focused, `s` sorts the first table and focuses it (never a hidden sort).
    @Test func sortGoesForwardAndBackThroughTheFocusedTable() {
        var view = ViewState()
        var columns: [Int?] = []
        for key in [Key.character("s"), .character("s"), .character("s"), .character("s"), .character("S"), .character("S")] {
            view = KeyMap.apply(key, to: view, context: Self.context).0
            columns.append(view.sortColumns[1])
        }
        #expect(columns == [0, 1, 2, nil, 2, 1])
        #expect(view.focus == 1)
        // With a log focused, s sorts nothing (the table it would sort is not the one in view).
        var onLog = ViewState()
        onLog.focus = 2
        #expect(KeyMap.apply(.character("s"), to: onLog, context: Self.context).0.sortColumns.isEmpty)
    }

    /// Arrows move focus by screen position: Down from the top-left tile goes to the log below,
    /// Right to the table, Down from the table to the log, Up from the log to the top-left one
    /// (the panel above sharing its left edge), Left at the left edge stays.
    @Test func arrowsMoveFocusByScreenPosition() {
        func press(_ key: Key, from focus: Int?) -> Int? {
            var view = ViewState()
            view.focus = focus
            return KeyMap.apply(key, to: view, context: Self.context).0.focus
        }
        #expect(press(.down, from: nil) == 0)
        #expect(press(.down, from: 0) == 2)
        #expect(press(.right, from: 0) == 1)
        #expect(press(.down, from: 1) == 2)
        #expect(press(.up, from: 2) == 0)
        #expect(press(.left, from: 1) == 0)
        #expect(press(.left, from: 0) == 0)
        #expect(press(.tab, from: 0) == 1 && press(.tab, from: 2) == 0)
    }

    /// `/` on a focused table or log filters its rows; unfocused, the panels by title.
    @Test func slashFiltersTheFocusedPanelsRows() {
        var view = ViewState()
        view.focus = 1
        for key in [Key.character("/"), .character("w"), .character("e"), .character("b"), .enter] {
            view = KeyMap.apply(key, to: view, context: Self.context).0
        }
        #expect(view.rowFilters == [1: "web"] && view.filter.isEmpty && !view.editingFilter)
        var unfocused = ViewState()
        for key in [Key.character("/"), .character("c"), .enter] { unfocused = KeyMap.apply(key, to: unfocused, context: Self.context).0 }
        #expect(unfocused.filter == "c" && unfocused.rowFilters.isEmpty)
        let cleared = KeyMap.apply(.escape, to: view, context: Self.context).0
        #expect(cleared.rowFilters.isEmpty)
    }

    /// The `?` overlay and the README's key table come from the same bindings `apply` reads.
    @Test func everyBindingIsInTheHelpAndTheReadme() throws {
        for binding in KeyMap.bindings {
            #expect(HelpOverlay.lines.contains { $0.hasPrefix(binding.label) && $0.hasSuffix(binding.help) })
            for (key, action) in binding.keys { #expect(KeyMap.actions[key] == action) }
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let readme = try String(contentsOfFile: root.appendingPathComponent("README.md").path, encoding: .utf8)
        let start = try #require(readme.range(of: "<!-- keys: generated from KeyMap.markdownTable -->\n"))
        let end = try #require(readme.range(of: "\n<!-- /keys -->"))
        #expect(String(readme[start.upperBound..<end.lowerBound]) == KeyMap.markdownTable,
                "README's key table differs from KeyMap; paste KeyMap.markdownTable:\n\(KeyMap.markdownTable)")
    }
}

@Suite struct HandOffTests {
    @Test func oneWakeUpPerBurstAndAFullQueueParksTheConsumer() {
        var handOff = HandOff<Int, String>(limit: 3)
        let first = handOff.enqueue(1).wakeUI, second = handOff.enqueue(2).wakeUI
        #expect(first && !second)
        let third = handOff.enqueue(3)
        #expect(third.mustPark && !third.wakeUI)
        let parkedAtOnce = handOff.park("consumer")
        #expect(!parkedAtOnce)
        let taken = handOff.take()
        #expect(taken.events == [1, 2, 3] && taken.resume == ["consumer"] && !taken.quit)
        let again = handOff.enqueue(4).wakeUI
        #expect(again)  // empty again: the next burst wakes the UI
    }

    @Test func aConsumerParkingAfterTheQueueDrainedGoesOnAtOnce() {
        var handOff = HandOff<Int, String>(limit: 1)
        let full = handOff.enqueue(1).mustPark
        #expect(full)
        _ = handOff.take()
        let resumedAtOnce = handOff.park("late")
        #expect(resumedAtOnce)
    }

    @Test func quitStopsSourcesAndEndResumesEveryWaiter() {
        var handOff = HandOff<Int, String>(limit: 1)
        _ = handOff.enqueue(1)
        let parked = handOff.park("a")
        let resumed = handOff.requestQuit()
        let stop = handOff.enqueue(2).stopSource
        let quit = handOff.take().quit
        let endedAlready = handOff.awaitEnd("runner")
        let waiters = handOff.end()
        #expect(!parked && resumed == ["a"] && stop && quit && !endedAlready && waiters == ["runner"])
        let late = (handOff.enqueue(3).stopSource, handOff.park("b"), handOff.awaitEnd("c"))
        #expect(handOff.hasEnded && late == (true, true, true))
    }

    @Test func theEndOfTheSourcesReachesTheUI() {
        var handOff = HandOff<Int, String>(limit: 4)
        let wake = handOff.finishSources()
        #expect(wake && handOff.take().sourcesFinished)
    }
}

@Suite struct FrameSchedulerTests {
    /// A model that changes every 10 ms for 3 s gets at most `fps` frames a second.
    @Test(arguments: [1, 10, 20])
    func framesStayWithinFPS(_ fps: Int) {
        var scheduler = FrameScheduler(fps: fps)
        var frames = 0
        var t = 0.0
        while t < 3 {
            if scheduler.isDue(at: t, modelChanged: true, mustDraw: false) {
                scheduler.drew(at: t)
                frames += 1
            }
            t += 0.001
        }
        #expect(frames <= 3 * fps + 1 && frames >= 3 * fps - 1)
    }

    @Test func anIdleScreenDrawsOnceASecondAndSleepsUntilThen() {
        var scheduler = FrameScheduler(fps: 20)
        scheduler.drew(at: 0.2)
        #expect(!scheduler.isDue(at: 0.5, modelChanged: false, mustDraw: false))
        #expect(scheduler.isDue(at: 1.0, modelChanged: false, mustDraw: false))
        #expect(scheduler.sleep(at: 0.2, modelChanged: false) == 801)
        // A changed model waits only for its frame slot; an alert's hold timer can come sooner.
        #expect(scheduler.sleep(at: 0.2, modelChanged: true) == 51)
        #expect(scheduler.sleep(at: 0.2, modelChanged: false, deadline: 0.3) == 101)
        #expect(scheduler.isDue(at: 0.21, modelChanged: false, mustDraw: true))
    }
}

@Suite struct CellDiffTests {
    @Test func onlyChangedCellsAreSentAndWideCharactersOnce() {
        var a = Buffer(width: 10, height: 2)
        a.write("hello 中", x: 0, y: 0)
        #expect(a.changes(since: nil).count == 19)  // 20 cells, less the right half of 中
        #expect(a.changes(since: a).isEmpty)
        var b = a
        b.write("J", x: 0, y: 0)
        b.write("x", x: 9, y: 1, style: .color(.red))
        #expect(b.changes(since: a).map { "\($0.x),\($0.y)" } == ["0,0", "9,1"])
        #expect(b.changes(since: Buffer(width: 9, height: 2)).count == 19)  // another size: everything
    }

    @Test func theTestBackendShowsWhatATerminalWouldAfterTheDiff() {
        let backend = TestBackend(width: 12, height: 2)
        var first = Buffer(width: 12, height: 2)
        first.write("cpu 42", x: 0, y: 0)
        backend.draw(first)
        var second = first
        second.write("43", x: 4, y: 0)
        backend.draw(second)
        #expect(backend.screen.lines == second.lines)
        #expect(backend.cellsWritten == [24, 1])  // "42" -> "43" sends one cell
    }
}

@Suite struct DashboardLoopTests {
    static let t0 = Timestamp(seconds: 1_795_708_529)

    static func message(_ text: String, at seconds: Double) -> DashboardEvent {
        var batch = MessageBatch(transport: .websocket)
        batch.append(Array(text.utf8), isBinary: false)
        batch.receivedAt = (t0 + seconds).nanoseconds
        return .link(source: 0, .messages(batch))
    }

    static func open() -> DashboardEvent { .link(source: 0, .state(.open(transport: .websocket), at: t0.nanoseconds)) }

    static func loop(_ backend: TestBackend, layout: Layout? = nil, fps: Int = 10) -> DashboardLoop {
        DashboardLoop(board: Board(layout: layout, sources: [("main", LiveStore.Configuration())]), backend: backend, fps: fps, ascii: false)
    }

    @Test func aFirehoseIsDrawnAtMostFPSTimesASecondAndQuitEndsTheLoop() {
        let backend = TestBackend(width: 60, height: 12)
        let loop = Self.loop(backend, fps: 10)
        var t = 0.0
        var n = 0
        // 2 s of a message every 5 ms: the loop is stepped at each arrival, as the wake pipe would.
        while t < 2 {
            n += 1
            _ = loop.step([Self.message(#"{"cpu":\#(n)}"#, at: t)], sourcesFinished: false, monotonic: t, wall: Self.t0 + t)
            t += 0.005
        }
        #expect(backend.frames <= 21 && backend.frames >= 19)
        // The last messages wait for the next frame slot; with nothing new the next step draws them.
        _ = loop.step([], sourcesFinished: false, monotonic: 2.2, wall: Self.t0 + 2.2)
        #expect(backend.screen.lines.joined().contains("\(n)"))
        backend.keys = [.character("q")]
        #expect(loop.step([], sourcesFinished: false, monotonic: 2.5, wall: Self.t0 + 2.5) == nil)
    }

    @Test func keysChangeTheScreenAtOnceAndAnIdleLoopSleepsASecond() throws {
        let backend = TestBackend(width: 60, height: 14)
        let loop = Self.loop(backend)
        let sleep = try #require(loop.step([Self.open(), Self.message(#"{"cpu":1,"mem":2}"#, at: 0)], sourcesFinished: false,
                                          monotonic: 0, wall: Self.t0))
        #expect(backend.frames == 1)
        #expect(sleep > 900)  // nothing more to draw until the clock's second
        backend.keys = [.character("?")]
        _ = loop.step([], sourcesFinished: false, monotonic: 0.01, wall: Self.t0 + 0.01)
        #expect(backend.frames == 2 && backend.screen.lines.joined().contains("livetop keys"))
        #expect(loop.context.panelCount == 3)  // cpu, mem, log: known from the frame for the next key
    }

    /// `e`: a 300-character reason, cut on the status line, is whole in the event panel at 80x24
    /// (wrapped over as many rows as it takes); `e` again closes it.
    @Test func theEventPanelShowsALongReasonWhole() throws {
        let backend = TestBackend(width: 80, height: 24)
        let loop = Self.loop(backend)
        let reason = "TLS: " + (1...40).map { "part\($0)" }.joined(separator: " ") + " end"
        let padded = reason + String(repeating: "x", count: max(0, 300 - reason.count))
        #expect(padded.count >= 300)
        let failed = DashboardEvent.link(source: 0, .state(.failed(transport: .websocket, error: .io(padded), retryIn: .seconds(5)),
                                                            at: Self.t0.nanoseconds))
        _ = loop.step([Self.open(), failed], sourcesFinished: false, monotonic: 0, wall: Self.t0)
        #expect(backend.screen.lines.last?.hasSuffix("…") == true || backend.screen.lines.last?.contains(padded) == false)
        backend.keys = [.character("e")]
        _ = loop.step([], sourcesFinished: false, monotonic: 1, wall: Self.t0 + 1)
        let screen = backend.screen.lines
        #expect(screen[0].hasPrefix(" events (2)"), "\(screen[0])")  // open, then failed
        // The rows after the time column, joined, hold the whole reason.
        let text = screen.dropFirst().map { String($0.dropFirst(9)).trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        #expect(text.contains("failed (websocket): " + padded.split(separator: " ").prefix(5).joined(separator: " ")))
        for word in padded.split(separator: " ") { #expect(text.contains(word), "\(word) is missing") }
        backend.keys = [.character("e")]
        _ = loop.step([], sourcesFinished: false, monotonic: 2, wall: Self.t0 + 2)
        #expect(!backend.screen.lines[0].hasPrefix(" events"))
    }

    /// `p` freezes every panel: two frames a second apart are the same while messages keep
    /// arriving (the status line counts them); `p` again shows them. `r` says it reconnects.
    @Test func pauseFreezesThePanelsAndCountsWhatArrives() {
        let backend = TestBackend(width: 80, height: 12)
        let loop = Self.loop(backend)
        _ = loop.step([Self.open(), Self.message(#"{"counter":1}"#, at: 0)], sourcesFinished: false, monotonic: 0, wall: Self.t0)
        // A step folds what arrived, then reads the keys: the freeze holds counter 2.
        backend.keys = [.character("p")]
        _ = loop.step([Self.message(#"{"counter":2}"#, at: 0.5)], sourcesFinished: false, monotonic: 0.5, wall: Self.t0 + 0.5)
        let paused = backend.screen.lines
        _ = loop.step([Self.message(#"{"counter":3}"#, at: 1.5)], sourcesFinished: false, monotonic: 1.5, wall: Self.t0 + 1.5)
        let second = backend.screen.lines
        #expect(paused.dropLast() == second.dropLast(), "the panels did not change while paused")
        #expect(second.joined().contains("counter") && !second.joined().contains("3"))
        #expect(second.last?.contains("PAUSED (+1 new, p shows them)") == true, "\(second.last ?? "")")
        backend.keys = [.character("p")]
        _ = loop.step([], sourcesFinished: false, monotonic: 2, wall: Self.t0 + 2)
        #expect(backend.screen.lines.dropLast().joined().contains("3"))
        var asked = 0
        loop.onReconnect = { asked += 1 }
        backend.keys = [.character("r")]
        _ = loop.step([], sourcesFinished: false, monotonic: 3, wall: Self.t0 + 3)
        #expect(asked == 1 && backend.screen.lines.last?.contains("reconnecting (asked)") == true)
    }

    /// A file read again with `L` warns as it does on start: the warning whole in the event
    /// panel, and the status line counts it. Read through `LayoutReload.load` from a real file.
    @Test func aReloadWarnsAboutUnknownKeysAsTheStartDoes() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("livetop-reload-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).yaml")
        defer { try? FileManager.default.removeItem(at: file) }
        try "rows:\n  - panels:\n      - {kind: tile, value: /a, colour: red}\n".write(to: file, atomically: true, encoding: .utf8)
        let path = file.path
        let backend = TestBackend(width: 120, height: 10)
        let loop = Self.loop(backend)
        let running = try LayoutFile.load(path: path).layout.sources  // the same sources: no restart needed
        loop.onReload = { LayoutReload.load(path: path, sources: (running, nil)) }
        backend.keys = [.character("L")]
        _ = loop.step([Self.open()], sourcesFinished: false, monotonic: 0, wall: Self.t0)
        #expect(backend.screen.lines.last?.contains("layout reloaded with 1 warning (e shows them)") == true, "\(backend.screen.lines.last ?? "")")
        #expect(loop.board.events.contains { $0.text == "\(path):3:33: unknown key 'colour' in panel (ignored)" }, "\(loop.board.events.map(\.text))")
    }

    @Test func aBadReloadStaysUntilDismissed() {
        let backend = TestBackend(width: 120, height: 10)
        let loop = Self.loop(backend)
        loop.onReload = { .failure(LayoutError(file: "l.yaml", location: SourceLocation(line: 3, column: 7), message: "unknown panel kind 'pie'")) }
        backend.keys = [.character("L")]
        _ = loop.step([Self.open()], sourcesFinished: false, monotonic: 0, wall: Self.t0)
        _ = loop.step([], sourcesFinished: false, monotonic: 600, wall: Self.t0 + 600)
        #expect(backend.screen.lines.last?.contains("reload failed, layout kept: l.yaml:3:7") == true, "still there 10 minutes on")
        backend.keys = [.escape]
        _ = loop.step([], sourcesFinished: false, monotonic: 601, wall: Self.t0 + 601)
        #expect(backend.screen.lines.last?.contains("reload failed") == false)
        // The event panel keeps it.
        backend.keys = [.character("e")]
        _ = loop.step([], sourcesFinished: false, monotonic: 602, wall: Self.t0 + 602)
        #expect(backend.screen.lines.contains { $0.contains("reload failed, layout kept: l.yaml:3:7: unknown panel kind 'pie'") })
    }

    @Test func aBadReloadKeepsTheLayoutAndSaysWhyOnTheStatusLine() {
        let backend = TestBackend(width: 120, height: 10)
        let loop = Self.loop(backend)
        loop.onReload = { .failure(LayoutError(file: "l.yaml", location: SourceLocation(line: 3, column: 7), message: "unknown panel kind 'pie'")) }
        backend.keys = [.character("L")]
        _ = loop.step([Self.open()], sourcesFinished: false, monotonic: 0, wall: Self.t0)
        #expect(backend.screen.lines.last?.contains("reload failed, layout kept: l.yaml:3:7: unknown panel kind 'pie'") == true)
    }

    @Test func anAlertHeldForItsTimeRingsTheBellOnce() throws {
        let backend = TestBackend(width: 80, height: 16)
        var panel = Panel(kind: .tile, title: "latency", source: 0)
        panel.values = [.pattern(PointerPattern("/latency")!)]
        panel.thresholds = .numeric(warn: 200, crit: 1000)
        panel.alert = AlertSpec(level: .crit, hold: 2, bell: true)
        let layout = Layout(sources: [SourceSpec(name: "main")], rows: [Layout.Row(panels: [panel])])
        let loop = Self.loop(backend, layout: layout)
        var raised: [AlertChange] = []
        loop.onAlert = { change in
            raised.append(change)
            if case .raised = change { backend.bell() }
        }
        let sleep = try #require(loop.step([Self.open(), Self.message(#"{"latency":4700}"#, at: 0)], sourcesFinished: false,
                                          monotonic: 0, wall: Self.t0))
        #expect(raised.isEmpty && sleep <= 1001)
        // No message comes; the hold timer alone raises it.
        _ = loop.step([], sourcesFinished: false, monotonic: 2.0, wall: Self.t0 + 2.0)
        #expect(raised.count == 1 && backend.bells == 1)
        #expect(backend.screen.lines.contains { $0.contains("latency /latency = 4700 for 2s") })
        _ = loop.step([Self.message(#"{"latency":17}"#, at: 3)], sourcesFinished: false, monotonic: 3, wall: Self.t0 + 3)
        guard case .cleared = raised.last else { Issue.record("not cleared: \(raised)"); return }
        #expect(backend.bells == 1)
    }

    /// `L` with the same alerts keeps a raised alert (no second bell); a file without the alert clears it.
    @Test func reloadingKeepsRaisedAlertsOfPanelsThatKeptThem() throws {
        let backend = TestBackend(width: 80, height: 16)
        var panel = Panel(kind: .tile, title: "latency", source: 0)
        panel.values = [.pattern(PointerPattern("/latency")!)]
        panel.thresholds = .numeric(warn: 200, crit: 1000)
        panel.alert = AlertSpec(level: .crit)
        let layout = Layout(sources: [SourceSpec(name: "main")], rows: [Layout.Row(panels: [panel])])
        var quiet = layout
        quiet.rows[0].panels[0].alert = nil
        var next: Layout = layout
        let loop = Self.loop(backend, layout: layout)
        loop.onReload = { .success((next, [])) }
        var changes: [AlertChange] = []
        loop.onAlert = { changes.append($0) }
        _ = loop.step([Self.open(), Self.message(#"{"latency":4700}"#, at: 0)], sourcesFinished: false, monotonic: 0, wall: Self.t0)
        #expect(changes.count == 1 && loop.board.monitor.active.count == 1)
        backend.keys = [.character("L")]
        _ = loop.step([], sourcesFinished: false, monotonic: 1, wall: Self.t0 + 1)
        #expect(changes.count == 1 && loop.board.monitor.active.count == 1)
        next = quiet
        backend.keys = [.character("L")]
        _ = loop.step([], sourcesFinished: false, monotonic: 2, wall: Self.t0 + 2)
        guard changes.count == 2, case .cleared = changes[1] else { Issue.record("not cleared: \(changes)"); return }
        #expect(loop.board.monitor.active.isEmpty)
    }

    /// A layout table on `/hosts` and a log beside it, on the TestBackend.
    static func hostsLoop(_ backend: TestBackend, hosts: Int) -> DashboardLoop {
        var table = Panel(kind: .table, title: "hosts", source: 0)
        table.values = [.pattern(PointerPattern("/hosts")!)]
        table.keyTitle = "host"
        table.columns = [Panel.Column(key: "cpu", title: "cpu"),
                         Panel.Column(key: "status", title: "status", thresholds: .states(["up": .ok, "degraded": .warn, "down": .crit]))]
        let log = Panel(kind: .log, title: "log", source: 0)
        let layout = Layout(sources: [SourceSpec(name: "main")], rows: [Layout.Row(panels: [table]), Layout.Row(panels: [log])])
        let loop = Self.loop(backend, layout: layout)
        let states = ["up", "degraded", "down"]
        let body = (1...hosts).map { n in #""h\#(String(format: "%05d", n))":{"cpu":\#(n),"status":"\#(states[n % 3])"}"# }
        _ = loop.step([Self.open(), Self.message(#"{"hosts":{"# + body.joined(separator: ",") + "}}", at: 0)], sourcesFinished: false,
                      monotonic: 0, wall: Self.t0)
        return loop
    }

    static func press(_ keys: [Key], _ loop: DashboardLoop, _ backend: TestBackend, at t: inout Double) -> String {
        backend.keys = keys
        t += 1
        _ = loop.step([], sourcesFinished: false, monotonic: t, wall: Self.t0 + t)
        return backend.screen.lines.joined(separator: "\n")
    }

    /// Every scroll, sort and filter key on a focused table of 1,000 hosts: the title counts
    /// the rows and says how far it is scrolled; End reaches the last host; `s` sorts by host,
    /// then cpu (largest first), then status (down first); `/` keeps matching rows or says none
    /// match; Esc goes back to the top. Scrolling reuses the rows worked out for the frame before.
    @Test func everyKeyOnATable() {
        let backend = TestBackend(width: 80, height: 24)
        let loop = Self.hostsLoop(backend, hosts: 1000)
        var t = 0.0
        var screen = backend.screen.lines.joined(separator: "\n")
        #expect(screen.contains("hosts (1,000)") && screen.contains("│h00001 ") && screen.contains("more rows"), "\(screen)")
        let computed = loop.tables.computed
        screen = Self.press([.tab, .character("j")], loop, backend, at: &t)
        #expect(!screen.contains("h00001 ") && screen.contains("h00002") && screen.contains("↑1 more above"), "\(screen)")
        screen = Self.press([.pageDown], loop, backend, at: &t)
        #expect(screen.contains("more above") && !screen.contains("h00002 "))
        screen = Self.press([.end], loop, backend, at: &t)
        #expect(screen.contains("h01000") && !screen.contains("more rows"), "\(screen)")
        #expect(loop.tables.computed == computed, "scrolling a table whose store did not change reads no rows again")
        screen = Self.press([.character("k")], loop, backend, at: &t)
        #expect(!screen.contains("h01000") && screen.contains("+2 more rows"))
        screen = Self.press([.home], loop, backend, at: &t)
        #expect(screen.contains("│h00001 ") && !screen.contains("more above"))
        screen = Self.press([.character("G")], loop, backend, at: &t)
        #expect(screen.contains("h01000"))
        screen = Self.press([.character("g")], loop, backend, at: &t)
        #expect(screen.contains("│h00001 "))
        // s: host (A to Z), s: cpu largest first, s: status worst first; S back to cpu.
        screen = Self.press([.character("s")], loop, backend, at: &t)
        #expect(screen.contains("▾host") && screen.contains("│h00001 "))
        screen = Self.press([.character("s")], loop, backend, at: &t)
        #expect(screen.contains("▾cpu") && screen.contains("h01000"), "\(screen)")
        screen = Self.press([.character("s")], loop, backend, at: &t)
        let rows = backend.screen.lines.filter { $0.contains("│h0") }
        #expect(screen.contains("▾status") && rows.first?.contains("down") == true, "\(rows.prefix(3))")
        screen = Self.press([.character("S")], loop, backend, at: &t)
        #expect(screen.contains("▾cpu"))
        // /: only matching rows, counted; nothing matching says so; Esc clears and goes to the top.
        screen = Self.press([.character("/"), .character("h"), .character("0"), .character("0"), .character("9"), .character("9"),
                             .enter], loop, backend, at: &t)
        #expect(screen.contains("hosts (10 of 1,000) /h0099") && screen.contains("│h00999 999") && screen.contains("+2 more rows"), "\(screen)")
        screen = Self.press([.character("/"), .character("x"), .character("y"), .character("z"), .enter], loop, backend, at: &t)
        #expect(screen.contains("no rows match /h0099xyz"), "\(screen)")
        screen = Self.press([.end, .escape], loop, backend, at: &t)
        #expect(screen.contains("hosts (1,000)") && !screen.contains("more above") && !screen.contains("no rows match"))
    }

    /// On a focused log: k scrolls back and the title says SCROLLED; arriving messages do not
    /// slide it; PgUp, Home, j, `/` filter (and none matching), End follows again; Down from the
    /// table above focuses the log.
    @Test func everyKeyOnALog() {
        let backend = TestBackend(width: 80, height: 30)
        let loop = Self.hostsLoop(backend, hosts: 3)
        for n in 1...40 {
            _ = loop.step([Self.message(#"{"event":"e\#(n)"}"#, at: 0)], sourcesFinished: false, monotonic: 0, wall: Self.t0)
        }
        var t = 0.0
        var screen = Self.press([.down], loop, backend, at: &t)
        #expect(loop.view.focus == nil || loop.view.focus == 0)
        screen = Self.press([.down], loop, backend, at: &t)
        #expect(loop.view.focus == 1, "Down from the table goes to the log below")
        #expect(screen.contains("e40"))
        screen = Self.press([.character("k")], loop, backend, at: &t)
        #expect(screen.contains("SCROLLED, 1 newer below") && !screen.contains("\"e40\""), "\(screen)")
        // New messages arrive: the scrolled log stays put, and counts them below.
        t += 1
        _ = loop.step([Self.message(#"{"event":"e41"}"#, at: t)], sourcesFinished: false, monotonic: t, wall: Self.t0 + t)
        screen = backend.screen.lines.joined(separator: "\n")
        #expect(screen.contains("\"e39\"") && !screen.contains("e41") && screen.contains("2 newer below"), "\(screen)")
        screen = Self.press([.pageUp], loop, backend, at: &t)
        #expect(!screen.contains("\"e39\""))
        screen = Self.press([.home], loop, backend, at: &t)
        #expect(screen.contains("hosts") && screen.contains("#1 "), "the oldest message: \(screen)")
        screen = Self.press([.character("j")], loop, backend, at: &t)
        #expect(!screen.contains("#1 ") && screen.contains("#2 "))
        screen = Self.press([.end], loop, backend, at: &t)
        #expect(screen.contains("e41") && !screen.contains("SCROLLED"))
        screen = Self.press([.character("/"), .character("e"), .character("3"), .enter], loop, backend, at: &t)
        #expect(screen.contains("e33") && !screen.contains("e41") && screen.contains("log /e3"), "\(screen)")
        screen = Self.press([.character("/"), .character("q"), .enter], loop, backend, at: &t)
        #expect(screen.contains("no lines match /e3q"))
        screen = Self.press([.escape], loop, backend, at: &t)
        #expect(screen.contains("e41") && !screen.contains("no lines match"))
    }

    /// A replay at --speed 0 plays half a minute of recording in one moment, an hour after it was
    /// recorded. On the recording's own clock the chart spreads the half minute over its width
    /// and the last message is "<1s ago"; on the wall's, the hour since squeezes it into one
    /// column (as it did before replays kept their recorded times).
    @Test func aReplayOnItsRecordedTimesChartsTheRecordingNotTheMomentItPlayed() throws {
        let layout = try LayoutFile.parse("""
            rows:
              - panels:
                  - {kind: chart, title: cpu, value: /cpu, format: "%.0f%%"}
            """, file: "t.yaml").layout
        func play(followingEventTimes: Bool) -> (lines: [String], columns: Int) {
            let backend = TestBackend(width: 60, height: 16)
            let loop = Self.loop(backend, layout: layout)
            loop.followsEventTimes = followingEventTimes
            let recording = [Self.open()] + (0..<30).map { Self.message(#"{"cpu":\#(20 + $0)}"#, at: Double($0)) }
            _ = loop.step(recording, sourcesFinished: false, monotonic: 0, wall: Self.t0 + 3600)
            // Columns the line is drawn in: braille cells, other than the blank one.
            let drawn = Set(backend.screen.lines.flatMap { line in
                line.unicodeScalars.enumerated().filter { (0x2801...0x28FF).contains($0.element.value) }.map(\.offset)
            })
            return (backend.screen.lines, drawn.count)
        }
        let recorded = play(followingEventTimes: true)
        #expect(recorded.columns >= 40, "\(recorded.lines.joined(separator: "\n"))")
        #expect(recorded.lines.contains { $0.contains("-29s") && $0.contains("now") })
        #expect(recorded.lines.joined().contains("last <1s ago"))
        let wall = play(followingEventTimes: false)
        #expect(wall.columns <= 2, "\(wall.lines.joined(separator: "\n"))")
        #expect(wall.lines.joined().contains("last 59m ago"))
    }
}
