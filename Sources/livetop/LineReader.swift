#if canImport(Glibc)
import Glibc
#endif

/// Lines from a file descriptor (stdin for `serve`, a recording for `replay`), read in large
/// blocks. `fill()` reads once; `nextLine` hands out the complete lines already read, so a caller
/// can handle everything one read brought before reading again (one publish per burst).
struct LineReader {
    /// A longer line is cut here and the rest read as the next line (`cutLines` counts them).
    let maxLine: Int
    private let fd: CInt
    private let blockSize: Int
    private var buffer: [UInt8] = []
    private var position = 0
    private(set) var atEnd = false
    private(set) var cutLines = 0
    /// The read failed (not the end): its errno.
    private(set) var readError: CInt = 0

    init(fd: CInt, blockSize: Int = 1 << 20, maxLine: Int = 16 << 20) {
        self.fd = fd
        self.blockSize = blockSize
        self.maxLine = max(1, maxLine)
    }

    /// Reads once (blocking); false at the end of the input.
    mutating func fill() -> Bool {
        guard !atEnd else { return false }
        if position > 0 {
            buffer.removeSubrange(0..<position)
            position = 0
        }
        let old = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: blockSize))
        var n: Int
        repeat {
            n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + old, blockSize) }
        } while n < 0 && errno == EINTR
        if n < 0 { readError = errno }
        buffer.removeSubrange((old + max(0, n))...)
        if n <= 0 { atEnd = true }
        return n > 0
    }

    /// The next complete line (without `\n` or `\r\n`) already read, or the unterminated last
    /// line once the input has ended; nil when `fill()` must read more first.
    mutating func nextLine<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R? {
        let available = buffer.count - position
        guard available > 0 else { return nil }
        let newline = buffer.withUnsafeBufferPointer { all -> Int? in
            let base = all.baseAddress! + position
            return memchr(base, 0x0A, available).map { UnsafeRawPointer($0) - UnsafeRawPointer(base) }
        }
        var length: Int
        var consumed: Int
        if let newline, newline <= maxLine {
            length = newline
            consumed = newline + 1
        } else if available > maxLine {
            cutLines += 1
            length = maxLine
            consumed = maxLine
        } else if atEnd {
            length = available
            consumed = available
        } else {
            return nil
        }
        let start = position
        position += consumed
        return buffer.withUnsafeBufferPointer { all in
            if length > 0 && all[start + length - 1] == 0x0D { length -= 1 }
            return body(UnsafeBufferPointer(rebasing: all[start..<(start + length)]))
        }
    }
}
