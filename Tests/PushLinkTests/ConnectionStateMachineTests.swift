import LinkWire
import LiveModel
import Testing
@testable import PushLink

@Suite struct BackoffTests {
    @Test func boundsGrowWithTimeDisconnectedFromHalfASecondUpToTheCap() {
        let backoff = Backoff(jitter: 0)
        let bounds = [0, 1, 2, 4, 8, 9, 20, 600].map { backoff.delay(disconnectedFor: .seconds($0), random: 0.99).seconds }
        #expect(bounds == [0.5, 0.8, 1.1, 1.7, 2.9, 3.2, 5, 5])
    }

    @Test func retryMinAndMaxMoveBothEnds() {
        let backoff = Backoff(base: .seconds(2), cap: .seconds(60), jitter: 0)
        #expect(backoff.bound(disconnectedFor: .zero) == .seconds(2))
        #expect(backoff.bound(disconnectedFor: .seconds(100)) == .seconds(32))
        #expect(backoff.bound(disconnectedFor: .seconds(1000)) == .seconds(60))
        // A cap below the start is raised to it.
        #expect(Backoff(base: .seconds(3), cap: .seconds(1)).cap == .seconds(3))
    }

    @Test(arguments: [(0.0, 1.7), (0.2, 1.36), (0.5, 0.85), (0.999, 0.0017)])
    func fullJitterPicksAnywhereBelowTheBound(_ random: Double, _ expected: Double) {
        #expect(abs(Backoff().delay(disconnectedFor: .seconds(4), random: random).seconds - expected) < 0.0011)
    }
}

@Suite struct ConnectionStateMachineTests {
    typealias Action = ConnectionStateMachine.Action
    let noJitter = ConnectionStateMachine.Configuration(backoff: Backoff(jitter: 0))

    /// Refused attempts at the given times (seconds after the first failure); the waits chosen.
    private func waits(refusedAt times: [Double], random: Double = 0) -> [Double] {
        var m = ConnectionStateMachine(noJitter)
        _ = m.start()
        return times.enumerated().compactMap { index, time in
            let action = m.ended(.refused, at: .milliseconds(Int64(time * 1000)), random: random)
            guard case .wait(let next, let delay, .refused) = action, next == index + 2 else { return nil }
            #expect(m.retry() == .connect(attempt: index + 2))
            return delay.seconds
        }
    }

    @Test func theWaitGrowsWithTimeDisconnectedNotWithTheNumberOfRefusals() {
        // Eight refusals within 0.7 s leave the bound near its start...
        #expect(waits(refusedAt: [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]) == [0.5, 0.53, 0.56, 0.59, 0.62, 0.65, 0.68, 0.71])
        // ...and refusals spread over a minute reach the cap after 15 s.
        #expect(waits(refusedAt: [0, 4, 9, 30, 60]) == [0.5, 1.7, 3.2, 5, 5])
    }

    @Test func aRestartOfAFewSecondsIsFollowedWithinAboutASecond() {
        // The restart takes 3 s; whatever the jitter, the wait chosen then is at most 1.4 s, and on
        // average a third of that remains when the server is back.
        for random in stride(from: 0.0, to: 1.0, by: 0.1) {
            let last = waits(refusedAt: [0, 0.3, 1, 2, 3], random: random).last!
            #expect(last <= 1.4)
        }
    }

    @Test func aConnectionThatStayedOpenTenSecondsResetsTheBackoff() {
        var m = ConnectionStateMachine(noJitter)
        _ = m.start()
        for second in 0..<4 {
            _ = m.ended(.refused, at: .seconds(second), random: 0)
            _ = m.retry()
        }
        _ = m.opened(at: .seconds(4))
        // Dropped after 5 s: still the same disconnection, 9 s since it began.
        #expect(m.ended(.reset, at: .seconds(9), random: 0) == .wait(attempt: 6, delay: .milliseconds(3200), error: .reset))
        _ = m.retry()
        _ = m.opened(at: .seconds(200))
        // Dropped after 10 s: it starts over.
        #expect(m.ended(.reset, at: .seconds(210), random: 0) == .wait(attempt: 1, delay: .milliseconds(500), error: .reset))
        _ = m.retry()
        #expect(m.ended(.refused, at: .seconds(212), random: 0) == .wait(attempt: 2, delay: .milliseconds(1100), error: .refused))
    }

    static let reconnecting: [Int?] = [1000, 1001, 1006, 1011, 1012, 1013, nil, 4000]
    static let failing = [1002, 1003, 1007, 1008, 1009, 1010, 1015]

    @Test(arguments: reconnecting)
    func closeCodesThatReconnectWithBackoff(_ code: Int?) {
        var m = ConnectionStateMachine(noJitter)
        _ = m.start()
        _ = m.opened(at: .zero)
        let error = LinkError.closedByPeer(code: code, reason: "")
        #expect(m.ended(error, at: .seconds(1), random: 0) == .wait(attempt: 2, delay: .milliseconds(500), error: error))
    }

    @Test(arguments: failing)
    func closeCodesThatFailAndRetryOnlyAtTheCap(_ code: Int) {
        var m = ConnectionStateMachine(noJitter)
        _ = m.start()
        _ = m.opened(at: .zero)
        let error = LinkError.closedByPeer(code: code, reason: "")
        #expect(m.ended(error, at: .seconds(1), random: 0) == .fail(attempt: 2, delay: .seconds(5), error: error))
        #expect(m.retry() == .connect(attempt: 2))
    }

    @Test(arguments: [(401, true), (403, true), (404, false), (500, false), (503, false)])
    func upgradeAnswers(_ status: Int, _ fatal: Bool) {
        var m = ConnectionStateMachine(noJitter)
        _ = m.start()
        let error = LinkError.upgradeRefused(status: status, reason: "")
        let action = m.ended(error, at: .zero, random: 0)
        if fatal {
            #expect(action == .fail(attempt: 2, delay: .seconds(5), error: error))
        } else {
            #expect(action == .wait(attempt: 2, delay: .milliseconds(500), error: error))
        }
    }

    /// A 429 or 503 with Retry-After: no attempt before the time it asks for, even where the
    /// backoff would be shorter; a backoff longer than it stands.
    @Test(arguments: [
        (Duration?.some(.seconds(3)), 0.0, Duration.seconds(3)),
        (.milliseconds(100), 0.0, .milliseconds(500)),
        (.seconds(3), 60.0, .seconds(5)),
        (.zero, 0.0, .milliseconds(500)),
        (nil, 0.0, .milliseconds(500)),
        (nil, 60.0, .seconds(5)),
    ] as [(Duration?, Double, Duration)])
    func retryAfterIsTheShortestWait(_ retryAfter: Duration?, _ disconnectedFor: Double, _ expected: Duration) {
        var m = ConnectionStateMachine(noJitter)
        _ = m.start()
        _ = m.ended(.refused, at: .zero, random: 0)
        _ = m.retry()
        _ = m.opened(at: .milliseconds(Int64(disconnectedFor * 1000)))
        let error = LinkError.httpStatus(429, from: "the poll URL", retryAfter: retryAfter)
        #expect(m.ended(error, at: .milliseconds(Int64(disconnectedFor * 1000) + 1), random: 0)
                == .wait(attempt: 3, delay: expected, error: error))
    }

    @Test(arguments: [
        (LinkError.connectTimeout(seconds: 10), false), (.dead(seconds: 10), false), (.droppedWithoutClose, false),
        (.resolve("x"), false), (.tls("certificate verification failed"), true), (.messageTooLarge(limit: 10), true),
    ])
    func faultsAreTransientOrFatal(_ error: LinkError, _ fatal: Bool) {
        #expect((error.severity == .fatal) == fatal)
    }

    @Test(arguments: [
        (LinkError.closedByPeer(code: 1000, reason: "bye"), true), (.closedByPeer(code: 1001, reason: ""), true),
        (.closedByPeer(code: nil, reason: ""), true), (.closedByPeer(code: 1011, reason: ""), false),
        (.refused, false), (.droppedWithoutClose, false), (.closedByPeer(code: 1008, reason: ""), false),
    ])
    func exitOnCloseEndsTheRun(_ error: LinkError, _ success: Bool) {
        var m = ConnectionStateMachine(.init(backoff: Backoff(jitter: 0), exitOnClose: true))
        _ = m.start()
        _ = m.opened(at: .zero)
        #expect(m.ended(error, at: .seconds(1), random: 0) == .finish(success: success, error: success ? nil : error))
        #expect(m.isFinished && m.retry() == .none)
    }

    /// A server that speaks another protocol version will not start speaking ours on a retry:
    /// `failed` once and the end, with or without --exit-on-close, open before or not.
    @Test(arguments: [false, true])
    func aPermanentErrorGivesUpWithoutARetry(_ exitOnClose: Bool) {
        var m = ConnectionStateMachine(.init(backoff: Backoff(jitter: 0), exitOnClose: exitOnClose))
        _ = m.start()
        #expect(LinkError.engineIOv3.isPermanent && !LinkError.tls("x").isPermanent)
        #expect(m.ended(.engineIOv3, at: .seconds(1), random: 0) == .giveUp(error: .engineIOv3))
        #expect(m.isFinished && m.retry() == .none && m.stop() == .none)
    }

    @Test func stopEndsFromAnyStateOnce() {
        var m = ConnectionStateMachine(noJitter)
        _ = m.start()
        _ = m.ended(.refused, at: .zero, random: 0)
        #expect(m.stop() == .finish(success: true, error: nil))
        #expect(m.stop() == .none && m.retry() == .none && m.start() == .none)
    }

    @Test func inputsOutOfOrderAreIgnored() {
        var m = ConnectionStateMachine(noJitter)
        #expect(m.retry() == .none && m.opened(at: .zero) == .none && m.ended(.refused, at: .zero, random: 0) == .none)
        _ = m.start()
        #expect(m.retry() == .none)
    }
}

@Suite struct HeartbeatTests {
    @Test func pingsEveryIntervalAndDeclaresASilentPeerDead() {
        var h = Heartbeat(interval: .seconds(15), timeout: .seconds(10), openedAt: .zero)
        #expect(h.nextDeadline == .seconds(15))
        #expect(h.tick(at: .seconds(14)) == .none)
        #expect(h.tick(at: .seconds(15)) == .sendPing)
        #expect(h.nextDeadline == .seconds(25))  // the timeout of that ping comes before the next ping
        #expect(h.tick(at: .seconds(24.9)) == .none)
        #expect(h.tick(at: .seconds(25)) == .dead)
    }

    @Test func anythingReceivedKeepsThePeerAlive() {
        var h = Heartbeat(interval: .seconds(15), timeout: .seconds(10), openedAt: .zero)
        #expect(h.tick(at: .seconds(15)) == .sendPing)
        h.received(at: .seconds(16))  // the pong (or any message)
        #expect(h.nextDeadline == .seconds(30))
        #expect(h.tick(at: .seconds(25)) == .none)
        #expect(h.tick(at: .seconds(30)) == .sendPing)
        h.received(at: .seconds(31))
        #expect(h.tick(at: .seconds(44)) == .none)
    }

    @Test func aTimeoutLongerThanTheIntervalStillCountsFromTheFirstUnansweredPing() {
        var h = Heartbeat(interval: .seconds(5), timeout: .seconds(12), openedAt: .zero)
        #expect(h.tick(at: .seconds(5)) == .sendPing)
        #expect(h.tick(at: .seconds(10)) == .sendPing)
        #expect(h.tick(at: .seconds(15)) == .sendPing)
        #expect(h.tick(at: .seconds(17)) == .dead)
    }

    /// While the consumer is behind, the socket is not read and the pong waits in it: no `.dead`
    /// then, however long; once reads go on, a peer that still says nothing is dead a timeout later.
    @Test func silenceWhileReadsAreHeldIsNotTheDeadPeers() {
        var h = Heartbeat(interval: .seconds(15), timeout: .seconds(10), openedAt: .zero)
        #expect(h.tick(at: .seconds(15)) == .sendPing)
        #expect(h.tick(at: .seconds(25), readsHeld: true) != .dead)
        #expect(h.tick(at: .seconds(90), readsHeld: true) != .dead)
        h.readsResumed(at: .seconds(94))
        #expect(h.tick(at: .seconds(100)) == .none, "the wait starts again when reading goes on")
        #expect(h.tick(at: .seconds(104)) == .dead, "10 s of silence after reading went on")
    }

    @Test func noIntervalMeansNoPingsAndNoDeadline() {
        var h = Heartbeat(interval: nil, timeout: .seconds(10), openedAt: .zero)
        #expect(h.nextDeadline == nil && h.tick(at: .seconds(1000)) == .none)
    }
}

@Suite struct FeedURLTests {
    @Test(arguments: [
        ("ws://127.0.0.1:9000/", FeedURL.Scheme.ws, "127.0.0.1", 9000, "/"),
        ("wss://feed.example.com/ticker?x=1#frag", .wss, "feed.example.com", 443, "/ticker?x=1"),
        ("WS://host", .ws, "host", 80, "/"),
        ("ws://host?q=1", .ws, "host", 80, "/?q=1"),
        ("http://[::1]:8080/poll", .http, "::1", 8080, "/poll"),
        ("https://user@host/x", .https, "host", 443, "/x"),
    ])
    func parses(_ text: String, _ scheme: FeedURL.Scheme, _ host: String, _ port: Int, _ target: String) throws {
        let url = try FeedURL(text)
        #expect(url.scheme == scheme && url.host == host && url.port == port && url.target == target)
    }

    @Test(arguments: ["127.0.0.1:9000", "ftp://x/", "ws://", "ws://host:0/", "ws://host:99999/", "ws://host:abc/", "ws://[::1/"])
    func rejects(_ text: String) {
        #expect(throws: LinkError.self) { try FeedURL(text) }
    }

    @Test func fallsBackToTheSameAddressOverHTTP() throws {
        #expect(try FeedURL("ws://h:1/p").httpEquivalent.description == "http://h:1/p")
        #expect(try FeedURL("wss://h/p").httpEquivalent.description == "https://h/p")
        #expect(try FeedURL("wss://h:443/p").hostHeader == "h")
    }
}
