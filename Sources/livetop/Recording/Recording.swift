import Foundation
import LiveModel
import PushLink

#if canImport(Glibc)
import Glibc
import JSONLines
#endif

/// `--record FILE`: every message and state change the client receives, written as the same JSON
/// lines `--headless` prints (each with its time), so `livetop replay` — or jq — can read it.
/// Written by the one task that consumes the link's events, one write per burst.
final class Recording: @unchecked Sendable {
    private var writer = HeadlessWriter(emit: .all)
    private var out: StandardOutput
    private let fd: CInt
    private let path: String
    /// Why the recording stopped (a write failed), once it has: said where it can be seen (the
    /// status line while the dashboard owns the terminal, stderr otherwise; `SourcePipeline`
    /// says it once) and ends the run with exit status 74 (EX_IOERR).
    private(set) var failure: String?

    init?(path: String) {
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return nil }
        self.path = path
        out = StandardOutput(fd: fd)
    }

    func record(_ event: LinkEvent) {
        switch event {
        case .messages(let batch): writer.write(batch, into: &out)
        case .state(let state, let at): writer.write(state, at: at, into: &out)
        }
        flush()
    }

    /// Message lines a `HeadlessWriter(emit: .all)` with no source already wrote for the printer:
    /// the same bytes, so each message is checked and written once, not once more for the file.
    /// A run records either all its batches this way or none (the seq count is the printer's).
    func record(lines: ArraySlice<UInt8>) {
        out.buffer.append(contentsOf: lines)
        flush()
    }

    private func flush() {
        out.flush()
        if out.isClosed && failure == nil {
            failure = "--record \(path): a write failed (\(String(cString: strerror(errno)))); the recording stopped there"
        }
    }

    func close() {
        out.flush()
        Glibc.close(fd)
    }
}
