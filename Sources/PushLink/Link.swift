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

    private struct Control {
        var stopRequested = false
        var reconnectRequested = false
        var connection: WebSocketConnection?
        var waiter: CheckedContinuation<Void, Never>?
    }

    public init(_ configuration: LinkConfiguration, group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                logger: Logger = Logger(label: "livetop.link", factory: { _ in SwiftLogNoOpLogHandler() })) {
        self.configuration = configuration
        self.group = group
        self.logger = logger
        let sink = EventSink()
        // Up to 16 batches (read bursts) in flight before the socket stops being read.
        let sequence = NIOAsyncSequenceProducer.makeSequence(
            elementType: LinkEvent.self,
            backPressureStrategy: NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark(lowWatermark: 4, highWatermark: 16),
            finishOnDeinit: false,
            delegate: sink)
        sink.attach(sequence.source)
        self.sink = sink
        self.events = sequence.sequence
    }

    /// Connects and keeps the feed going until `stop()` or, with `exitOnClose`, the first end.
    /// Returns true for a normal end (exit status 0).
    @discardableResult
    public func run() async -> Bool {
        var machine = ConnectionStateMachine(configuration.reconnect)
        var action = machine.start()
        let url = configuration.url
        while true {
            switch action {
            case .connect(let attempt):
                if isStopRequested { action = machine.stop(); continue }
                emit(.connecting(transport: .websocket, url: url.description, attempt: attempt))
                do {
                    let connection = try await WebSocketConnector.connect(
                        configuration, group: group, sink: sink, monotonic: monotonic, wallClock: Link.wallClock)
                    let stopNow = control.withLockedValue { c -> Bool in
                        c.connection = connection
                        return c.stopRequested
                    }
                    if stopNow { connection.close() }
                    _ = machine.opened(at: monotonic())
                    emit(.open(transport: .websocket))
                    logger.debug("open", metadata: ["url": "\(url)"])
                    for text in configuration.sendOnOpen { connection.send(text: text) }
                    let reason = (try? await connection.ended.get()) ?? .droppedWithoutClose
                    control.withLockedValue { $0.connection = nil }
                    action = isStopRequested ? machine.stop() : machine.ended(reason, at: monotonic(), random: .random(in: 0..<1))
                } catch {
                    logger.debug("connect failed", metadata: ["error": "\(error)"])
                    action = isStopRequested ? machine.stop() : machine.ended(error, at: monotonic(), random: .random(in: 0..<1))
                }
            case .wait(let attempt, let delay, let error):
                emit(.waiting(transport: .websocket, attempt: attempt, retryIn: delay, error: error))
                await pause(delay)
                action = isStopRequested ? machine.stop() : machine.retry()
            case .fail(_, let delay, let error):
                emit(.failed(transport: .websocket, error: error, retryIn: delay))
                await pause(delay)
                action = isStopRequested ? machine.stop() : machine.retry()
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

    /// Ends the run: closes the connection cleanly (code 1000) and finishes `events`.
    public func stop() {
        let (connection, waiter) = control.withLockedValue { c -> (WebSocketConnection?, CheckedContinuation<Void, Never>?) in
            c.stopRequested = true
            defer { c.waiter = nil }
            return (c.connection, c.waiter)
        }
        connection?.close()
        waiter?.resume()
    }

    /// Cuts a wait short, or drops the open connection and connects again at once.
    public func reconnectNow() {
        let (connection, waiter) = control.withLockedValue { c -> (WebSocketConnection?, CheckedContinuation<Void, Never>?) in
            c.reconnectRequested = true
            defer { c.waiter = nil }
            return (c.connection, c.waiter)
        }
        connection?.close(code: .goingAway, reason: .io("reconnect requested"))
        waiter?.resume()
    }

    private var isStopRequested: Bool { control.withLockedValue { $0.stopRequested } }

    /// Waits `delay`, or less if `stop()` or `reconnectNow()` is called.
    private func pause(_ delay: Duration) async {
        let loop = group.next()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let immediate = control.withLockedValue { c -> Bool in
                if c.stopRequested || c.reconnectRequested {
                    c.reconnectRequested = false
                    return true
                }
                c.waiter = continuation
                return false
            }
            if immediate { return continuation.resume() }
            loop.scheduleTask(in: .nanoseconds(Int64(delay.seconds * 1e9))) { [control] in
                control.withLockedValue { c -> CheckedContinuation<Void, Never>? in
                    defer { c.waiter = nil }
                    return c.waiter
                }?.resume()
            }
        }
        control.withLockedValue { $0.reconnectRequested = false }
    }

    private func emit(_ state: LinkState) {
        sink.yield(.state(state, at: Link.wallClock()))
    }

    private var monotonic: @Sendable () -> Duration {
        let origin = self.origin
        return { ContinuousClock.now - origin }
    }

    /// Wall-clock time in nanoseconds since the Unix epoch.
    @Sendable public static func wallClock() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }
}
