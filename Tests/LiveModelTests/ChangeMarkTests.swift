import Testing
@testable import LiveModel

/// `childKeysUpdated(at:since:limit:)`: what a reader that kept a container's keys needs to know
/// to read only the rows a change touched, and when it must read everything again.
@Suite struct ChangeMarkTests {
    static let hosts = JSONPointer("/hosts")!

    static func fleet(_ n: Int) -> LiveStore {
        var store = LiveStore()
        let body = (1...n).map { #""h\#($0)":{"cpu":\#($0),"status":"up"}"# }.joined(separator: ",")
        store.fold([#"{"hosts":{"# + body + "}}"])
        return store
    }

    @Test func namesOnlyTheChildrenAChangeTouchedEachOnce() {
        var store = Self.fleet(1000)
        let mark = store.changeMark
        #expect(store.childKeysUpdated(at: Self.hosts, since: mark, limit: 100) == [], "nothing changed yet")
        store.fold([#"{"hosts":{"h7":{"cpu":70}}}"#, #"{"hosts":{"h900":{"status":"down","cpu":1}}}"#, #"{"hosts":{"h7":{"cpu":71}}}"#])
        #expect(Set(store.childKeysUpdated(at: Self.hosts, since: mark, limit: 100) ?? []) == ["h7", "h900"])
        #expect(store.childKeysUpdated(at: Self.hosts, since: mark, limit: 100)?.count == 2, "each child once")
        // A value confirmed unchanged counts too: the reader reads it again, which is harmless.
        let later = store.changeMark
        store.fold([#"{"other":1}"#])
        #expect(store.childKeysUpdated(at: Self.hosts, since: later, limit: 100) == nil, "a key added anywhere: read again")
        let afterAdd = store.changeMark
        store.fold([#"{"other":2}"#])
        #expect(store.childKeysUpdated(at: Self.hosts, since: afterAdd, limit: 100) == [], "a change elsewhere touches no host")
    }

    @Test func aRemovedKeyOrTooManyChangesMeanReadEverything() {
        var store = Self.fleet(100)
        var mark = store.changeMark
        store.fold([#"{"hosts":{"h5":null}}"#])
        #expect(store.childKeysUpdated(at: Self.hosts, since: mark, limit: 100) == nil, "h5 removed")
        mark = store.changeMark
        store.fold((1...60).map { #"{"hosts":{"h\#($0 + 10)":{"cpu":0}}}"# })
        #expect(store.childKeysUpdated(at: Self.hosts, since: mark, limit: 200)?.count == 60)
        #expect(store.childKeysUpdated(at: Self.hosts, since: mark, limit: 50) == nil, "over the limit")
        #expect(store.childKeysUpdated(at: JSONPointer("/hosts/h20/cpu")!, since: mark, limit: 200) == nil, "not a container")
        #expect(store.childKeysUpdated(at: JSONPointer("/nothing")!, since: mark, limit: 200) == nil)
    }

    @Test func arrayElementsAreNamedByTheirIndex() {
        var store = LiveStore()
        store.fold([#"{"q":[{"n":1},{"n":2},{"n":3}]}"#])
        let mark = store.changeMark
        store.fold([#"{"q":[{"n":1},{"n":5},{"n":3}]}"#])
        let keys = store.childKeysUpdated(at: JSONPointer("/q")!, since: mark, limit: 100)
        #expect(keys != nil && keys!.contains("1"), "\(String(describing: keys))")
    }

    @Test func evictionChangesTheShape() {
        var configuration = LiveStore.Configuration()
        configuration.maxKeys = 50
        var store = LiveStore(configuration)
        store.fold([#"{"a":1}"#])
        let mark = store.changeMark
        store.fold([#"{"b":{"# + (1...60).map { #""k\#($0)":\#($0)"# }.joined(separator: ",") + "}}"])
        #expect(store.stats.evictions > 0)
        #expect(store.childKeysUpdated(at: JSONPointer("")!, since: mark, limit: 1000) == nil)
    }
}
