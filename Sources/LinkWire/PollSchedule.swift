import LiveModel
/// When the next poll goes out, and whether the poll URL is a long-poll at all (docs/transports.md
/// "Long-poll cursor conventions"). A long-poll server holds a request until it has something new;
/// a plain REST resource answers at once, every time, with what it has. Polled like a long-poll,
/// the second is a tight loop (about 1,500 requests a second against a local `GET /status`), so an
/// answer that shows it was not held moves the rest of the session to interval polling: one request
/// per `every`, start to start.
///
/// Pure: times come in as monotonic durations (never read here), decisions go out; `LongPoller`
/// sends, waits and reports.
public struct PollSchedule: Hashable, Sendable {
    /// An answer that ended sooner than this after its request was sent was not held.
    ///
    /// Long-poll servers hold a request for tens of seconds when they have nothing (Nchan until a
    /// message comes, Consul's `wait` 5 min by default, CouchDB 60 s); a REST answer takes one
    /// round trip plus the server's work, below a second even over a satellite link (about
    /// 600 ms) to a slowish backend. Erring this way is cheap: a long-poll server that holds for
    /// less than a second is polled once per interval instead of at once, and its cursor keeps
    /// what came meanwhile; erring the other way is the tight loop.
    public static let heldThreshold: Duration = .seconds(1)

    public enum Mode: Hashable, Sendable {
        /// The next poll goes out as soon as the last one is answered.
        case longPoll
        /// One poll per `every`, measured from the start of one request to the start of the next.
        case interval
    }

    /// One answer, as far as the schedule cares.
    public struct Answer: Hashable, Sendable {
        /// Monotonic time the poll began (connecting): intervals are measured from it, so the
        /// time a connection takes does not add to each one.
        public var startedAt: Duration
        /// Monotonic time the request was sent, once connected: how long the server held it is
        /// measured from it, so a slow connect does not look like a hold.
        public var sentAt: Duration
        /// Monotonic time the answer ended.
        public var answeredAt: Duration
        public var status: Int
        /// The answer moved the cursor: new validators (`Etag`, `Last-Modified`) or a new cursor value.
        public var cursorMoved: Bool

        public init(startedAt: Duration? = nil, sentAt: Duration, answeredAt: Duration, status: Int, cursorMoved: Bool) {
            self.startedAt = startedAt ?? sentAt
            self.sentAt = sentAt
            self.answeredAt = answeredAt
            self.status = status
            self.cursorMoved = cursorMoved
        }

        /// Whether this answer shows the server did not hold the request: it came at once, said
        /// something (2xx) or nothing new (304, 408), and left the cursor where it was. A 304 never
        /// moves it. A cursor that moves is a long-poll catching up (Nchan answers at once while
        /// it holds messages the client has not seen).
        package var showsNoHold: Bool {
            guard answeredAt - sentAt < PollSchedule.heldThreshold else { return false }
            switch status {
            case 304: return true
            case 200..<300, 408: return !cursorMoved
            default: return false  // 410/412 reset the cursor: no verdict
            }
        }
    }

    public enum Action: Hashable, Sendable {
        /// A held poll was answered: send the next one at once.
        case pollNow
        /// Send the next one at this monotonic time (at once if it has passed).
        case poll(at: Duration)
        /// The poll was not held: a plain REST resource. Interval polling from now on, for the
        /// rest of this session; the next poll at `next`.
        case switchedToInterval(reason: String, next: Duration)
    }

    /// The interval between polls of a plain REST resource (`--every`).
    public let every: Duration
    public private(set) var mode: Mode
    /// Interval polls keep to a grid from the first one's start, so one request sent late (a busy
    /// machine) does not push every later one back: the next goes at the next slot of the grid,
    /// never sooner than half an interval after the late one.
    private var grid: Duration?

    public init(every: Duration, mode: Mode = .longPoll) {
        self.every = every
        self.mode = mode
    }

    /// What an answer that was not an error (2xx, 304, 408, 410, 412) means for the next poll.
    /// Errors (429, 5xx, network faults) end the session and back off instead.
    public mutating func answered(_ answer: Answer) -> Action {
        switch mode {
        case .interval:
            return .poll(at: next(after: answer.startedAt))
        case .longPoll:
            guard answer.showsNoHold else { return .pollNow }
            mode = .interval
            let next = next(after: answer.startedAt)
            // A 304 to the validators sent is the same verdict: the cursor stayed where it was.
            return .switchedToInterval(reason: "answered at once with no cursor that moves: a plain REST resource, "
                                       + "polling every \(PollSchedule.seconds(every))", next: next)
        }
    }

    /// The first slot of the grid later than `started` (and at least half an interval after it).
    private mutating func next(after started: Duration) -> Duration {
        let origin = grid ?? started
        grid = origin
        let slots = ((started - origin).seconds / every.seconds).rounded(.down) + 1
        return max(origin + every * slots, started + every / 2)
    }

    /// "1 s", "0.5 s", "2.25 s".
    package static func seconds(_ duration: Duration) -> String {
        let ms = (duration.seconds * 1000).rounded()
        if ms.truncatingRemainder(dividingBy: 1000) == 0 { return "\(Int64(ms / 1000)) s" }
        return "\(ms / 1000) s"
    }
}
