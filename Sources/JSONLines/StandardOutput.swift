#if canImport(Glibc)
import Glibc
#endif

/// Buffered writes to stdout: output is collected and written in large blocks, and flushed
/// whenever the input drains, so a pipe is fast and a slow feed is never delayed.
public struct StandardOutput: Sendable {
    public var buffer: [UInt8] = []
    /// The reader went away (EPIPE): stop producing.
    public private(set) var isClosed = false
    private let fd: CInt
    private let blockSize = 1 << 16

    public init(fd: CInt = 1) {
        self.fd = fd
        buffer.reserveCapacity(blockSize * 2)
    }

    /// Writes once the buffer holds a block.
    public mutating func flushIfFull() {
        if buffer.count >= blockSize { flush() }
    }

    public mutating func flush() {
        guard !buffer.isEmpty, !isClosed else {
            buffer.removeAll(keepingCapacity: true)
            return
        }
        buffer.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    isClosed = true  // EPIPE and the like: nobody is reading
                    return
                }
                offset += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
