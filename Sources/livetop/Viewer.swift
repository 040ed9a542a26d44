import ArgumentParser
import Foundation
import PushLink

#if canImport(Glibc)
import Glibc
#endif

/// Shows a feed source: the dashboard when stdin and stdout are a terminal, JSON lines otherwise
/// (or with `--headless`, or when the terminal cannot be drawn on). The same for a URL, the demo
/// and a replay.
enum Viewer {
    static func show<Source: FeedSource>(_ source: Source, output: OutputOptions, recording: Recording?) async throws {
        defer { recording?.close() }
        let writer = HeadlessWriter(emit: HeadlessWriter.Emit(rawValue: output.emit) ?? .all)
        let maxMessages = output.maxMessages
        if !output.headless && isatty(1) == 1 && isatty(0) == 1 {
            let dashboard = Dashboard(source: source, configuration: output.storeConfiguration, fps: output.fps,
                                      ascii: output.ascii, maxMessages: maxMessages, recording: recording)
            let signals = SignalWatcher(signals: [SIGINT, SIGTERM, SIGHUP]) {
                dashboard.requestQuit()
                source.stop()
            }
            defer { signals.cancel() }
            let shown = await Task.detached {
                async let sourceSucceeded = source.run()
                let opened = await dashboard.run()
                if !opened {
                    Diagnostics.note("cannot draw on terminal '\(ProcessInfo.processInfo.environment["TERM"] ?? "")'; printing JSON lines")
                    let completed = await printHeadless(source, writer: writer, maxMessages: maxMessages, recording: recording)
                    let succeeded = await sourceSucceeded
                    return completed || succeeded
                }
                _ = await sourceSucceeded
                return true
            }.value
            if !shown { throw ExitCode.failure }
            return
        }
        let signals = SignalWatcher(signals: [SIGINT, SIGTERM, SIGHUP]) { source.stop() }
        defer { signals.cancel() }
        // The consumer runs off the main actor: a task inheriting it is several times slower.
        let outcome = await Task.detached {
            async let sourceSucceeded = source.run()
            let completed = await printHeadless(source, writer: writer, maxMessages: maxMessages, recording: recording)
            let succeeded = await sourceSucceeded
            return completed || succeeded
        }.value
        if !outcome { throw ExitCode.failure }
    }

    /// Prints every event as JSON lines until the source ends. Returns true when `--max-messages`
    /// was reached or the reader went away (both normal ends).
    static func printHeadless<Source: FeedSource>(_ source: Source, writer: HeadlessWriter, maxMessages: Int64?,
                                                  recording: Recording?) async -> Bool {
        var writer = writer
        var out = StandardOutput()
        var limit = MessageLimit(maxMessages)
        for await event in source.events {
            switch event {
            case .messages(let received):
                // Exactly --max-messages are printed and recorded.
                guard let batch = limit.admit(received) else { continue }
                recording?.record(.messages(batch))
                writer.write(batch, into: &out)
                if limit.isReached { source.stop() }
            case .state(let state, let at):
                recording?.record(event)
                writer.write(state, at: at, into: &out)
            }
            out.flush()  // the input has drained: one write per read burst
            if out.isClosed {
                source.stop()
                return true
            }
        }
        out.flush()
        return limit.isReached
    }
}
