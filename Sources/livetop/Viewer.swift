import ArgumentParser
import Foundation
import LiveModel
import PushLink

#if canImport(Glibc)
import Glibc
#endif

/// Shows feed sources: the dashboard when stdin and stdout are a terminal, JSON lines otherwise
/// (or with `--headless`, or when the terminal cannot be drawn on). The same for URLs, the demo
/// and a replay, with a layout or without.
enum Viewer {
    static func show<Source: FeedSource>(_ feeds: [Feed<Source>], layout: Layout?, layoutPath: String?, output: OutputOptions,
                                         exitOnAlert: Bool) async throws {
        defer { feeds.forEach { $0.recording?.close() } }
        let printer = HeadlessPrinter(feeds: feeds, layout: layout, emit: output.emit, exitOnAlert: exitOnAlert,
                                      keepsStore: output.maxKeys != nil)
        let stopAll: @Sendable () -> Void = { feeds.forEach { $0.source.stop() } }
        // With stdin as a source's data, keys come from the terminal itself, as less and fzf read them.
        let readsStdin = feeds.contains { $0.source.readsStdin }
        let keyboard = readsStdin ? access("/dev/tty", R_OK) == 0 && isatty(2) == 1 : isatty(0) == 1
        if !output.headless && isatty(1) == 1 && keyboard {
            var reload: (@Sendable () -> Result<(layout: Layout, warnings: [String]), LayoutError>)?
            if let layoutPath {
                let running = (layout?.sources ?? [], layout?.history)
                reload = { Viewer.reload(path: layoutPath, sources: running) }
            }
            let dashboard = Dashboard(feeds: feeds, layout: layout, reloadLayout: reload, fps: output.fps, ascii: output.ascii,
                                      exitOnAlert: exitOnAlert, keysFromTTY: readsStdin)
            let signals = SignalWatcher(signals: [SIGINT, SIGTERM, SIGHUP]) {
                dashboard.requestQuit()
                stopAll()
            }
            defer { signals.cancel() }
            let shown = await Task.detached {
                async let sourcesSucceeded = runAll(feeds)
                let opened = await dashboard.run()
                if !opened {
                    Diagnostics.note("cannot draw on terminal '\(ProcessInfo.processInfo.environment["TERM"] ?? "")'; printing JSON lines")
                    let completed = await printer.run()
                    let succeeded = await sourcesSucceeded
                    return completed || succeeded
                }
                _ = await sourcesSucceeded
                return true
            }.value
            // The terminal is restored: what could not be said while the screen was up is said now.
            if let failure = feeds.lazy.compactMap({ $0.recording?.failure }).first {
                Diagnostics.error(failure)
                throw ExitCode(74)  // EX_IOERR
            }
            if dashboard.endedOnAlert || printer.alerted { throw ExitCode(3) }
            if !shown { throw ExitCode.failure }
            return
        }
        let signals = SignalWatcher(signals: [SIGINT, SIGTERM, SIGHUP]) { stopAll() }
        defer { signals.cancel() }
        // The consumers run off the main actor: a task inheriting it is several times slower.
        let outcome = await Task.detached {
            async let sourcesSucceeded = runAll(feeds)
            let completed = await printer.run()
            let succeeded = await sourcesSucceeded
            return completed || succeeded
        }.value
        if feeds.contains(where: { $0.recording?.failure != nil }) { throw ExitCode(74) }  // said on stderr when it happened
        if printer.alerted { throw ExitCode(3) }
        if !outcome { throw ExitCode.failure }
    }

    /// Drives every source until it ends; true when all ended normally.
    private static func runAll<Source: FeedSource>(_ feeds: [Feed<Source>]) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            for feed in feeds { group.addTask { await feed.source.run() } }
            var all = true
            for await succeeded in group { all = all && succeeded }
            return all
        }
    }

    /// `L`: the layout file read again. Its sources must be the running ones (their links are
    /// running); panels, thresholds and alerts may change.
    static func reload(path: String, sources: (specs: [SourceSpec], history: Int?)) -> Result<(layout: Layout, warnings: [String]), LayoutError> {
        do {
            let (layout, warnings) = try LayoutFile.load(path: path)
            // Links and stores are running with the sources' options: any change needs a restart.
            func unplaced(_ specs: [SourceSpec]) -> [SourceSpec] {
                specs.map { var spec = $0; spec.location = SourceLocation(line: 0, column: 0); return spec }
            }
            guard unplaced(layout.sources) == unplaced(sources.specs), layout.history == sources.history else {
                return .failure(LayoutError(file: path, location: nil,
                                            message: "its sources or history changed; restart livetop to apply them"))
            }
            return .success((layout, warnings))
        } catch {
            return .failure(error)
        }
    }
}
