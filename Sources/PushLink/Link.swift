import LinkWire
import LiveModel
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// A live feed: connects, reconnects with backoff, and reports every message and state change,
/// in order, through `events`. Drive it with `run()`; end it with `stop()`.
public final class Link: Sendable {
    public typealias Events = NIOAsyncSequenceProducer<
        LinkEvent, NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark, EventSink
    >

    /// Every message batch and state change, in order. Finishes after the `closed` state.
    public let events: Events
    public let configuration: LinkConfiguration
    private let sink: EventSink
    private let group: EventLoopGroup
    private let logger: Logger
    private let control = NIOLockedValueBox(Control())
    private let origin = ContinuousClock.now
    /// The transport of the latest state, for a `stale` report.
    private let current = NIOLockedValueBox(Transport.websocket)

    private struct Control: RunControl {
        var stopRequested = false
        var reconnectRequested = false
        /// Ends the connection or poll under way.
        var close: (@Sendable (_ reconnect: Bool) -> Void)?
        var waiter: CheckedContinuation<Void, Never>?
        /// The long-poll cursor, kept across reconnects so that nothing is lost or repeated.
        var pollCursor: PollCursor?
        /// A WebSocket connection a probe opened while on a fallback, waiting to take over.
        var upgraded: WebSocketConnection?
        /// When the last Redis subscription ended (monotonic): Redis keeps nothing for a
        /// subscriber that is away, so the next subscription reports what span was lost.
        var redisLostAt: Duration?
    }

    private let sseResume = SSETransport.Resume()
    /// Message ids delivered, kept across reconnects and transports: repeats are dropped and
    /// Nchan's ids show what was skipped (`MessageIDTracker`).
    private let ids = NIOLockedValueBox(MessageIDTracker())
    /// The JSON stream's cursor, kept across reconnects so a resume asks for what came after.
    private let streamCursor: NIOLockedValueBox<PollCursor>

    public init(_ configuration: LinkConfiguration, group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                logger: Logger = Logger(label: "livetop.link", factory: { _ in SwiftLogNoOpLogHandler() })) {
        self.configuration = configuration
        self.group = group
        self.logger = logger
        streamCursor = NIOLockedValueBox(PollCursor(convention: configuration.pollCursor))
        (sink, events) = EventSink.makeEvents()
        control.withLockedValue { $0.pollCursor = PollCursor(convention: configuration.pollCursor, items: configuration.pollItems) }
    }

    /// Connects and keeps the feed going until `stop()` or, with `exitOnClose`, the first end.
    /// Returns true for a normal end (exit status 0).
    @discardableResult
    public func run() async -> Bool {
        var machine = ConnectionStateMachine(configuration.reconnect)
        var plan = TransportPlan(forced: configuration.transport, url: configuration.url)
        let stale = configuration.expect.map { [current] in StaleTimer(expected: $0, transport: { current.withLockedValue { $0 } }, sink: sink) }
        defer { stale?.cancel() }
        var action = machine.start()
        // What the last session opened as (a long-poll URL may have opened as `poll`): the
        // transport a wait after it is reported on.
        var openedAs: Transport?
        while true {
            switch action {
            case .connect(let attempt):
                if isStopRequested { action = machine.stop(); continue }
                openedAs = nil
                let transport = plan.current
                let url = configuration.url(for: transport)
                emit(.connecting(transport: transport, url: url.description, attempt: attempt))
                do {
                    let reason = try await session(transport, url: url, probe: plan.probe) { shown in
                        _ = machine.opened(at: monotonic())
                        openedAs = shown
                        emit(.open(transport: shown, every: shown == .poll ? configuration.pollInterval : nil))
                        logger.info("open", metadata: ["transport": "\(shown)", "url": "\(url)"])
                    }
                    logger.info("connection ended", metadata: ["transport": "\(transport)", "reason": "\(reason)"])
                    control.withLockedValue { $0.close = nil }
                    if !isStopRequested, control.withLockedValue({ $0.upgraded != nil }) {
                        plan.moveBackUp()
                        emit(.fallback(transport: plan.current, reason: "websocket works again"))
                        action = machine.switchedTransport()
                        continue
                    }
                    action = isStopRequested ? machine.stop() : machine.ended(reason, at: monotonic(), random: .random(in: 0..<1))
                } catch {
                    control.withLockedValue { $0.close = nil }
                    logger.debug("connect failed", metadata: ["transport": "\(transport)", "error": "\(error)"])
                    if isStopRequested {
                        action = machine.stop()
                    } else if let reason = plan.fallback(after: error) {
                        logger.notice("fallback", metadata: ["to": "\(plan.current)", "reason": "\(reason)"])
                        emit(.fallback(transport: plan.current, reason: reason))
                        action = machine.switchedTransport()
                    } else {
                        action = machine.ended(error, at: monotonic(), random: .random(in: 0..<1))
                    }
                }
            case .wait(let attempt, var delay, let error):
                // An event stream's own `retry:` is the reconnection time after the stream ended;
                // attempts that fail (refused, timed out) still back off, never faster than it.
                if plan.current == .sse, let retry = sseResume.retry {
                    let asked = Duration.milliseconds(Int64(retry))
                    delay = error.severity == .normal ? asked : max(delay, asked)
                }
                emit(.waiting(transport: openedAs ?? plan.current, attempt: attempt, retryIn: delay, error: error))
                await pause(delay)
                action = isStopRequested ? machine.stop() : machine.retry()
            case .fail(_, let delay, let error):
                emit(.failed(transport: openedAs ?? plan.current, error: error, retryIn: delay))
                await pause(delay)
                action = isStopRequested ? machine.stop() : machine.retry()
            case .giveUp(let error):
                emit(.failed(transport: openedAs ?? plan.current, error: error, retryIn: nil))
                sink.finish()
                return false
            case .finish(let success, let error):
                emit(.closed(reason: error?.description))
                sink.finish()
                return success
            case .none:
                sink.finish()
                return false
            }
        }
    }

    /// Runs one connection of `transport`: throws if it cannot be opened, calls `opened` once it
    /// is (with the transport to show: a long-poll URL found to be a plain REST resource opens
    /// again as `poll`), and returns why it ended.
    private func session(_ transport: Transport, url: FeedURL, probe: Transport?,
                         opened: (Transport) -> Void) async throws(LinkError) -> LinkError {
        // While on a fallback, look for WebSocket now and then.
        let prober = probe.flatMap { _ in configuration.upgradeRetry }.map { interval in
            Task { await self.probeWebSocket(every: interval) }
        }
        defer { prober?.cancel() }
        switch transport {
        case .websocket:
            let waiting = control.withLockedValue { c -> WebSocketConnection? in
                defer { c.upgraded = nil }
                return c.upgraded
            }
            let connection: WebSocketConnection
            if let waiting {
                connection = waiting
            } else {
                connection = try await WebSocketConnector.connect(
                    configuration, group: group, sink: sink, monotonic: monotonic, wallClock: Link.wallClock, ids: ids)
            }
            register { reconnect in
                reconnect ? connection.close(code: .goingAway, reason: .io("reconnect requested")) : connection.close()
            }
            opened(.websocket)
            try? await connection.start().get()
            for text in configuration.sendOnOpen { connection.send(text: text) }
            return (try? await connection.ended.get()) ?? .droppedWithoutClose
        case .sse:
            let (exchange, start) = try await SSETransport.connect(url, configuration: configuration, group: group, sink: sink,
                                                                   resume: sseResume, ids: ids, wallClock: Link.wallClock)
            return await follow(exchange, start: start, opened: { opened(.sse) }, endedReason: "the event stream ended")
        case .stream:
            let exchange: HTTPExchange
            let start: @Sendable () -> EventLoopFuture<Void>
            do {
                (exchange, start) = try await StreamTransport.connect(url, configuration: configuration, group: group, sink: sink,
                                                                      cursor: streamCursor, forced: configuration.transport == .stream,
                                                                      wallClock: Link.wallClock)
            } catch let error where error.meansCursorGone {
                // The server no longer knows where we were: start from what it has, and say so.
                streamCursor.withLockedValue { $0.reset() }
                emit(.gap(transport: .stream, reason: "cursor no longer known (\(error)); resumed from what the server has"))
                throw error
            }
            return await follow(exchange, start: start, opened: { opened(.stream) }, endedReason: "the stream ended")
        case .redis:
            let address = try RedisAddress(url)
            let subscription = try await RedisSubscription.connect(configuration, address: address, group: group, sink: sink,
                                                                   monotonic: monotonic, wallClock: Link.wallClock)
            register { reconnect in
                subscription.close(reason: reconnect ? .io("reconnect requested") : .closedByPeer(code: nil, reason: "stopped"))
            }
            // Subscribed again after losing a subscription: what was published between is gone.
            if let lost = control.withLockedValue({ $0.redisLostAt }) {
                let seconds = ((monotonic() - lost).seconds * 10).rounded() / 10
                emit(.gap(transport: .redis, reason: "redis pub/sub keeps nothing while disconnected: "
                          + "messages published in the last \(seconds) s were lost"))
            }
            opened(.redis)
            try? await subscription.start().get()
            let reason = (try? await subscription.ended.get()) ?? .droppedWithoutClose
            control.withLockedValue { $0.redisLostAt = monotonic() }
            return reason
        case .socketio:
            let session = SocketIOSession(configuration, group: group, sink: sink, monotonic: monotonic, wallClock: Link.wallClock)
            register { _ in session.stop() }
            return try await session.run(opened: { opened(.socketio) })
        case .longpoll, .poll:
            let cursor = control.withLockedValue { $0.pollCursor } ?? PollCursor()
            // Each session starts as a long-poll (unless `--transport poll`) and finds out again.
            let schedule = PollSchedule(every: configuration.pollInterval, mode: transport == .poll ? .interval : .longPoll)
            let poller = LongPoller(url: url, configuration: configuration, cursor: cursor, schedule: schedule, group: group,
                                    sink: sink, ids: ids, monotonic: monotonic, wallClock: Link.wallClock)
            defer { control.withLockedValue { $0.pollCursor = poller.cursor } }
            register { _ in poller.cancel() }
            let onGap: (String) -> Void = { reason in self.emit(.gap(transport: poller.transport, reason: reason)) }
            let onSwitch: (String) -> Void = { reason in
                self.logger.notice("fallback", metadata: ["to": "poll", "reason": "\(reason)"])
                self.emit(.fallback(transport: .poll, reason: reason))
            }
            var next = try await poller.poll(onGap: onGap, onSwitch: onSwitch, onOpen: opened)
            while !isStopRequested {
                if let next { await poller.wait(until: next) }
                if isStopRequested { break }
                do {
                    next = try await poller.poll(onGap: onGap, onSwitch: onSwitch, onOpen: opened)
                } catch {
                    return error
                }
            }
            return .closedByPeer(code: nil, reason: "stopped")
        case .command, .stdin, .file:
            // Local sources are `LocalLink`s; a URL never names one.
            throw LinkError.badURL(url.description, "\(transport) is not a network transport")
        }
    }

    /// Follows a streamed HTTP response (SSE, a JSON stream) until it ends: says "open", lets its
    /// messages through, and returns why it ended (`endedReason` for a response that completed).
    private func follow(_ exchange: HTTPExchange, start: @Sendable () -> EventLoopFuture<Void>, opened: () -> Void,
                        endedReason: String) async -> LinkError {
        register { _ in exchange.channel.close(promise: nil) }
        opened()
        try? await start().get()
        let ending: LinkError?
        do {
            ending = try await exchange.ended.get()
        } catch {
            ending = .droppedWithoutClose
        }
        return ending ?? .closedByPeer(code: nil, reason: endedReason)
    }

    /// Tries a WebSocket connection every `interval`; when one opens, parks it for the run loop and
    /// ends the fallback session, so the link moves back up. Messages that arrive over both around
    /// the switch may repeat.
    private func probeWebSocket(every interval: Duration) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            if Task.isCancelled || isStopRequested { return }
            guard let connection = try? await WebSocketConnector.connect(
                configuration, group: group, sink: sink, monotonic: monotonic, wallClock: Link.wallClock, ids: ids)
            else { continue }
            if Task.isCancelled || isStopRequested {
                connection.close()  // the session it was meant to replace has ended already
                return
            }
            let close = control.withLockedValue { c -> (@Sendable (Bool) -> Void)? in
                c.upgraded = connection
                return c.close
            }
            close?(true)
            return
        }
    }

    /// Records how to end the connection under way; ends it at once if a stop already came.
    private func register(_ close: @escaping @Sendable (_ reconnect: Bool) -> Void) {
        let stopNow = control.withLockedValue { c -> Bool in
            c.close = close
            return c.stopRequested
        }
        if stopNow { close(false) }
    }

    /// Ends the run: closes the connection cleanly (code 1000 on WebSocket) and finishes `events`.
    public func stop() {
        let (close, waiter, parked) = control.withLockedValue {
            c -> ((@Sendable (Bool) -> Void)?, CheckedContinuation<Void, Never>?, WebSocketConnection?) in
            c.stopRequested = true
            defer {
                c.waiter = nil
                c.upgraded = nil
            }
            return (c.close, c.waiter, c.upgraded)
        }
        close?(false)
        parked?.close()
        waiter?.resume()
    }

    /// Cuts a wait short, or drops the open connection and connects again at once.
    public func reconnectNow() {
        let (close, waiter) = control.withLockedValue { c -> ((@Sendable (Bool) -> Void)?, CheckedContinuation<Void, Never>?) in
            c.reconnectRequested = true
            defer { c.waiter = nil }
            return (c.close, c.waiter)
        }
        close?(true)
        waiter?.resume()
    }

    private var isStopRequested: Bool { control.withLockedValue { $0.stopRequested } }

    /// Waits `delay`, or less if `stop()` or `reconnectNow()` is called.
    private func pause(_ delay: Duration) async {
        await control.pause(delay, on: group.next())
    }

    private func emit(_ state: LinkState) {
        switch state {
        case .connecting(let t, _, _), .open(let t, _), .fallback(let t, _): current.withLockedValue { $0 = t }
        default: break
        }
        sink.yield(.state(state, at: Link.wallClock()))
    }

    private var monotonic: @Sendable () -> Duration {
        let origin = self.origin
        return { ContinuousClock.now - origin }
    }

    /// Wall-clock time in nanoseconds since the Unix epoch.
    @Sendable public static func wallClock() -> Int64 { WallClock.now() }
}
