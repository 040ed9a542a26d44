import ArgumentParser
@preconcurrency import Dispatch
import Foundation
import LiveModel
import Logging
import PushLink

#if canImport(Glibc)
import Glibc
#endif

/// `livetop [options] URL`: connects to a feed and shows it.
struct Watch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Connect to a live feed and show it (the default command).",
        discussion: """
            Headless output (no terminal on stdout, or --headless) is one JSON object per line: \
            state changes ("type":"state") and messages ("type":"message" with "data", "text" or "base64"). \
            Exit status: 0 after a normal end, 1 on a failure, 64 on a usage error.
            """
    )

    @Argument(help: "The feed: a ws://, wss://, http:// or https:// URL.")
    var url: String

    @OptionGroup(title: "Connection")
    var connection: ConnectionOptions

    @Flag(help: "Print JSON lines instead of the dashboard (the default when stdout is not a terminal).")
    var headless = false

    @Option(help: ArgumentHelp("With --headless: 'all' (state and message lines) or 'messages' (only each message's data).",
                               valueName: "what"))
    var emit: String = "all"

    @Option(help: ArgumentHelp("End after this many messages (exit 0).", valueName: "n"))
    var maxMessages: Int64?

    @Option(help: ArgumentHelp("Dashboard frames per second at most.", valueName: "n"))
    var fps: Int = 20

    @Flag(help: "Draw the dashboard with ASCII only (also automatic without a UTF-8 locale).")
    var ascii = false

    @Option(help: ArgumentHelp("Write the link's log (connects, errors, fallbacks) to this file.", valueName: "file"))
    var logFile: String?

    @Option(help: ArgumentHelp("How each message changes the document: merge, replace, append or upsert:/POINTER.",
                               valueName: "rule"))
    var fold: String = "merge"

    @Option(help: ArgumentHelp("Fold only the part of each message at this JSON pointer, e.g. /data.", valueName: "pointer"))
    var select: String?

    mutating func validate() throws {
        do {
            _ = try FeedURL(url)
        } catch {
            throw ValidationError(error.description)
        }
        guard FoldRule(fold) != nil else {
            throw ValidationError("--fold must be merge, replace, append or upsert:/POINTER, not '\(fold)'")
        }
        if let select, JSONPointer(select) == nil {
            throw ValidationError("--select must be a JSON pointer such as /data, not '\(select)'")
        }
        guard HeadlessWriter.Emit(rawValue: emit) != nil else { throw ValidationError("--emit must be 'all' or 'messages'") }
        if let maxMessages, maxMessages < 1 { throw ValidationError("--max-messages must be at least 1") }
        guard (1...240).contains(fps) else { throw ValidationError("--fps must be between 1 and 240") }
    }

    func run() async throws {
        let feed = try FeedURL(url)
        if (feed.scheme == .http || feed.scheme == .https) && connection.transport == "websocket" {
            throw ValidationError("--transport websocket needs a ws:// or wss:// URL")
        }
        let linkConfiguration = try connection.linkConfiguration(url: feed)
        if connection.insecure {
            Diagnostics.warn("--insecure: TLS certificates are NOT verified; anyone on the path can read and change this feed")
        }
        var logger = Logger(label: "livetop.link", factory: { _ in SwiftLogNoOpLogHandler() })
        if let logFile {
            do {
                let handler = try FileLogHandler(label: "livetop.link", path: logFile)
                logger = Logger(label: "livetop.link", factory: { _ in handler })
            } catch {
                throw ValidationError("--log-file \(logFile): cannot write to it")
            }
        }
        let link = Link(linkConfiguration, logger: logger)
        let writer = HeadlessWriter(emit: HeadlessWriter.Emit(rawValue: emit) ?? .all)
        let maxMessages = self.maxMessages
        if !headless && isatty(1) == 1 && isatty(0) == 1 {
            var store = LiveStore.Configuration(fold: FoldRule(fold) ?? .merge, select: select.flatMap(JSONPointer.init))
            store.logLength = 1000
            let dashboard = Dashboard(link: link, configuration: store, fps: fps, ascii: ascii)
            let signals = SignalWatcher(signals: [SIGINT, SIGTERM, SIGHUP]) {
                dashboard.requestQuit()
                link.stop()
            }
            defer { signals.cancel() }
            let shown = await Task.detached {
                async let linkSucceeded = link.run()
                let opened = await dashboard.run()
                if !opened {
                    Diagnostics.note("cannot draw on terminal '\(ProcessInfo.processInfo.environment["TERM"] ?? "")'; printing JSON lines")
                    let completed = await Watch.printHeadless(link: link, writer: writer, maxMessages: maxMessages)
                    let succeeded = await linkSucceeded
                    return completed || succeeded
                }
                _ = await linkSucceeded
                return true
            }.value
            if !shown { throw ExitCode.failure }
            return
        }
        let signals = SignalWatcher(signals: [SIGINT, SIGTERM, SIGHUP]) { link.stop() }
        defer { signals.cancel() }
        // The consumer runs off the main actor: a task inheriting it is several times slower.
        let outcome = await Task.detached {
            async let linkSucceeded = link.run()
            let completed = await Watch.printHeadless(link: link, writer: writer, maxMessages: maxMessages)
            let succeeded = await linkSucceeded
            return completed || succeeded
        }.value
        if !outcome { throw ExitCode.failure }
    }

    /// Prints every event as JSON lines until the link ends. Returns true when `--max-messages`
    /// was reached or the reader went away (both normal ends).
    static func printHeadless(link: Link, writer: HeadlessWriter, maxMessages: Int64?) async -> Bool {
        var writer = writer
        var out = StandardOutput()
        var reachedLimit = false
        let limit = maxMessages ?? .max
        for await event in link.events {
                switch event {
                case .messages(let batch):
                    guard !reachedLimit else { continue }
                    writer.write(batch, limit: limit, into: &out)
                    if writer.seq >= limit {
                        reachedLimit = true
                        link.stop()
                    }
                case .state(let state, let at):
                    writer.write(state, at: at, into: &out)
                }
                out.flush()  // the input has drained: one write per read burst
                if out.isClosed {
                    link.stop()
                    return true
                }
        }
        out.flush()
        return reachedLimit
    }
}

/// One-line messages on stderr, never stdout.
enum Diagnostics {
    static func warn(_ text: String) { FileHandle.standardError.write(Data("livetop: warning: \(text)\n".utf8)) }
    static func note(_ text: String) { FileHandle.standardError.write(Data("livetop: \(text)\n".utf8)) }
}

/// Calls `handler` on SIGINT, SIGTERM or SIGHUP instead of dying, so the link can close cleanly
/// and the output is flushed. A second signal ends the process at once.
final class SignalWatcher: @unchecked Sendable {
    private let sources: [DispatchSourceSignal]

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
