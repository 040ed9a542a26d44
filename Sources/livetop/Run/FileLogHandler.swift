import Foundation
import LiveModel
import Logging

/// Writes log lines to a file (`--log-file`): while the dashboard owns the screen, nothing may go
/// to stdout or stderr.
struct FileLogHandler: LogHandler {
    private final class Sink: @unchecked Sendable {
        let handle: FileHandle
        let lock = NSLock()
        init(_ handle: FileHandle) { self.handle = handle }
        func write(_ line: String) { lock.withLock { handle.write(Data(line.utf8)) } }
    }

    private let sink: Sink
    private let label: String
    var logLevel: Logger.Level = .debug
    var metadata: Logger.Metadata = [:]

    /// Opens (appending, creating it if needed) the file at `path`.
    init(label: String, path: String) throws {
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
            }
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        sink = Sink(handle)
        self.label = label
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { _, new in new }
        let fields = all.sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined()
        let error = event.error.map { " error=\($0)" } ?? ""
        let time = Timestamp(nanoseconds: Int64(Date().timeIntervalSince1970 * 1e9)).rfc3339
        sink.write("\(time) \(event.level) \(label): \(event.message)\(fields)\(error)\n")
    }
}
