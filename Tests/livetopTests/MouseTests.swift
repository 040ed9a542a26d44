import Foundation
import LiveModel
import Testing
@testable import livetop

/// Clicks and the wheel: mouse events reach `KeyMap` as keys and become its actions, so these run
/// on the pure function and on the loop with a `TestBackend`, with no terminal (the tmux test in
/// `DashboardEndToEndTests` sends the terminal's own bytes).
@Suite struct MouseTests {
    /// A tile at the top left, a table with its header on row 1 (three columns at 41..<45,
    /// 46..<50, 51..<60) at the top right, a log below both.
    static let context = KeyContext(panelCount: 3, places: [
        0: PanelPlace(rect: Rect(x: 0, y: 0, width: 40, height: 10), kind: .other),
        1: PanelPlace(rect: Rect(x: 40, y: 0, width: 40, height: 10), kind: .table(rows: 100, columns: 3), page: 8,
                      header: TableHeader(y: 1, columns: [41..<45, 46..<50, 51..<60])),
        2: PanelPlace(rect: Rect(x: 0, y: 10, width: 80, height: 12), kind: .log(oldest: 51, newest: 100), page: 10),
    ])

    static func apply(_ events: [MouseEvent], to view: ViewState = ViewState(), context: KeyContext = context) -> ViewState {
        events.reduce(view) { KeyMap.apply(.mouse($1), to: $0, context: context).0 }
    }

    @Test func aClickFocusesThePanelUnderIt() {
        #expect(Self.apply([MouseEvent(.press, x: 5, y: 3)]).focus == 0)
        #expect(Self.apply([MouseEvent(.press, x: 70, y: 5)]).focus == 1)
        #expect(Self.apply([MouseEvent(.press, x: 79, y: 21)]).focus == 2)
        // Below every panel (the status line): nothing changes.
        var focused = ViewState()
        focused.focus = 1
        #expect(Self.apply([MouseEvent(.press, x: 10, y: 23)], to: focused) == focused)
        // A click asks nothing of the world outside.
        #expect(KeyMap.apply(.mouse(MouseEvent(.press, x: 5, y: 3)), to: ViewState(), context: Self.context).1.isEmpty)
    }

    /// The header of an unfocused table focuses it; of the focused one, sorts by the column hit;
    /// the same column again turns the order round, and again back; another column sorts by it
    /// the usual way round. `s` after a reversed click sorts the next column its own way.
    @Test func aClickOnTheFocusedTablesHeaderSortsAndAgainReverses() {
        let first = Self.apply([MouseEvent(.press, x: 47, y: 1)])
        #expect(first.focus == 1 && first.sortColumns.isEmpty, "the first click focuses")
        let sorted = Self.apply([MouseEvent(.press, x: 47, y: 1)], to: first)
        #expect(sorted.sortColumns[1] == 1 && sorted.sortReversed.isEmpty)
        let reversed = Self.apply([MouseEvent(.press, x: 49, y: 1)], to: sorted)
        #expect(reversed.sortColumns[1] == 1 && reversed.sortReversed == [1])
        let back = Self.apply([MouseEvent(.press, x: 46, y: 1)], to: reversed)
        #expect(back.sortColumns[1] == 1 && back.sortReversed.isEmpty)
        let other = Self.apply([MouseEvent(.press, x: 46, y: 1), MouseEvent(.press, x: 55, y: 1)], to: back)
        #expect(other.sortColumns[1] == 2 && other.sortReversed.isEmpty)
        // Between two columns' titles, or on a row below the header: focus only, the sort kept.
        #expect(Self.apply([MouseEvent(.press, x: 45, y: 1), MouseEvent(.press, x: 47, y: 4)], to: sorted) == sorted)
        let s = KeyMap.apply(.character("s"), to: reversed, context: Self.context).0
        #expect(s.sortColumns[1] == 2 && s.sortReversed.isEmpty)
    }

    /// A wheel notch scrolls the table or log under the pointer three lines, as three j or k,
    /// focused or not; over a tile or no panel it does nothing.
    @Test func theWheelScrollsThePanelUnderThePointer() {
        var view = Self.apply([MouseEvent(.wheelDown, x: 60, y: 5), MouseEvent(.wheelDown, x: 60, y: 5)])
        #expect(view.rowOffsets[1] == 6 && view.focus == nil && view.logAnchors.isEmpty)
        view = Self.apply([MouseEvent(.wheelUp, x: 60, y: 5)], to: view)
        #expect(view.rowOffsets[1] == 3)
        var byKeys = ViewState()
        byKeys.focus = 1
        for _ in 0..<3 { byKeys = KeyMap.apply(.character("j"), to: byKeys, context: Self.context).0 }
        #expect(byKeys.rowOffsets[1] == 3, "a notch is three j")
        view = Self.apply([MouseEvent(.wheelUp, x: 10, y: 15)], to: view)
        #expect(view.logAnchors[2] == 97 && view.rowOffsets[1] == 3)
        view = Self.apply([MouseEvent(.wheelDown, x: 10, y: 15)], to: view)
        #expect(view.logAnchors[2] == nil, "down to the newest follows again")
        #expect(Self.apply([MouseEvent(.wheelDown, x: 5, y: 5), MouseEvent(.wheelUp, x: 5, y: 23)]) == ViewState())
    }

    /// While a filter is typed the mouse changes nothing (it never types); with the help shown a
    /// click closes it; with the event panel open the wheel scrolls it.
    @Test func overlaysAndTypingTakeTheMouseTheirOwnWay() {
        var typing = KeyMap.apply(.character("/"), to: ViewState(), context: Self.context).0
        typing = KeyMap.apply(.character("c"), to: typing, context: Self.context).0
        #expect(Self.apply([MouseEvent(.press, x: 70, y: 5), MouseEvent(.wheelDown, x: 70, y: 5)], to: typing) == typing)
        var help = ViewState()
        help.showHelp = true
        #expect(!Self.apply([MouseEvent(.press, x: 1, y: 1)], to: help).showHelp)
        var context = Self.context
        context.eventLines = 30
        var events = ViewState()
        events.showEvents = true
        events = Self.apply([MouseEvent(.wheelUp, x: 10, y: 15), MouseEvent(.wheelUp, x: 70, y: 5)], to: events, context: context)
        #expect(events.eventScroll == 6 && events.logAnchors.isEmpty && events.rowOffsets.isEmpty)
        events = Self.apply([MouseEvent(.wheelDown, x: 10, y: 15)], to: events, context: context)
        #expect(events.eventScroll == 3)
    }

    /// Where a cell's text starts on the screen: (column, row).
    static func find(_ text: String, in backend: TestBackend) -> (x: Int, y: Int)? {
        for (y, line) in backend.screen.lines.enumerated() {
            if let r = line.range(of: text) { return (line.distance(from: line.startIndex, to: r.lowerBound), y) }
        }
        return nil
    }

    static func click(_ event: MouseEvent, _ loop: DashboardLoop, _ backend: TestBackend, at t: inout Double) -> String {
        DashboardLoopTests.press([.mouse(event)], loop, backend, at: &t)
    }

    /// On the loop with a layout (a table of 1,000 hosts above a log, 80x24): the header's cells
    /// come from the frame drawn, so a click on `cpu` sorts by cpu (largest first, `▾cpu`) and a
    /// second reverses it (`▴cpu`, smallest first); the wheel scrolls the table and the log.
    @Test func clicksAndTheWheelOnADrawnLayout() throws {
        let backend = TestBackend(width: 80, height: 24)
        let loop = DashboardLoopTests.hostsLoop(backend, hosts: 1000)
        for n in 1...40 {
            _ = loop.step([DashboardLoopTests.message(#"{"event":"e\#(n)"}"#, at: 0)], sourcesFinished: false, monotonic: 0,
                          wall: DashboardLoopTests.t0)
        }
        var t = 0.0
        let log = try #require(Self.find("log", in: backend))
        var screen = Self.click(MouseEvent(.press, x: log.x + 2, y: log.y + 3), loop, backend, at: &t)
        #expect(loop.view.focus == 1)
        let cpu = try #require(Self.find("cpu", in: backend))
        screen = Self.click(MouseEvent(.press, x: cpu.x + 1, y: cpu.y), loop, backend, at: &t)
        #expect(loop.view.focus == 0 && !screen.contains("▾cpu"), "the first click focuses the table")
        screen = Self.click(MouseEvent(.press, x: cpu.x + 1, y: cpu.y), loop, backend, at: &t)
        var rows = backend.screen.lines.filter { $0.contains("│h0") }
        #expect(screen.contains("▾cpu") && rows.first?.contains("h01000") == true, "\(screen)")
        let marked = try #require(Self.find("▾cpu", in: backend))
        screen = Self.click(MouseEvent(.press, x: marked.x, y: marked.y), loop, backend, at: &t)
        rows = backend.screen.lines.filter { $0.contains("│h0") }
        #expect(screen.contains("▴cpu") && rows.first?.contains("h00001") == true, "\(screen)")
        // The wheel over the table: three rows a notch, the title says how far.
        screen = Self.click(MouseEvent(.wheelDown, x: 10, y: marked.y + 2), loop, backend, at: &t)
        #expect(screen.contains("↑3 more above") && !screen.contains("h00003 "), "\(screen)")
        // Over the log, unfocused: it scrolls back three messages.
        screen = Self.click(MouseEvent(.wheelUp, x: log.x + 2, y: log.y + 3), loop, backend, at: &t)
        #expect(screen.contains("SCROLLED, 3 newer below") && !screen.contains("\"e40\"") && loop.view.focus == 0, "\(screen)")
    }

    /// The automatic layout's upsert table (framed, as declared tables are): its header cells are known as well.
    @Test func aClickSortsAnAutoLayoutTable() throws {
        var store = LiveStore(.init(fold: .upsert(JSONPointer("/symbol")!)))
        store.apply(.connection(.open(transport: .sse), at: ScreenSnapshotTests.now))
        store.apply(.messages(MessageBatch(texts: [
            #"{"symbol":"BTC-USD","px":64123.5}"#, #"{"symbol":"ETH-USD","px":3100.25}"#, #"{"symbol":"SOL-USD","px":150.1}"#,
        ]), at: ScreenSnapshotTests.now))
        var view = ViewState()
        view.focus = 0
        let board = Board(layout: nil, stores: [("", store)])
        func frame() -> Frame { Screen.render(board, view: view, width: 50, height: 10, now: ScreenSnapshotTests.now) }
        let header = try #require(frame().context.places[0]?.header)
        let px = try #require(header.columns.dropFirst().first)
        view = KeyMap.apply(.mouse(MouseEvent(.press, x: px.lowerBound, y: header.y)), to: view, context: frame().context).0
        #expect(frame().buffer.lines[header.y + 1].hasPrefix("│BTC-USD") && frame().buffer.lines[header.y].contains("▾px"))
        view = KeyMap.apply(.mouse(MouseEvent(.press, x: px.lowerBound, y: header.y)), to: view, context: frame().context).0
        #expect(frame().buffer.lines[header.y + 1].hasPrefix("│SOL-USD") && frame().buffer.lines[header.y].contains("▴px"),
                "\(frame().buffer.lines.joined(separator: "\n"))")
    }
}
