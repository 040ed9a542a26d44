import LiveModel
import TextFormats

/// The lines of a byte stream (a command's stdout, stdin, a followed file) as messages. Pure:
/// bytes in, a batch out.
///
/// A line ends at `\n` (a `\r` before it is dropped); each becomes one message through the
/// source's `TextParser` (JSON as it is, other text as fields where `--parse` says how), so one
/// read burst of lines is one batch. A line longer than `limit` (`--max-message`) is left out
/// whole and counted, so memory stays bounded by the limit whatever arrives (a binary flood with
/// no newline included).
struct LineMessages {
    let limit: Int
    var parser: TextParser
    private var partial: [UInt8] = []
    /// Inside a line already longer than the limit: everything up to its newline is dropped.
    private var overlong = false
    /// What had to be left out since the last `takeNotes()`, as counts.
    private var longLines = 0
    private var malformed = 0
    private var firstProblem: String?
    /// `auto` says once what it took the first message for, when that was not JSON.
    private var announcedPick = false

    init(limit: Int, format: TextFormat) {
        self.limit = limit
        parser = TextParser(format: format)
    }

    /// Cuts the complete lines of `bytes` into `batch`; an unfinished line waits for the next call.
    mutating func feed(_ bytes: UnsafeRawBufferPointer, into batch: inout MessageBatch) {
        var start = 0
        let count = bytes.count
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        while start < count {
            guard let found = memchr(base + start, 0x0A, count - start) else {
                keepPartial(UnsafeBufferPointer(start: base + start, count: count - start))
                return
            }
            let end = UnsafeRawPointer(found).assumingMemoryBound(to: UInt8.self) - base
            let piece = UnsafeBufferPointer(start: base + start, count: end - start)
            if overlong {
                overlong = false
            } else if partial.isEmpty {
                deliver(piece, into: &batch)
            } else if partial.count + piece.count > limit {
                partial.removeAll(keepingCapacity: false)
                longLines += 1
            } else {
                partial.append(contentsOf: piece)
                let line = partial
                partial.removeAll(keepingCapacity: true)
                line.withUnsafeBufferPointer { deliver($0, into: &batch) }
            }
            start = end + 1
        }
    }

    /// The input ended: a last line without a newline is still a line.
    mutating func finish(into batch: inout MessageBatch) {
        guard !partial.isEmpty, !overlong else { return }
        let line = partial
        partial = []
        line.withUnsafeBufferPointer { deliver($0, into: &batch) }
    }

    /// One whole document as one message (a sampled command's run: `--every`).
    mutating func document(_ bytes: [UInt8], into batch: inout MessageBatch) {
        let parsed = parser.document(bytes, contentType: nil)
        count(parsed)
        bytes.withUnsafeBufferPointer { deliver(parsed, original: $0, into: &batch) }
    }

    /// A line for the source's status, if anything was left out since the last call.
    mutating func takeNotes() -> String? {
        var parts: [String] = []
        if parser.format == .auto, !announcedPick, let picked = parser.picked {
            announcedPick = true
            switch picked {
            case .json: break
            case .text: parts.append("--parse auto: these lines are plain text (--parse columns reads tables such as vmstat's)")
            default: parts.append("--parse auto: reading the lines as \(picked.rawValue)")
            }
        }
        if longLines > 0 {
            parts.append("\(longLines) line\(longLines == 1 ? "" : "s") longer than \(limit) bytes left out (--max-message)")
        }
        if malformed > 0 {
            parts.append("\(malformed) malformed line\(malformed == 1 ? "" : "s") skipped" + (firstProblem.map { " (first: \($0))" } ?? ""))
        }
        longLines = 0
        malformed = 0
        firstProblem = nil
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }

    private mutating func keepPartial(_ piece: UnsafeBufferPointer<UInt8>) {
        guard !overlong else { return }
        if partial.count + piece.count > limit {
            partial.removeAll(keepingCapacity: false)
            overlong = true
            longLines += 1
            return
        }
        partial.append(contentsOf: piece)
    }

    private mutating func deliver(_ raw: UnsafeBufferPointer<UInt8>, into batch: inout MessageBatch) {
        var line = raw
        if line.last == 0x0D { line = UnsafeBufferPointer(rebasing: line.dropLast()) }
        if line.count > limit {
            longLines += 1
            return
        }
        // Blank lines carry nothing, except to `columns`, where one ends a table (iostat's reports).
        if line.isEmpty && parser.format != .columns { return }
        let parsed = parser.line(line)
        count(parsed)
        deliver(parsed, original: line, into: &batch)
    }

    private mutating func count(_ parsed: ParsedMessage) {
        guard parsed.skippedLines > 0 else { return }
        malformed += parsed.skippedLines
        if firstProblem == nil { firstProblem = parsed.problem }
    }

    private func deliver(_ parsed: ParsedMessage, original: UnsafeBufferPointer<UInt8>, into batch: inout MessageBatch) {
        switch parsed.kind {
        case .json(let json):
            batch.append(json, isBinary: false)
        case .text:
            // Bytes that are not UTF-8 travel as binary (base64 in JSON lines), never mangled.
            batch.append(original, isBinary: String(validating: original, as: UTF8.self) == nil)
        case .skip:
            break
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
