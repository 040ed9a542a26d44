import LinkWire
import LiveModel
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// A source on this host: a command (streamed line by line, or sampled `--every`), livetop's
/// stdin, or a followed file. It reports through the same `LinkEvent`s as a `Link` (connecting,
/// open, notes, closed), so the store, the screen and the JSON lines treat it as any feed.
///
/// A streamed command that ends closes the source with its exit status, or with `restart` is
/// run again on the same backoff a link reconnects with (`ConnectionStateMachine`). A stopped
/// source's command gets SIGTERM with its whole process group, then SIGKILL.
public final class LocalLink: Sendable {
    public typealias Events = Link.Events

    public let events: Events
    public let configuration: LocalConfiguration
    private let sink: EventSink
    private let group: EventLoopGroup
    private let logger: Logger
    private let control = NIOLockedValueBox(Control())
    private let origin = ContinuousClock.now

    private struct Control: RunControl {
        var stopRequested = false
        var reconnectRequested = false
        /// Ends what the session under way runs (kills the command, cancels the follower).
        var end: (@Sendable () -> Void)?
        var waiter: CheckedContinuation<Void, Never>?
    }

    public init(_ configuration: LocalConfiguration, group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                logger: Logger = Logger(label: "livetop.local", factory: { _ in SwiftLogNoOpLogHandler() })) {
        self.configuration = configuration
        self.group = group
        self.logger = logger
        (sink, events) = EventSink.makeEvents()
    }

    private var transport: Transport { configuration.source.transport }

    /// Runs the source until it ends or `stop()`; true for a normal end (exit status 0).
    @discardableResult
    public func run() async -> Bool {
        // A file is followed until the user quits; a command without --restart and stdin end with their input.
        let endsWithInput: Bool
        switch configuration.source {
        case .command: endsWithInput = !configuration.restart && configuration.every == nil
        case .stdin: endsWithInput = true
        case .file: endsWithInput = false
        }
        var machine = ConnectionStateMachine(.init(backoff: configuration.backoff, exitOnClose: endsWithInput))
        let transport = self.transport
        let stale = configuration.expect.map { StaleTimer(expected: $0, transport: { [transport] in transport }, sink: sink) }
        defer { stale?.cancel() }
        var lastEnd: LinkError?
        var action = machine.start()
        while true {
            switch action {
            case .connect(let attempt):
                if isStopRequested { action = machine.stop(); continue }
                emit(.connecting(transport: transport, url: configuration.source.description, attempt: attempt))
                do {
                    let reason = try await session {
                        _ = machine.opened(at: monotonic())
                        emit(.open(transport: transport))
                    }
                    lastEnd = reason
                    action = isStopRequested ? machine.stop() : machine.ended(reason, at: monotonic(), random: .random(in: 0..<1))
                } catch {
                    lastEnd = error
                    action = isStopRequested ? machine.stop() : machine.ended(error, at: monotonic(), random: .random(in: 0..<1))
                }
            case .wait(let attempt, let delay, let error):
                emit(.waiting(transport: transport, attempt: attempt, retryIn: delay, error: error))
                await pause(delay)
                action = isStopRequested ? machine.stop() : machine.retry()
            case .fail(_, let delay, let error):
                emit(.failed(transport: transport, error: error, retryIn: delay))
                await pause(delay)
                action = isStopRequested ? machine.stop() : machine.retry()
            case .giveUp(let error):
                emit(.failed(transport: transport, error: error, retryIn: nil))
                sink.finish()
                return false
            case .finish(let success, _):
                // A command's end is news even when it is a clean one: say how it ended.
                emit(.closed(reason: isStopRequested ? nil : lastEnd?.description))
                sink.finish()
                return success
            case .none:
                sink.finish()
                return false
            }
        }
    }

    /// One run of the source: throws when it cannot start, calls `opened` once it has, and
    /// returns how it ended.
    private func session(opened: () -> Void) async throws(LinkError) -> LinkError {
        switch configuration.source {
        case .command(let argv):
            if let every = configuration.every {
                return try await sample(argv, every: every, opened: opened)
            }
            return try await stream(argv, opened: opened)
        case .stdin:
            let fd = dup(0)
            guard fd >= 0 else { throw LinkError.io("cannot read stdin: \(String(cString: strerror(errno)))") }
            var info = stat()
            fstat(fd, &info)
            if (info.st_mode & S_IFMT) == S_IFREG {
                // `livetop - < file`: epoll cannot watch a regular file; read it as one, to its end.
                try await readFile(path: "stdin", fd: fd, follow: false, opened: opened)
            } else {
                opened()
                let drained = try await pipe(fd, .lines)
                register { drained.channel.close(promise: nil) }
                try? await drained.done.get()
            }
            return .endOfInput("stdin")
        case .file(let path):
            try await readFile(path: path, fd: nil, follow: true, opened: opened)
            return .closedByPeer(code: nil, reason: "stopped")
        }
    }

    /// A command read line by line until its stdout ends and it exits.
    private func stream(_ argv: [String], opened: () -> Void) async throws(LinkError) -> LinkError {
        let child = try Self.spawn(argv)
        let exit = ChildExit(child)
        register { [grace = configuration.killGrace] in exit.terminate(grace: grace) }
        // Open once it runs, before its first line can be handed on.
        opened()
        let output: (channel: Channel, done: EventLoopFuture<Void>)
        let errors: (channel: Channel, done: EventLoopFuture<Void>)
        do {
            output = try await pipe(child.stdout, .lines)
            errors = try await pipe(child.stderr, .notes)
        } catch {
            child.signalGroup(SIGKILL)
            _ = await exit.status()
            throw error
        }
        let status = await exit.status()
        // Everything it wrote is handed on before its end is reported; a process it left behind
        // holding the pipe open does not keep the source from ending.
        await Self.settle(output.done.and(errors.done), within: .seconds(1), on: group.next())
        output.channel.close(promise: nil)
        errors.channel.close(promise: nil)
        return .commandEnded(child.name, status: status.description, success: status == .exited(0))
    }

    /// A command run every `every` (start to start), each run's whole stdout one message. A run
    /// still going at the next tick is never doubled: that tick is skipped, and said so.
    private func sample(_ argv: [String], every: Duration, opened: () -> Void) async throws(LinkError) -> LinkError {
        var isOpen = false
        let name = argv.first ?? ""
        let timeout = configuration.effectiveRunTimeout
        while !isStopRequested {
            let started = monotonic()
            let child = try Self.spawn(argv)
            let exit = ChildExit(child)
            register { [grace = configuration.killGrace] in exit.terminate(grace: grace) }
            if !isOpen {
                isOpen = true
                opened()
            }
            let output: (channel: Channel, done: EventLoopFuture<Void>)
            let errors: (channel: Channel, done: EventLoopFuture<Void>)
            do {
                output = try await pipe(child.stdout, .document)
                errors = try await pipe(child.stderr, .notes)
            } catch {
                child.signalGroup(SIGKILL)
                _ = await exit.status()
                throw error
            }
            let timer = group.next().scheduleTask(in: .nanoseconds(Int64(timeout.seconds * 1e9))) { exit.timedOut() }
            let status = await exit.status()
            timer.cancel()
            await Self.settle(output.done.and(errors.done), within: .seconds(1), on: group.next())
            output.channel.close(promise: nil)
            errors.channel.close(promise: nil)
            if isStopRequested { break }
            if exit.wasTimedOut {
                emit(.note(transport: .command, text: "\(name) was killed after \(LinkError.seconds(timeout.seconds)) (run timeout)"))
            } else if status != .exited(0) {
                emit(.note(transport: .command, text: "\(name) \(status)"))
            }
            let took = monotonic() - started
            var next = started + every
            if took > every {
                let skipped = Int((took.seconds / every.seconds).rounded(.down))
                next = started + every * (skipped + 1)
                emit(.note(transport: .command, text: "a run of \(name) took \(Self.format(took)), longer than --every \(Self.format(every)): "
                           + "\(skipped) tick\(skipped == 1 ? "" : "s") skipped (never two runs at once)"))
            }
            await pause(max(.zero, next - monotonic()), reconnectCuts: false)
        }
        return .closedByPeer(code: nil, reason: "stopped")
    }

    private func readFile(path: String, fd: CInt?, follow: Bool, opened: () -> Void) async throws(LinkError) {
        let follower = FileFollower(path: path, follow: follow, configuration: configuration, sink: sink, wallClock: Link.wallClock)
        let done = group.next().makePromise(of: Void.self)
        do {
            try follower.start(fd: fd, opened: opened) { done.succeed() }
        } catch {
            done.succeed()
            throw error
        }
        register { follower.cancel() }
        try? await done.futureResult.get()
    }

    /// A pipe read on the event loop, its lines handed on as batches.
    private func pipe(_ fd: CInt, _ mode: LineFeedHandler.Mode) async throws(LinkError) -> (channel: Channel, done: EventLoopFuture<Void>) {
        let loop = group.next()
        let drained = loop.makePromise(of: Void.self)
        let limit = mode == .notes ? 4096 : configuration.maxMessageBytes
        let lines = LineMessages(limit: limit, format: mode == .notes ? .text : configuration.format)
        let sink = self.sink
        let transport = self.transport
        do {
            let channel = try await NIOPipeBootstrap(group: loop)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ReadGateHandler(sink: sink))
                        try channel.pipeline.syncOperations.addHandler(
                            LineFeedHandler(mode, transport: transport, lines: lines, sink: sink, drained: drained, wallClock: Link.wallClock))
                    }
                }
                .takingOwnershipOfDescriptor(input: fd).get()
            return (channel, drained.futureResult)
        } catch {
            close(fd)
            drained.succeed()
            throw LinkError.io("cannot read \(configuration.source): \(error)")
        }
    }

    /// Records how to end what the session runs; ends it at once if a stop already came.
    private func register(_ end: @escaping @Sendable () -> Void) {
        let stopNow = control.withLockedValue { c -> Bool in
            c.end = end
            return c.stopRequested
        }
        if stopNow { end() }
    }

    /// Ends the source: the command's process group gets SIGTERM (then SIGKILL), a follower stops.
    public func stop() {
        let (end, waiter) = control.withLockedValue { c -> ((@Sendable () -> Void)?, CheckedContinuation<Void, Never>?) in
            c.stopRequested = true
            defer { c.waiter = nil }
            return (c.end, c.waiter)
        }
        end?()
        waiter?.resume()
    }

    /// `r`: cuts a wait before a restart short (a running command is left running).
    public func reconnectNow() {
        let waiter = control.withLockedValue { c -> CheckedContinuation<Void, Never>? in
            c.reconnectRequested = true
            defer { c.waiter = nil }
            return c.waiter
        }
        waiter?.resume()
    }

    private var isStopRequested: Bool { control.withLockedValue { $0.stopRequested } }

    /// Waits `delay`, or less if `stop()` (or, where `reconnectCuts`, `reconnectNow()`) is called.
    private func pause(_ delay: Duration, reconnectCuts: Bool = true) async {
        await control.pause(delay, on: group.next(), reconnectCuts: reconnectCuts)
    }

    private func emit(_ state: LinkState) {
        sink.yield(.state(state, at: Link.wallClock()))
    }

    private var monotonic: @Sendable () -> Duration {
        let origin = self.origin
        return { ContinuousClock.now - origin }
    }

    private static func spawn(_ argv: [String]) throws(LinkError) -> ChildProcess {
        do {
            return try ChildProcess(argv)
        } catch {
            throw LinkError.spawn(error.line)
        }
    }

    /// Waits for `future`, at most `limit`.
    private static func settle<T>(_ future: EventLoopFuture<T>, within limit: Duration, on loop: EventLoop) async {
        let either = loop.makePromise(of: Void.self)
        future.whenComplete { _ in either.succeed() }
        let timer = loop.scheduleTask(in: .nanoseconds(Int64(limit.seconds * 1e9))) { either.succeed() }
        try? await either.futureResult.get()
        timer.cancel()
    }

    private static func format(_ d: Duration) -> String {
        let s = d.seconds
        return s >= 10 ? "\(Int(s.rounded())) s" : "\((s * 10).rounded() / 10) s"
    }
}

/// A child's end, awaited: `waitpid` runs on a thread of its own (it blocks), and a stop or a
/// run timeout signals the process group.
final class ChildExit: Sendable {
    private let child: ChildProcess
    private let state = NIOLockedValueBox<(status: ChildProcess.Status?, waiters: [CheckedContinuation<ChildProcess.Status, Never>], timedOut: Bool)>((nil, [], false))

    init(_ child: ChildProcess) {
        self.child = child
        let thread = Thread { [self] in
            let status = child.wait()
            let waiters = state.withLockedValue { s -> [CheckedContinuation<ChildProcess.Status, Never>] in
                s.status = status
                defer { s.waiters = [] }
                return s.waiters
            }
            waiters.forEach { $0.resume(returning: status) }
        }
        thread.name = "livetop wait \(child.pid)"
        thread.stackSize = 128 * 1024
        thread.start()
    }

    func status() async -> ChildProcess.Status {
        await withCheckedContinuation { continuation in
            let known = state.withLockedValue { s -> ChildProcess.Status? in
                if let status = s.status { return status }
                s.waiters.append(continuation)
                return nil
            }
            if let known { continuation.resume(returning: known) }
        }
    }

    var wasTimedOut: Bool { state.withLockedValue { $0.timedOut } }

    /// The run timeout: the whole group is killed at once.
    func timedOut() {
        let running = state.withLockedValue { s -> Bool in
            guard s.status == nil else { return false }
            s.timedOut = true
            return true
        }
        if running { child.signalGroup(SIGKILL) }
    }

    /// SIGTERM to the group (and SIGCONT, for one that was stopped), SIGKILL after `grace` if it is still there.
    func terminate(grace: Duration) {
        child.signalGroup(SIGTERM)
        child.signalGroup(SIGCONT)  // a stopped process acts on SIGTERM only once continued
        let child = self.child
        DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(grace.seconds * 1e9))) {
            child.signalGroup(SIGKILL)
        }
    }
}

import Dispatch
import Foundation
