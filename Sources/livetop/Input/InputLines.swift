#if canImport(Glibc)
import Glibc
#endif

/// Stdin as `serve` and `publish` read it: one batch of lines per read, so a burst of input is
/// handed on in one step; empty lines skipped; bytes that are not UTF-8 become U+FFFD (a WebSocket
/// text message, which subscribers get the lines as, must be UTF-8); lines longer than 16 MiB (a
/// client's default --max-message) skipped whole.
struct InputLines {
    private var reader: LineReader

    init(fd: CInt) { reader = LineReader(fd: fd, blockSize: 1 << 16) }

    /// Lines skipped for being longer than 16 MiB.
    var skippedLines: Int { reader.skippedLines }
    /// The read failed (not the end): its errno, else 0.
    var readError: CInt { reader.readError }

    /// The lines of the next read that brought any (blocking); nil at the end of the input.
    mutating func nextBatch() -> [[UInt8]]? {
        while true {
            var batch: [[UInt8]] = []
            while let line = reader.nextLine({ line -> [UInt8]? in
                guard !line.isEmpty else { return nil }
                if String(validating: line, as: UTF8.self) != nil { return Array(line) }
                return Array(String(decoding: line, as: UTF8.self).utf8)
            }) {
                if let line { batch.append(line) }
            }
            if !batch.isEmpty { return batch }
            if reader.atEnd { return nil }
            _ = reader.fill()
        }
    }
}
