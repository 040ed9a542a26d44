import Testing
@testable import LiveModel

/// The link's events are the store's: a state's relative wait becomes the status line's absolute
/// countdown, the typed error stays typed, and a batch is folded as it was read.
@Suite struct LinkEventTests {
    @Test func waitsBecomeAbsoluteRetryTimesAndErrorsStayTyped() {
        var store = LiveStore()
        let at = Timestamp(seconds: 100)
        store.apply(.connection(.waiting(transport: .sse, attempt: 3, retryIn: .milliseconds(1500), error: .refused), at: at))
        #expect(store.status.phase == .waiting(attempt: 3, retryAt: Timestamp(seconds: 101.5)))
        #expect(store.status.lastError == .refused && store.status.transport == .sse)
        store.apply(.connection(.failed(transport: .websocket, error: .upgradeRefused(status: 401, reason: "Unauthorized"),
                                        retryIn: .seconds(30)), at: at))
        #expect(store.status.phase == .failed(retryAt: Timestamp(seconds: 130)))
        #expect(store.status.lastError?.upgradeStatus == 401)
        #expect(store.status.summary(at: at) == "failed, retry in 30 s: websocket upgrade answered HTTP 401 Unauthorized")
        store.apply(.connection(.failed(transport: .websocket, error: .engineIOv3, retryIn: nil), at: at))
        #expect(store.status.phase == .failed(retryAt: nil))
    }

    /// A poll's interval crosses as a `Duration` and is shown in seconds.
    @Test func aPollKeepsItsInterval() {
        var store = LiveStore()
        store.apply(LiveEvent(.state(.open(transport: .poll, every: .milliseconds(1500)), at: 100_000_000_000)))
        #expect(store.status.pollEvery == 1.5 && store.status.summary(at: Timestamp(seconds: 100)) == "polling every 1.5 s")
        store.apply(LiveEvent(.state(.open(transport: .sse), at: 101_000_000_000)))
        #expect(store.status.pollEvery == nil && store.now == Timestamp(seconds: 101))
    }

    @Test func batchesAreFoldedAtTheirReadTime() {
        var batch = MessageBatch(transport: .websocket)
        batch.append(Array(#"{"a":1}"#.utf8), isBinary: false)
        batch.append([0, 1], isBinary: true)
        batch.receivedAt = 5_000_000_000
        var store = LiveStore()
        store.apply(LiveEvent(.messages(batch)))
        #expect(store.value == ["a": 1])
        #expect(store.stats.binaryMessages == 1 && store.stats.lastMessageAt == Timestamp(seconds: 5))
    }
}
