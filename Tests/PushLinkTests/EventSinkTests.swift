import Foundation
import LiveModel
import Testing
import TestSupport
@testable import PushLink

/// The sink's backpressure as a connection uses it: yield until told to stop, then wait for
/// `whenResumed` before yielding again (what `ReadGateHandler` does with reads). However the
/// consumer's demand and the producer's pause interleave, a paused producer is always resumed:
/// a demand that came between NIO's "stop" and the pause used to be lost, and the producer then
/// waited for good (a live run that never ended, under ThreadSanitizer).
@Suite struct EventSinkTests {
    /// 30,000 batches of one message pause the producer about 2,500 times (at 16 queued, resumed
    /// below 4). Not more: the consumer cannot leave the cooperative pool (each of its `next()`
    /// is a job, and `.offPool` starts a thread per job), and 200,000 held one of the pool's two
    /// threads for over a minute when the cores were busy, so that other tests' waits expired.
    @Test func aPausedProducerIsAlwaysResumed() async throws {
        let total = 30_000
        let (sink, events) = EventSink.makeEvents()
        let producer = Thread {
            let resumed = DispatchSemaphore(value: 0)
            for n in 0..<total {
                var batch = MessageBatch(transport: .websocket)
                batch.append(text: Array(String(n).utf8))
                if !sink.yield([.messages(batch)]) {
                    sink.whenResumed { resumed.signal() }
                    resumed.wait()
                }
            }
            sink.finish()
        }
        producer.start()
        let received = try await withDeadline(120, "every batch, the producer never left paused") {
            var count = 0
            for await event in events {
                if case .messages(let batch) = event { count += batch.count }
            }
            return count
        }
        #expect(received == total)
    }
}
