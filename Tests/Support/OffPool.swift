import Foundation
import Testing

/// Runs a test on threads of its own instead of Swift's cooperative pool.
///
/// Swift Testing runs every test at once on the cooperative pool, which has one thread per core
/// (two here). A test that computes for a second without suspending holds one of them all that
/// time, and the tests that wait for events (a server's answer, a process's exit, a
/// continuation resumed by a timer) cannot run until it ends. With both cores busy (a CPU hog,
/// CI's neighbours) the few seconds of CPU that LiveModel's larger tests need at the start of a
/// run held both pool threads for over 10 s, and deadlines of 5-10 s in unrelated tests expired
/// (AlertTests, ReferenceServerTests). Tests that mostly compute take this trait: the test's
/// own task runs on `OffPool.executor` (a task executor preference, so `#expect` and task
/// locals work as usual), and the pool stays free for the tests that wait.
public struct OffPool: TestTrait, SuiteTrait, TestScoping {
    /// Each job on a thread of its own. Not on a Dispatch queue: `DispatchQueue.global()` has as
    /// many threads as cores and other tests wait on it (AlertCommand's completions and timers,
    /// the deadline timers), and a first version's concurrent queue ran on the cooperative pool's
    /// threads, moving nothing (`perf record` showed it). The tests that take this trait run a
    /// job or two each, so a thread per job costs nothing that matters.
    public final class Executor: TaskExecutor {
        public func enqueue(_ job: consuming ExecutorJob) {
            let job = UnownedJob(job)
            let executor = asUnownedTaskExecutor()
            let thread = Thread { job.runSynchronously(on: executor) }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    public static let executor = Executor()

    public var isRecursive: Bool { true }

    public func provideScope(for test: Test, testCase: Test.Case?,
                             performing function: @Sendable () async throws -> Void) async throws {
        try await withTaskExecutorPreference(Self.executor) { try await function() }
    }
}

extension Trait where Self == OffPool {
    /// The test computes more than it waits: run it off the cooperative pool (see `OffPool`).
    public static var offPool: OffPool { OffPool() }
}
