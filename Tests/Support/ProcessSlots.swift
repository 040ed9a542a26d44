import Foundation
import Testing

/// At most a few tests that start servers or processes run at once, whatever runs the suite.
///
/// Swift Testing starts every test at once unless told otherwise, and only an environment
/// variable read before the test process starts (`SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH`,
/// which Scripts/test.sh sets) limits that. Under plain `swift test` about a hundred servers and
/// livetop processes started in the first seconds on two cores, and their 10-30 s waits for a
/// port or an answer expired (87 failures). Suites that start processes take this trait; a test
/// waits for a slot before it starts, so the limit holds for `swift test` alone too. Pure tests
/// do not take it and run as wide as the runner likes.
public struct ProcessSlots: TestTrait, SuiteTrait, TestScoping {
    /// Tests holding a slot at most: most of them wait on servers rather than compute, so a few
    /// keep two cores busy without starving anyone's deadline.
    public static let width = 6

    public var isRecursive: Bool { true }

    public func provideScope(for test: Test, testCase: Test.Case?,
                             performing function: @Sendable () async throws -> Void) async throws {
        await Self.slots.acquire()
        defer { Self.slots.release() }
        try await function()
    }

    static let slots = Slots(width)

    /// A counting semaphore for tasks: waiters are resumed in the order they came.
    final class Slots: @unchecked Sendable {
        private let lock = NSLock()
        private var free: Int
        private var waiting: [CheckedContinuation<Void, Never>] = []

        init(_ count: Int) { free = count }

        func acquire() async {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = lock.withLock { () -> Bool in
                    if free > 0 {
                        free -= 1
                        return true
                    }
                    waiting.append(continuation)
                    return false
                }
                if now { continuation.resume() }
            }
        }

        func release() {
            let next = lock.withLock { () -> CheckedContinuation<Void, Never>? in
                if waiting.isEmpty {
                    free += 1
                    return nil
                }
                return waiting.removeFirst()
            }
            next?.resume()
        }
    }
}

extension Trait where Self == ProcessSlots {
    /// The suite starts servers or processes: its tests take turns (see `ProcessSlots`).
    public static var startsProcesses: ProcessSlots { ProcessSlots() }
}
