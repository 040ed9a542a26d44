import LiveModel
import PushLink
import Testing
@testable import livetop

@Suite struct LinkBridgeTests {
    @Test func statesBecomeConnectionEventsWithAbsoluteRetryTimes() {
        let at = Timestamp(seconds: 100)
        #expect(LinkBridge.connectionEvent(.waiting(transport: .sse, attempt: 3, retryIn: .milliseconds(1500), error: .refused), at: at)
            == .waiting(transport: .sse, attempt: 3, retryAt: Timestamp(seconds: 101.5), error: "connection refused"))
        #expect(LinkBridge.connectionEvent(.failed(transport: .websocket, error: .upgradeRefused(status: 401, reason: "Unauthorized"),
                                                   retryIn: .seconds(30)), at: at)
            == .failed(transport: .websocket, error: "websocket upgrade answered HTTP 401 Unauthorized", retryAt: Timestamp(seconds: 130)))
        #expect(LinkBridge.connectionEvent(.fallback(transport: .longpoll, reason: "why"), at: at) == .fallback(transport: .longpoll, reason: "why"))
    }

    /// Every transport has its mirror (by raw value), and a poll's interval crosses in seconds.
    @Test func everyTransportCrossesAndAPollKeepsItsInterval() {
        let at = Timestamp(seconds: 100)
        for transport in Transport.allCases {
            #expect(TransportKind(rawValue: transport.rawValue) != nil, "\(transport)")
        }
        #expect(LinkBridge.connectionEvent(.open(transport: .poll, every: .milliseconds(1500)), at: at) == .open(transport: .poll, every: 1.5))
        #expect(LinkBridge.connectionEvent(.open(transport: .sse), at: at) == .open(transport: .sse))
    }

    @Test func batchesKeepTheirBytesAndFrames() {
        var batch = FrameBatch(transport: .websocket)
        batch.append(Array(#"{"a":1}"#.utf8), isBinary: false)
        batch.append([0, 1], isBinary: true)
        batch.receivedAt = 5_000_000_000
        var store = LiveStore()
        store.apply(LinkBridge.liveEvent(.messages(batch)))
        #expect(store.value == ["a": 1])
        #expect(store.stats.binaryMessages == 1 && store.stats.lastMessageAt == Timestamp(seconds: 5))
    }
}
