import Testing
import LiveModel
import TestSupport
@testable import livetop

/// `TableMemo` keeps a table's rows across frames and, after a change to values only, reads just
/// the rows the change touched. Whatever it keeps must be what reading everything again gives.
@Suite struct TableMemoTests {
    static let states = ["up", "degraded", "down"]

    static func panel(sort: String? = nil) -> Panel {
        var table = Panel(kind: .table, title: "hosts", source: 0)
        table.values = [.pattern(PointerPattern("/hosts")!)]
        table.columns = [Panel.Column(key: "cpu", title: "cpu"),
                         Panel.Column(key: "status", title: "status", thresholds: .states(["up": .ok, "degraded": .warn, "down": .crit]))]
        if let sort { table.sortKey = sort }
        return table
    }

    static func fold(_ text: String, into store: inout LiveStore) {
        store.apply(.messages(MessageBatch(texts: [text]), at: Timestamp(seconds: 1_795_708_529)))
    }

    static func fleet(_ n: Int) -> LiveStore {
        var store = LiveStore()
        fold(#"{"hosts":{"# + (1...n).map { #""h\#($0)":{"cpu":\#($0),"status":"up"}"# }.joined(separator: ",") + "}}", into: &store)
        return store
    }

    /// One host going down and back up: the title's level follows, and the memo reads that one
    /// row again, never the 10,000.
    @Test func aChangedRowIsReadAloneAndTheLevelFollowsIt() {
        var store = Self.fleet(10_000)
        let memo = TableMemo(), panel = Self.panel()
        #expect(memo.rows(index: 0, panel: panel, store: store, sortColumn: nil, filter: nil).worstLevel == .ok)
        Self.fold(#"{"hosts":{"h4321":{"status":"down"}}}"#, into: &store)
        #expect(memo.rows(index: 0, panel: panel, store: store, sortColumn: nil, filter: nil).worstLevel == .crit)
        Self.fold(#"{"hosts":{"h4321":{"status":"degraded"}}}"#, into: &store)
        #expect(memo.rows(index: 0, panel: panel, store: store, sortColumn: nil, filter: nil).worstLevel == .warn)
        Self.fold(#"{"hosts":{"h4321":{"status":"up"}}}"#, into: &store)
        #expect(memo.rows(index: 0, panel: panel, store: store, sortColumn: nil, filter: nil).worstLevel == .ok)
        #expect(memo.computed == 1 && memo.updated == 3, "computed \(memo.computed), updated \(memo.updated)")
        Self.fold(#"{"hosts":{"h10001":{"status":"up"}}}"#, into: &store)
        let rows = memo.rows(index: 0, panel: panel, store: store, sortColumn: nil, filter: nil)
        #expect(rows.total == 10_001 && memo.computed == 2, "a new host: the rows are read whole again")
    }

    /// A table drawn before its data arrived (no `/hosts` yet) shows the rows once they come.
    @Test func rowsThatArriveAfterTheFirstFrameAreShown() {
        var store = LiveStore()
        let memo = TableMemo(), panel = Self.panel()
        #expect(memo.rows(index: 0, panel: panel, store: store, sortColumn: nil, filter: nil).total == 0)
        Self.fold(#"{"other":1}"#, into: &store)
        #expect(memo.rows(index: 0, panel: panel, store: store, sortColumn: nil, filter: nil).total == 0)
        Self.fold(#"{"hosts":{"h1":{"cpu":1,"status":"down"}}}"#, into: &store)
        let rows = memo.rows(index: 0, panel: panel, store: store, sortColumn: nil, filter: nil)
        #expect(rows.total == 1 && rows.worstLevel == .crit)
    }

    /// A seeded random run of changes (values, new hosts, removed hosts, nothing at all), with and
    /// without a sort or a filter: after each, the memo's rows equal a fresh reading.
    @Test(.offPool, arguments: [(nil, nil, nil), (1, nil, nil), (nil, "h1", nil), (nil, nil, "status")] as [(Int?, String?, String?)])
    func keptRowsAlwaysEqualAFreshReading(sortColumn: Int?, filter: String?, sortKey: String?) {
        var random = SplitMix64(seed: 23)
        var store = LiveStore()
        let memo = TableMemo(), panel = Self.panel(sort: sortKey)
        // Read once before any data, as the screen does.
        _ = memo.rows(index: 0, panel: panel, store: store, sortColumn: sortColumn, filter: filter)
        Self.fold(#"{"hosts":{"# + (1...150).map { #""h\#($0)":{"cpu":\#($0),"status":"up"}"# }.joined(separator: ",") + "}}", into: &store)
        for step in 0..<250 {
            let host = Int.random(in: 1...165, using: &random)
            switch Int.random(in: 0..<10, using: &random) {
            case 0: Self.fold(#"{"hosts":{"h\#(host)":null}}"#, into: &store)
            case 1: store.apply(.tick(Timestamp(seconds: 1_795_708_530 + Double(step))))
            case 2...5:
                Self.fold(#"{"hosts":{"h\#(host)":{"status":"\#(Self.states.randomElement(using: &random)!)"}}}"#, into: &store)
            default: Self.fold(#"{"hosts":{"h\#(host)":{"cpu":\#(Int.random(in: 0...100, using: &random))}}}"#, into: &store)
            }
            let kept = memo.rows(index: 0, panel: panel, store: store, sortColumn: sortColumn, filter: filter)
            let fresh = TableRows(panel: panel, store: store, sortColumn: sortColumn, filter: filter)
            #expect(kept.worstLevel == fresh.worstLevel && kept.order == fresh.order && kept.total == fresh.total,
                    "step \(step): kept \(String(describing: kept.worstLevel)) \(kept.total), fresh \(String(describing: fresh.worstLevel)) \(fresh.total)")
            #expect(kept.content.rows.map(\.name) == fresh.content.rows.map(\.name), "step \(step)")
        }
        if sortColumn == nil && filter == nil && sortKey == nil {
            #expect(memo.updated > 120, "most steps read only the changed rows: \(memo.updated)")
        }
    }
}
