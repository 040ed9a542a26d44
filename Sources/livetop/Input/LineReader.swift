#if canImport(Glibc)
import Glibc
#endif

/// Lines from a file descriptor (stdin for `serve`, a recording for `replay`), read in large
/// blocks. `fill()` reads once; `nextLine` hands out the complete lines already read, so a caller
/// can handle everything one read brought before reading again (one publish per burst).
///
/// A line longer than `maxLine` is skipped whole (`skippedLines` counts them): a cut line would be
/// a different, broken message. Memory stays within about `maxLine` plus one block.
struct LineReader {
    let maxLine: Int
    private let fd: CInt
    private let blockSize: Int
    private var buffer: [UInt8] = []
    private var position = 0
    /// In the middle of a line too long to keep: drop bytes up to its newline.
    private var discarding = false
    private(set) var atEnd = false
    private(set) var skippedLines = 0
    /// Lines read so far, skipped ones included (for messages that name a line).
    private(set) var lineNumber = 0
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
    /// line once the input has ended; nil when `fill()` must read more first (or at the end).
    mutating func nextLine<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R? {
        while true {
            let available = buffer.count - position
            guard available > 0 else { return nil }
            let newline = buffer.withUnsafeBufferPointer { all -> Int? in
                let base = all.baseAddress! + position
                return memchr(base, 0x0A, available).map { UnsafeRawPointer($0) - UnsafeRawPointer(base) }
            }
            if discarding {
                guard let newline else {
                    position = buffer.count
                    return nil
                }
                position += newline + 1
                discarding = false
                continue
            }
            if let newline, newline > maxLine {
                lineNumber += 1
                skippedLines += 1
                position += newline + 1
                continue
            }
            if newline == nil && available > maxLine {
                lineNumber += 1
                skippedLines += 1
                discarding = true
                position = buffer.count
                return nil
            }
            guard newline != nil || atEnd else { return nil }
            var length = newline ?? available
            let start = position
            position += newline.map { $0 + 1 } ?? available
            lineNumber += 1
            return buffer.withUnsafeBufferPointer { all in
                if length > 0 && all[start + length - 1] == 0x0D { length -= 1 }
                return body(UnsafeBufferPointer(rebasing: all[start..<(start + length)]))
            }
        }
    }
}
