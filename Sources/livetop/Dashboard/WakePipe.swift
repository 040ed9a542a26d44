#if canImport(Glibc)
import Glibc
#endif

/// A pipe that wakes the UI thread from `poll()`: the link consumer writes to it once per burst
/// of events, the SIGWINCH handler once per resize. Both ends are non-blocking; a full pipe
/// already means "wake up", so a failed write is fine.
final class WakePipe: Sendable {
    let readEnd: Int32
    let writeEnd: Int32

    init?() {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return nil }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        readEnd = fds[0]
        writeEnd = fds[1]
    }

    func wake() {
        var byte: UInt8 = 1
        _ = write(writeEnd, &byte, 1)
    }

    /// Empties the pipe so the next `poll()` sleeps again.
    func drain() {
        var scratch = [UInt8](repeating: 0, count: 64)
        while read(readEnd, &scratch, scratch.count) > 0 {}
    }

    deinit {
        close(readEnd)
        close(writeEnd)
    }
}
