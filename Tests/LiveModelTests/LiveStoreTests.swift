import Testing
import TestSupport
@testable import LiveModel

let t0 = Timestamp(seconds: 1_795_708_529)

extension LiveStore {
    mutating func fold(_ texts: [String], at time: Timestamp = t0) {
        apply(.messages(MessageBatch(texts: texts), at: time))
    }
}

@Suite struct FoldRuleTests {
    @Test(arguments: [
        ("merge", FoldRule.merge), ("append", .append), ("replace", .replace),
        ("upsert:/symbol", .upsert(JSONPointer("/symbol")!)), ("upsert:/a~1b/0", .upsert(JSONPointer("/a~1b/0")!)),
    ])
    func parsesFoldRules(_ text: String, _ rule: FoldRule) {
        #expect(FoldRule(text) == rule)
        #expect(rule.description == text)
    }

    @Test(arguments: ["", "upsert:", "upsert:symbol", "merge ", "MERGE"])
    func rejectsBadFoldRules(_ text: String) {
        #expect(FoldRule(text) == nil)
    }

    @Test func upsertKeepsOneRowPerKeyAndMergesEachRow() throws {
        var store = LiveStore(.init(fold: .upsert(JSONPointer("/symbol")!)))
        store.fold([
            #"{"symbol":"BTC","px":100,"vol":1}"#,
            #"{"symbol":"ETH","px":10}"#,
            #"{"symbol":"BTC","px":101}"#,
            #"{"symbol":7,"px":1}"#,
            #"{"nosymbol":true}"#,
            #"{"symbol":null}"#,
        ])
        #expect(store.rows.map(\.key) == ["BTC", "ETH", "7"])
        #expect(store.rows[0].value == ["symbol": "BTC", "px": 101, "vol": 1])
        #expect(store.stats.unfolded == 2)
        #expect(store.history(at: JSONPointer("/BTC/px")!)?.values == [100, 101])
    }

    /// A key or an upsert key written with escapes is the same key as its plain spelling (the
    /// fold reads plain keys in place and decodes only escaped ones).
    @Test func escapedKeysMeetTheirPlainSpelling() {
        var rows = LiveStore(.init(fold: .upsert(JSONPointer("/symbol")!)))
        rows.fold([#"{"symbol":"BTC","px":1}"#, #"{"symbol":"B\u0054C","px":2}"#, #"{"\u0073ymbol":"BTC","vol":5}"#])
        #expect(rows.rows.map(\.key) == ["BTC"])
        #expect(rows.rows.first?.value == ["symbol": "BTC", "px": 2, "vol": 5])
        var merged = LiveStore()
        merged.fold([#"{"cpu":1,"a\"b":1}"#, #"{"c\u0070u":2,"a\"b":2}"#])
        #expect(merged.value == ["cpu": 2, "a\"b": 2])
    }

    @Test func appendOnlyLogs() {
        var store = LiveStore(.init(fold: .append))
        store.fold([#"{"a":1}"#, "plain text"])
        #expect(store.value == .null)
        #expect(store.log.count == 2)
        #expect(store.stats.messages == 2 && store.stats.jsonMessages == 1 && store.stats.textMessages == 1)
    }

    @Test func replaceMakesTheDocumentExactlyTheLastMessage() {
        var store = LiveStore(.init(fold: .replace))
        store.fold([#"{"a":1,"b":{"c":2}}"#, #"{"a":2,"n":null}"#])
        #expect(store.value == ["a": 2, "n": nil])
        // Histories survive a replace that keeps the leaf.
        #expect(store.history(at: JSONPointer("/a")!)?.values == [1, 2])
    }

    @Test func selectFoldsOnlyThePartItPoints() {
        var store = LiveStore(.init(fold: .merge, select: JSONPointer("/data")))
        store.fold([#"{"type":"tick","data":{"cpu":0.5}}"#, #"{"type":"hello"}"#, #"{"data":{"mem":3}}"#])
        #expect(store.value == ["cpu": 0.5, "mem": 3])
        #expect(store.stats.unfolded == 1)
        #expect(store.log.count == 3)  // every message is still logged
    }

    @Test func selectWithUpsertKeysInsideTheSelection() {
        var store = LiveStore(.init(fold: .upsert(JSONPointer("/id")!), select: JSONPointer("/payload")))
        store.fold([#"{"payload":{"id":"a","v":1}}"#, #"{"payload":{"id":"b","v":2}}"#, #"{"payload":{"id":"a","v":3}}"#])
        #expect(store.value == ["a": ["id": "a", "v": 3], "b": ["id": "b", "v": 2]])
    }

    @Test func nonJSONAndBinaryGoToTheLogNeverDropped() throws {
        var store = LiveStore()
        var batch = MessageBatch(texts: ["hello world", #"{"broken":"#])
        batch.append(binary: [0x00, 0x01, 0xFF, 0x10])
        store.apply(.messages(batch, at: t0))
        let entries = store.log.all
        #expect(entries.count == 3)
        guard case .text("hello world", _) = entries[0].content else { Issue.record("\(entries[0])"); return }
        guard case .text(#"{"broken":"#, let reason) = entries[1].content else { Issue.record("\(entries[1])"); return }
        #expect(reason.contains("unexpected end"))
        #expect(entries[2].content == .binary(size: 4, hexPrefix: "0001ff10"))
        #expect(store.stats.invalidJSON == 1 && store.stats.binaryMessages == 1)
        #expect(store.stats.lastInvalidReason?.contains("invalid JSON") == true)
        #expect(entries.map(\.seq) == [1, 2, 3])
    }

    /// Found by `Scripts/fuzz.sh` (target json-fold): a string leaf that became an object or an
    /// array and then the same string again showed as "" (the string was dropped, the length and
    /// words that say "unchanged" were not).
    @Test(arguments: [FoldRule.merge, .replace], [#"{"a":{"b":1}}"#, #"{"a":[1]}"#, #"{"a":{}}"#])
    func aStringThatComesBackAfterAContainerIsShown(_ fold: FoldRule, _ between: String) {
        var store = LiveStore(.init(fold: fold))
        store.fold([#"{"a":"x"}"#, between, #"{"a":"x"}"#])
        #expect(store.value == ["a": "x"])
        store.fold([#"{"a":"a string longer than sixteen bytes"}"#, between, #"{"a":"a string longer than sixteen bytes"}"#])
        #expect(store.value == ["a": "a string longer than sixteen bytes"])
    }

    @Test func theFuzzInputThatFoundIt() {
        // The input as libFuzzer wrote it: three lines, folded twice with --select /data.
        let lines = [#"{"id":"a","data":{"c":[1,2,3]}}"#, #"{"iM":"b","data":{"cpu:"null,me"":m{"used":711}}}"#,
                     #"{"id":"a","data":"a","da1a":{"cpu":0.5}}"#]
        var store = LiveStore(.init(fold: .merge, select: JSONPointer("/data")))
        store.fold(lines)
        store.fold(lines)
        #expect(store.value == "a")
        #expect(store.stats.invalidJSON == 2)
    }
}

@Suite struct BoundsTests {
    @Test func historyKeepsTheLastSamplesInOrder() {
        var config = LiveStore.Configuration()
        config.historyLength = 4
        var store = LiveStore(config)
        store.fold((1...10).map { #"{"v":\#($0)}"# })
        let h = store.history(at: JSONPointer("/v")!)
        #expect(h?.values == [7, 8, 9, 10])
        #expect(h?.min == 7 && h?.max == 10 && h?.last == 10)
        #expect(store.history(at: JSONPointer("/missing")!) == nil)
    }

    @Test func aLeafThatStopsBeingANumberLosesItsHistory() {
        var store = LiveStore()
        store.fold([#"{"v":1}"#, #"{"v":"text"}"#, #"{"v":2}"#])
        #expect(store.history(at: JSONPointer("/v")!)?.values == [2])
        #expect(store.trackedHistories == 1)
    }

    @Test func logKeepsTheLastMessagesAcrossBatches() {
        var config = LiveStore.Configuration()
        config.logLength = 5
        config.maxLogEntryBytes = 16
        var store = LiveStore(config)
        store.fold((1...7).map { #"{"n":\#($0)}"# })
        store.fold((8...9).map { #"{"n":\#($0)}"# }, at: t0 + 1)
        store.fold([#"{"long":"\#(String(repeating: "z", count: 100))"}"#], at: t0 + 2)
        let entries = store.log.all
        #expect(entries.map(\.seq) == [6, 7, 8, 9, 10])
        // The first batch's first two were never copied in (the batch itself pushed them out), and
        // still count: the header's count is the newest entry's seq (it lagged it by two).
        #expect(store.log.total == 10 && store.stats.messages == 10)
        #expect(entries[0].content == .json(#"{"n":6}"#))
        #expect(entries[4].isTruncated && entries[4].size == 111)
        #expect(entries[4].content == .json(#"{"long":"zzzzzzz"#))
    }

    /// A message cut for the log (longer than `maxLogEntryBytes`) followed by short ones in the
    /// same batch: once the cut one is the oldest entry, the short ones still show their text (the
    /// batch they point into was let go with the cut one's copy and the log showed `#20` with
    /// nothing after it on the dashboard).
    @Test func shortMessagesAfterACutOneKeepTheirText() {
        var config = LiveStore.Configuration()
        config.logLength = 4
        config.maxLogEntryBytes = 16
        var store = LiveStore(config)
        store.fold([#"{"n":0}"#])
        store.fold([#"{"long":"\#(String(repeating: "z", count: 100))"}"#, #"{"n":2}"#, #"{"n":3}"#], at: t0 + 1)
        store.fold([#"{"n":4}"#], at: t0 + 2)  // the first batch's entry leaves: the cut one is the oldest
        let entries = store.log.all
        #expect(entries.map(\.seq) == [2, 3, 4, 5])
        #expect(entries[0].isTruncated && entries[0].content == .json(#"{"long":"zzzzzzz"#))
        #expect(entries[1].content == .json(#"{"n":2}"#) && entries[2].content == .json(#"{"n":3}"#))
        #expect(entries[3].content == .json(#"{"n":4}"#))
        // Each later batch pushes one out; what stays keeps its text to the end.
        for n in 5...7 { store.fold([#"{"n":\#(n)}"#], at: t0 + Double(n)) }
        #expect(store.log.all.map(\.content) == (4...7).map { .json(#"{"n":\#($0)}"#) })
    }

    @Test func trackedKeysAreBoundedAndTheOldestEvicted() {
        var config = LiveStore.Configuration()
        config.maxKeys = 100
        var store = LiveStore(config)
        for batch in 0..<10 {
            store.fold((0..<50).map { #"{"k\#(batch * 50 + $0)":\#($0)}"# }, at: t0 + Double(batch))
        }
        #expect(store.trackedKeys == 100)
        #expect(store.stats.evictions == 400)
        #expect(store.value(at: JSONPointer("/k499")!) == 49)
        #expect(store.value(at: JSONPointer("/k0")!) == nil)
        // A key updated again is recent again and survives.
        store.fold([#"{"k400":"fresh"}"#] + (500..<599).map { #"{"k\#($0)":0}"# })
        #expect(store.value(at: JSONPointer("/k400")!) == "fresh")
    }

    @Test func upsertRowsAreBoundedByLeastRecentlyUpdated() {
        var config = LiveStore.Configuration(fold: .upsert(JSONPointer("/id")!))
        config.maxRows = 3
        var store = LiveStore(config)
        store.fold(["a", "b", "c", "a", "d"].map { #"{"id":"\#($0)","v":1}"# })
        #expect(store.rows.map(\.key).sorted() == ["a", "c", "d"])
        #expect(store.stats.evictions == 1)
    }

    /// Evictions are counted where they happened: on the lost key's parent and every ancestor, so
    /// a panel on `/hosts` can say its table is incomplete while one on `/meta` stays unmarked.
    @Test func evictionsAreCountedUnderTheSubtreeThatLostKeys() {
        var config = LiveStore.Configuration()
        config.maxKeys = 60
        var store = LiveStore(config)
        // Two keys that stay fresh, then 20 hosts of 3 fields (80 keys with the containers).
        store.fold([#"{"meta":{"name":"fleet"}}"#])
        for h in 0..<20 {
            store.fold([#"{"hosts":{"h\#(h)":{"cpu":\#(h),"mem":1,"up":true}},"meta":{"name":"fleet"}}"#], at: t0 + Double(h))
        }
        let total = store.stats.evictions
        #expect(total > 0)
        #expect(store.trackedKeys == 60)
        #expect(store.evictions(under: JSONPointer("")!) == total)
        #expect(store.evictions(under: JSONPointer("/hosts")!) == total)
        #expect(store.evictions(under: JSONPointer("/meta")!) == 0)
        #expect(store.evictions(under: JSONPointer("/meta/name")!) == 0)
        // The newest host lost nothing; the oldest is gone, so its pointer reads the count under /hosts.
        #expect(store.evictions(under: JSONPointer("/hosts/h19")!) == 0)
        #expect(store.value(at: JSONPointer("/hosts/h0")!) == nil)
        #expect(store.evictions(under: JSONPointer("/hosts/h0/cpu")!) == total)
    }

    @Test func aMessageTooLargeToTrackCountsItsRefusedKeysUnderItsParent() {
        var config = LiveStore.Configuration()
        config.maxKeys = 100
        var store = LiveStore(config)
        store.fold([#"{"big":{"# + (0..<500).map { "\"x\($0)\":1" }.joined(separator: ",") + "}}"])
        // 501 keys: 301 refused past twice the bound (200), 100 evicted back down to it, all under /big.
        #expect(store.stats.evictions == 401)
        #expect(store.evictions(under: JSONPointer("/big")!) == 401)
        store.fold([#"{"small":{"a":1}}"#], at: t0 + 1)
        #expect(store.evictions(under: JSONPointer("/big")!) == 403)
        #expect(store.evictions(under: JSONPointer("/small")!) == 0)
        #expect(store.evictions(under: JSONPointer("")!) == store.stats.evictions)
    }

    /// Twenty times the key bound. Async and yielding between batches: folding must not hold one
    /// of the test process's two cooperative threads for long, which the in-process feed servers
    /// of other tests need (a million keys here took 10 s of debug-build CPU and starved them
    /// under load; the million-key message is fed to the livetop binary in HostileDataTests).
    @Test(.offPool) func twoHundredThousandDistinctKeysCostBoundedMemory() async {
        var store = LiveStore()  // default bound: 10,000 keys
        var id = 0
        for round in 0..<20 {
            var batch = MessageBatch()
            for _ in 0..<100 {
                var text = "{"
                for k in 0..<100 {
                    text += (k == 0 ? "" : ",") + "\"key\(id)\":\(id)"
                    id += 1
                }
                batch.append(text: Array((text + "}").utf8))
            }
            store.apply(.messages(batch, at: t0 + Double(round)))
            #expect(store.trackedKeys <= store.configuration.maxKeys)
            await Task.yield()
        }
        #expect(id == 200_000)
        #expect(store.trackedKeys == store.configuration.maxKeys)
        #expect(store.trackedHistories <= store.configuration.maxKeys)
        #expect(store.stats.evictions == Int64(200_000 - store.configuration.maxKeys))
        #expect(store.value(at: JSONPointer("/key199999")!) == 199_999)
    }

    @Test(.offPool) func oneHugeMessageCannotGrowTheDocumentPastTwiceTheBound() {
        var config = LiveStore.Configuration()
        config.maxKeys = 1000
        var store = LiveStore(config)
        store.fold(["{" + (0..<50_000).map { "\"x\($0)\":1" }.joined(separator: ",") + "}"])
        #expect(store.trackedKeys == 1000)
        #expect(store.stats.evictions == 49_000)
    }

    @Test(.offPool) func hostileMessagesAreLoggedAsTextAndCostLittle() {
        var store = LiveStore()
        let deep = String(repeating: "[", count: 100_000)
        let huge = #"{"s":""# + String(repeating: "x", count: 10_000_000) + #""}"#
        store.fold([deep, huge, #"{"ok":true}"#])
        #expect(store.value == ["ok": true])
        #expect(store.stats.invalidJSON == 2)
        let entries = store.log.all
        guard case .text(_, let reason) = entries[0].content else { Issue.record("\(entries[0])"); return }
        #expect(reason.contains("deeper than the limit of 64"))
        guard case .text(let kept, let reason2) = entries[1].content else { Issue.record("\(entries[1])"); return }
        #expect(reason2.contains("longer than the limit"))
        #expect(kept.utf8.count == store.configuration.maxLogEntryBytes && entries[1].isTruncated)
    }

    @Test func storedStringsAreCutAtCharacterBoundaries() {
        var config = LiveStore.Configuration()
        config.maxStringBytes = 4
        var store = LiveStore(config)
        store.fold([#"{"s":"ab中cd"}"#])  // 'a', 'b', then a 3-byte character across byte 4
        #expect(store.value == ["s": "ab"])
        store.fold([#"{"s":"ab中cd"}"#, #"{"s":"abcdef"}"#])
        #expect(store.value == ["s": "abcd"])
    }
}

@Suite struct CopySemanticsTests {
    @Test func aCopiedStoreIsIndependent() {
        var a = LiveStore()
        a.fold([#"{"v":1,"s":"x"}"#])
        var b = a
        b.fold([#"{"v":2,"s":"y","n":true}"#])
        a.fold([#"{"v":3}"#])
        #expect(a.value == ["v": 3, "s": "x"])
        #expect(b.value == ["v": 2, "s": "y", "n": true])
        #expect(a.history(at: JSONPointer("/v")!)?.values == [1, 3])
        #expect(b.history(at: JSONPointer("/v")!)?.values == [1, 2])
        #expect(a.log.all.map(\.seq) == [1, 2] && b.log.all.map(\.seq) == [1, 2])
    }
}
