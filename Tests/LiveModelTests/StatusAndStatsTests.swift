import Testing
@testable import LiveModel

@Suite struct ConnectionStatusTests {
    @Test func foldsTheConnectionLifecycle() {
        var store = LiveStore()
        let url = "ws://127.0.0.1:9000/"
        store.apply(.connection(.connecting(transport: .websocket, url: url, attempt: 1), at: t0))
        #expect(store.status.phase == .connecting(attempt: 1) && store.status.word == "connecting")
        store.apply(.connection(.open(transport: .websocket), at: t0 + 0.1))
        #expect(store.status.phase == .open && store.status.opens == 1)
        store.apply(.connection(.waiting(transport: .websocket, attempt: 4, retryIn: .milliseconds(3200), error: .refused), at: t0 + 0.1))
        #expect(store.status.summary(at: t0 + 0.1) == "reconnecting in 3.2 s (attempt 4): connection refused")
        #expect(store.status.summary(at: t0 + 2.35) == "reconnecting in 1.0 s (attempt 4): connection refused")
        #expect(store.status.summary(at: t0 + 9) == "reconnecting in 0.0 s (attempt 4): connection refused")
        store.apply(.connection(.fallback(transport: .longpoll, reason: "websocket upgrade answered HTTP 404"), at: t0 + 4))
        #expect(store.status.transport == .longpoll && store.status.fallbacks == 1)
        #expect(store.status.lastTransition?.kind == .fallback)
        #expect(store.status.word == "waiting")  // a transition does not change the phase
        store.apply(.connection(.gap(transport: .longpoll, reason: "HTTP 410"), at: t0 + 5))
        #expect(store.status.gaps == 1 && store.status.lastTransition?.reason == "HTTP 410")
        store.apply(.connection(.failed(transport: .longpoll, error: .io("HTTP 401 Unauthorized"), retryIn: .seconds(30)), at: t0 + 5))
        #expect(store.status.summary(at: t0 + 5) == "failed, retry in 30 s: HTTP 401 Unauthorized")
        store.apply(.connection(.closed(reason: nil), at: t0 + 6))
        #expect(store.status.word == "closed" && store.status.lastError == .io("HTTP 401 Unauthorized"))
        #expect(store.now == t0 + 6)
    }
}

@Suite struct PollStatusTests {
    /// Open on `poll`, the summary says how often; open on anything else, it says "open".
    @Test(arguments: [
        (LinkState.open(transport: .poll, every: .seconds(1)), "polling every 1 s"),
        (.open(transport: .poll, every: .milliseconds(500)), "polling every 0.5 s"),
        (.open(transport: .poll, every: .seconds(90)), "polling every 90 s"),
        (.open(transport: .longpoll), "open"),
        (.open(transport: .websocket, every: .seconds(1)), "open"),
    ])
    func theSummarySaysHowOftenWhilePolling(_ event: LinkState, _ expected: String) {
        var store = LiveStore()
        store.apply(.connection(.fallback(transport: .poll, reason: "a plain REST resource"), at: t0))
        store.apply(.connection(event, at: t0))
        #expect(store.status.word == "open")
        #expect(store.status.summary(at: t0 + 1) == expected)
    }
}

@Suite struct MessageStatsTests {
    @Test func countsBytesAndTimes() {
        var store = LiveStore()
        store.fold(["{}", "[1]"], at: t0)
        #expect(store.stats.messages == 2 && store.stats.bytes == 5)
        #expect(store.stats.lastMessageAt == t0)
        #expect(store.stats.age(at: t0 + 2.5) == 2.5)
    }

    @Test func rateIsMeasuredOverTheWindow() {
        var store = LiveStore()  // 5 s window
        for tenth in 0..<100 {  // 10 s of 100 msg/s, in batches of 10 every 0.1 s
            store.fold(Array(repeating: "1", count: 10), at: t0 + Double(tenth) / 10)
        }
        let rate = store.stats.rate(at: t0 + 9.95)
        #expect(abs(rate - 100) < 10, "rate \(rate)")
        // Right after the start the rate is not diluted by the empty part of the window.
        var fresh = LiveStore()
        fresh.fold(Array(repeating: "1", count: 50), at: t0)
        fresh.fold(Array(repeating: "1", count: 50), at: t0 + 0.5)
        #expect(abs(fresh.stats.rate(at: t0 + 1) - 100) < 1)
        // A feed of one message a second reads 1 msg/s from its first message on.
        var slow = LiveStore()
        slow.fold(["1"], at: t0)
        for after in [0.1, 0.33, 0.9] { #expect(slow.stats.rate(at: t0 + after) == 1, "at \(after) s") }
        // And it falls to zero once the feed stops.
        #expect(store.stats.rate(at: t0 + 30) == 0)
    }

    @Test func revisionMovesOnlyWhenSomethingChanged() {
        var store = LiveStore()
        let r0 = store.revision
        store.apply(.tick(t0))
        #expect(store.revision == r0)
        store.fold(["1"])
        #expect(store.revision == r0 + 1)
        store.apply(.messages(MessageBatch(), at: t0))
        #expect(store.revision == r0 + 1)
    }
}

@Suite struct TimestampTests {
    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00.000Z"),
        (1_795_708_529_685, "2026-11-26T15:55:29.685Z"),
        (951_782_400_000, "2000-02-29T00:00:00.000Z"),
        (-1, "1969-12-31T23:59:59.999Z"),
        (4_102_444_799_999, "2099-12-31T23:59:59.999Z"),
    ])
    func formatsRFC3339(_ ms: Int64, _ text: String) {
        #expect(Timestamp(milliseconds: ms).rfc3339 == text)
    }
}
