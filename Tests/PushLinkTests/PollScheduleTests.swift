import LinkWire
import LiveModel
import Testing
@testable import PushLink

@Suite struct PollScheduleTests {
    typealias Action = PollSchedule.Action

    static let rest = "answered at once with no cursor that moves: a plain REST resource, polling every 1 s"

    static func ms(_ n: Int64) -> Duration { .milliseconds(n) }

    /// One answer to a poll sent at 10 s, on a schedule still in long-poll mode: the verdict.
    @Test(arguments: [
        // A REST resource: 200 at once, no cursor, or the same Etag as sent.
        (5, 200, false, Action.switchedToInterval(reason: rest, next: .seconds(11))),
        // ... or 304 (the validators sent still match), 204 or 408 at once, cursor where it was.
        (5, 304, false, .switchedToInterval(reason: rest, next: .seconds(11))),
        (5, 204, false, .switchedToInterval(reason: rest, next: .seconds(11))),
        (5, 408, false, .switchedToInterval(reason: rest, next: .seconds(11))),
        (999, 200, false, .switchedToInterval(reason: rest, next: .seconds(11))),
        // Nchan catching up answers at once too, but its validators move: still a long-poll.
        (5, 200, true, .pollNow),
        (5, 204, true, .pollNow),
        // Held for the threshold or longer: a long-poll, whatever it says.
        (1000, 200, false, .pollNow),
        (25_000, 204, false, .pollNow),
        (30_000, 304, false, .pollNow),
        // A cursor the server forgot (410, 412) gives no verdict.
        (5, 410, false, .pollNow),
        (5, 412, true, .pollNow),
    ] as [(Int64, Int, Bool, Action)])
    func aLongPollAnswerIsJudgedByHowLongItWasHeldAndWhetherTheCursorMoved(
        _ heldMs: Int64, _ status: Int, _ moved: Bool, _ expected: Action
    ) {
        var schedule = PollSchedule(every: .seconds(1))
        let sent = Duration.seconds(10)
        let action = schedule.answered(.init(sentAt: sent, answeredAt: sent + Self.ms(heldMs), status: status, cursorMoved: moved))
        #expect(action == expected)
        if case .switchedToInterval = expected {
            #expect(schedule.mode == .interval)
        } else {
            #expect(schedule.mode == .longPoll)
        }
    }

    /// Once on interval polling, every answer (moved or not, quick or slow) sets the next poll at
    /// the next slot of a grid from the first poll's start: a poll sent late (250 ms) does not push
    /// the later ones back; an answer slower than the interval gets the next poll at once (its
    /// time has passed), never two at a time.
    @Test(arguments: [
        (0, 5, 200, false, 2_000),
        (0, 5, 200, true, 2_000),
        (0, 5, 304, false, 2_000),
        (0, 30_000, 204, false, 2_000),
        (250, 300, 200, true, 2_000),
        (800, 5, 200, false, 2_300),  // late by most of an interval: not sooner than half an interval after it
        (0, 3_500, 200, true, 2_000),
    ] as [(Int64, Int64, Int, Bool, Int64)])
    func intervalPollingIsStickyAndMeasuredStartToStart(_ sentMs: Int64, _ heldMs: Int64, _ status: Int, _ moved: Bool, _ nextMs: Int64) {
        var schedule = PollSchedule(every: .seconds(1))
        let first = schedule.answered(.init(sentAt: .seconds(0), answeredAt: Self.ms(3), status: 200, cursorMoved: false))
        #expect(first == .switchedToInterval(reason: Self.rest, next: .seconds(1)))
        let sent = Duration.seconds(1) + Self.ms(sentMs)
        let action = schedule.answered(.init(sentAt: sent, answeredAt: sent + Self.ms(heldMs), status: status, cursorMoved: moved))
        #expect(action == .poll(at: Self.ms(nextMs)))
        #expect(schedule.mode == .interval)
    }

    /// The interval runs from the start of one poll (connecting) to the start of the next; the
    /// hold from the request being sent: a connect of 1.5 s is no hold, and does not add up.
    @Test func intervalsRunFromThePollsStartAndHoldsFromTheRequest() {
        var schedule = PollSchedule(every: .seconds(1))
        let slowConnect = PollSchedule.Answer(startedAt: .seconds(10), sentAt: .milliseconds(11_500), answeredAt: .milliseconds(11_520),
                                              status: 200, cursorMoved: false)
        #expect(schedule.answered(slowConnect) == .switchedToInterval(reason: Self.rest, next: .seconds(11)))
        let next = PollSchedule.Answer(startedAt: .seconds(11), sentAt: .milliseconds(11_020), answeredAt: .milliseconds(11_030),
                                       status: 304, cursorMoved: false)
        #expect(schedule.answered(next) == .poll(at: .seconds(12)))
    }

    /// `--transport poll` starts on an interval; the reason names the interval it uses.
    @Test func startsOnAnIntervalWhenToldAndTheReasonNamesTheInterval() {
        var forced = PollSchedule(every: .milliseconds(500), mode: .interval)
        #expect(forced.answered(.init(sentAt: .seconds(3), answeredAt: .seconds(3), status: 200, cursorMoved: false))
                == .poll(at: .milliseconds(3500)))
        var slow = PollSchedule(every: .milliseconds(2500))
        guard case .switchedToInterval(let reason, _) = slow.answered(.init(sentAt: .zero, answeredAt: .zero, status: 200, cursorMoved: false))
        else { Issue.record("no switch"); return }
        #expect(reason.hasSuffix("polling every 2.5 s"))
    }

    /// A REST resource with an Etag, simulated for 10 s against a server that answers in 5 ms:
    /// the first answer's validators are new (a long-poll could look like that), the second is a
    /// 304 at once; from then on one request a second. 11 requests within 10 s, not thousands.
    @Test(arguments: [(true, 11), (false, 10)])
    func aSimulatedRESTResourceGetsOneRequestPerInterval(_ etag: Bool, _ expected: Int) {
        var schedule = PollSchedule(every: .seconds(1))
        var now = Duration.zero
        var sent: [Duration] = []
        var validators: String?
        while now < .seconds(10) {
            sent.append(now)
            let answeredAt = now + .milliseconds(5)
            let status = etag && validators != nil ? 304 : 200
            let moved = etag && validators == nil
            if etag { validators = "\"v1\"" }
            switch schedule.answered(.init(sentAt: now, answeredAt: answeredAt, status: status, cursorMoved: moved)) {
            case .pollNow: now = answeredAt
            case .poll(let at), .switchedToInterval(_, let at): now = max(at, answeredAt)
            }
        }
        #expect(sent.count == expected, "\(sent)")
    }
}

@Suite struct PollCursorPositionTests {
    static func headers(_ values: [String: String]) -> (String) -> String? {
        { name in values.first { $0.key.lowercased() == name.lowercased() }?.value }
    }

    /// What the schedule compares: new validators move the position, the same ones or a 304 do not.
    @Test func thePositionMovesWithNewValidatorsOnly() {
        var cursor = PollCursor()
        let start = cursor.position
        _ = cursor.response(status: 200, header: Self.headers(["Etag": "\"a\""]), body: Array("{}".utf8))
        let first = cursor.position
        #expect(first != start)
        _ = cursor.response(status: 200, header: Self.headers(["Etag": "\"a\""]), body: Array("{}".utf8))
        #expect(cursor.position == first)
        _ = cursor.response(status: 304, header: Self.headers(["Etag": "\"a\""]), body: [])
        #expect(cursor.position == first)
        _ = cursor.response(status: 200, header: Self.headers(["Etag": "\"b\""]), body: Array("{}".utf8))
        #expect(cursor.position != first)
        var plain = PollCursor()
        _ = plain.response(status: 200, header: Self.headers([:]), body: Array("{}".utf8))
        #expect(plain.position == start)
    }
}
