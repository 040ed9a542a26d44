import Dispatch
import Foundation

/// How much longer than written every test deadline is: `LIVETOP_TEST_TIME_SCALE` (default 1).
/// Under ThreadSanitizer every thread, and every livetop process a test starts, runs several
/// times slower; the deadlines say how long an event may take on a plain build, and this scales
/// them without changing what is checked. Timeouts given to the product itself are not scaled.
public let testTimeScale: Double = {
    guard let text = ProcessInfo.processInfo.environment["LIVETOP_TEST_TIME_SCALE"], let scale = Double(text), scale >= 1 else { return 1 }
    return scale
}()

/// Deadlines fire on a queue of their own, not on the global queues: on Linux those are also
/// Swift's task pool (one thread per core), so a deadline there fires only once a thread is free,
/// late by as long as the pool stays busy, and then fails a test whose event came in time.
let deadlineTimers = DispatchQueue(label: "livetop.test-deadlines")

/// The test took longer than it may.
public struct TimedOut: Error, CustomStringConvertible {
    public let what: String
    public init(what: String) { self.what = what }
    public var description: String { "timed out waiting for \(what)" }
}

/// Runs `body`, failing with `TimedOut` if it has not finished after `seconds`. The timer is a
/// dispatch timer that cancels the work: tests wait for events, never for fixed times.
public func withDeadline<T: Sendable>(_ seconds: Double, _ what: String = "the operation",
                                      _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    let work = Task { try await body() }
    let fired = Flag()
    let timer = DispatchWorkItem {
        fired.set()
        work.cancel()
    }
    deadlineTimers.asyncAfter(deadline: .now() + seconds * testTimeScale, execute: timer)
    defer { timer.cancel() }
    do {
        let value = try await work.value
        if fired.isSet { throw TimedOut(what: what) }
        return value
    } catch {
        if fired.isSet { throw TimedOut(what: what) }
        throw error
    }
}

/// A thread-safe one-way flag.
public final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    public init() {}
    public func set() { lock.withLock { value = true } }
    public var isSet: Bool { lock.withLock { value } }
}

/// Values collected from another task, with a way to wait until they satisfy a condition.
public final class Recorder<Element: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Element] = []
    private var finished = false
    private var waiters: [(id: Int, check: @Sendable ([Element], Bool) -> Bool, resume: CheckedContinuation<Void, Never>)] = []
    private var nextID = 0

    public init() {}

    public func append(_ item: Element) { update { $0.items.append(item) } }
    public func finish() { update { $0.finished = true } }

    public var all: [Element] { lock.withLock { items } }
    public var isFinished: Bool { lock.withLock { finished } }

    /// Waits until `condition` holds for the items so far, at most `seconds`; fails if the
    /// recording finishes without it.
    public func wait(_ seconds: Double, for what: String, until condition: @escaping @Sendable ([Element]) -> Bool) async throws {
        let fired = Flag()
        let timer = DispatchWorkItem { [self] in
            fired.set()
            wakeAll()
        }
        deadlineTimers.asyncAfter(deadline: .now() + seconds * testTimeScale, execute: timer)
        defer { timer.cancel() }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let ready = lock.withLock { () -> Bool in
                if condition(items) || finished || fired.isSet { return true }
                nextID += 1
                waiters.append((nextID, { items, done in condition(items) || done }, c))
                return false
            }
            if ready { c.resume() }
        }
        if condition(all) { return }
        throw TimedOut(what: fired.isSet ? what : "\(what) (it ended without that)")
    }

    private func update(_ change: (Recorder) -> Void) {
        let ready: [CheckedContinuation<Void, Never>] = lock.withLock {
            change(self)
            let (done, pending) = (waiters.filter { $0.check(items, finished) }, waiters.filter { !$0.check(items, finished) })
            waiters = pending
            return done.map(\.resume)
        }
        ready.forEach { $0.resume() }
    }

    /// Resumes every waiter (used when a deadline cancels the waiting task).
    public func wakeAll() {
        let all: [CheckedContinuation<Void, Never>] = lock.withLock {
            defer { waiters = [] }
            return waiters.map(\.resume)
        }
        all.forEach { $0.resume() }
    }
}

/// Checks `condition` every `interval` until it holds, failing after `seconds`. For state that
/// announces nothing (a terminal's screen): the wait ends as soon as the condition is true.
public func eventually(_ seconds: Double, _ what: String, every interval: Double = 0.05,
                       _ condition: @escaping @Sendable () async throws -> Bool) async throws {
    let deadline = Date().addingTimeInterval(seconds * testTimeScale)
    while true {
        if try await condition() { return }
        guard Date() < deadline else { throw TimedOut(what: what) }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            deadlineTimers.asyncAfter(deadline: .now() + interval) { c.resume() }
        }
    }
}
