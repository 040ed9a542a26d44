@preconcurrency import Dispatch
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Calls `handler` on SIGINT, SIGTERM or SIGHUP instead of dying, so the link can close cleanly
/// and the output is flushed. A second signal ends the process at once.
final class SignalWatcher: @unchecked Sendable {
    private let sources: [DispatchSourceSignal]

    /// The signals that end a viewer's run cleanly: Ctrl-C, `kill`, a closed terminal.
    static let stopSignals: [CInt] = [SIGINT, SIGTERM, SIGHUP]

    init(signals: [CInt], handler: @escaping @Sendable () -> Void) {
        signal(SIGPIPE, SIG_IGN)  // a closed pipe is an EPIPE write error, handled as the reader going away
        sources = signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            let count = ManagedCounter()
            source.setEventHandler {
                if count.increment() > 1 { exit(130) }
                handler()
            }
            source.resume()
            return source
        }
    }

    func cancel() { sources.forEach { $0.cancel() } }
}

/// A counter shared with a signal handler.
final class ManagedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func increment() -> Int { lock.withLock { value += 1; return value } }
}
