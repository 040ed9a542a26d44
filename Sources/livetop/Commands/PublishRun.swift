import Dispatch
import Foundation
import LiveModel
import PushLink
import PushPublish

/// The stdin side of `livetop publish`, on a thread of its own: reads batches of lines, paces
/// them with `--rate-limit`, and hands each to the publisher, waiting for its acknowledgement
/// before reading on (the publisher's window is the only queue, so memory stays bounded whatever
/// the pace of stdin). The main task can ask it to stop between publishes.
final class PublishRun: @unchecked Sendable {
    enum Event: Sendable {
        /// Reading and publishing ended: at the end of stdin, or stopped (nil), or failed.
        case finished(PublishError?)
        case signal
        case graceOver
    }

    private let publisher: any Publisher
    private let lock = NSLock()
    private var bucket: TokenBucket?
    private var stopping = false
    private var publishing = 0
    private var read = 0
    private var published = 0

    init(publisher: any Publisher, rateLimit: Double?) {
        self.publisher = publisher
        bucket = rateLimit.map { TokenBucket(rate: $0) }
    }

    /// Lines read so far, and lines acknowledged.
    var counts: (read: Int, published: Int) { lock.withLock { (read, published) } }
    /// Lines handed to the publisher and not yet acknowledged.
    var inFlight: Int { lock.withLock { publishing } }

    /// Asks the reader to stop; true when lines are in flight (worth waiting for).
    func stop() -> Bool {
        lock.withLock {
            stopping = true
            return publishing > 0
        }
    }

    private var stopped: Bool { lock.withLock { stopping } }

    /// Reads `fd` to its end (or until `stop()`), publishing every line. Blocks; call it on a
    /// thread of its own, never on the cooperative pool.
    func readAndPublish(from fd: CInt) -> PublishError? {
        var input = InputLines(fd: fd)
        let clock = ContinuousClock()
        let start = clock.now
        while !stopped, let batch = input.nextBatch() {
            lock.withLock { read += batch.count }
            var rest = batch[...]
            while !rest.isEmpty {
                if stopped { return nil }
                var count = rest.count
                if var paced = bucket {
                    let (granted, wait) = paced.take(count, now: (clock.now - start).seconds)
                    bucket = paced
                    if granted == 0 {
                        usleep(UInt32(min(max(wait, 0.000_1), 1) * 1_000_000))
                        continue
                    }
                    count = granted
                }
                if let error = publishWaiting(Array(rest.prefix(count))) { return error }
                rest = rest.dropFirst(count)
            }
        }
        if input.skippedLines > 0 {
            Diagnostics.warn("\(input.skippedLines) lines longer than 16 MiB were skipped (a client's default --max-message)")
        }
        if input.readError != 0 { return PublishError("reading stdin failed: \(String(cString: strerror(input.readError)))") }
        return nil
    }

    /// Publishes `lines` and waits (blocking this thread) until they are acknowledged.
    private func publishWaiting(_ lines: [[UInt8]]) -> PublishError? {
        lock.withLock { publishing = lines.count }
        let done = DispatchSemaphore(value: 0)
        let outcome = OutcomeBox()
        let publisher = self.publisher
        Task {
            do {
                try await publisher.publish(lines)
            } catch let error as PublishError {
                outcome.error = error
            } catch {
                outcome.error = PublishError("\(error)")
            }
            done.signal()
        }
        done.wait()
        lock.withLock {
            publishing = 0
            if outcome.error == nil { published += lines.count }
        }
        return outcome.error
    }
}

/// A publish's failure, handed from its task to the waiting reader thread (the semaphore orders
/// the write before the read).
private final class OutcomeBox: @unchecked Sendable {
    var error: PublishError?
}
