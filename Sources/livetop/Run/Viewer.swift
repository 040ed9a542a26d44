import ArgumentParser

/// Shows feed sources: the same for URLs, the demo and a replay, with a layout or without. It
/// joins the parts that each do one job: `OutputMode` picks the dashboard or JSON lines,
/// `SignalWatcher` turns SIGINT, SIGTERM and SIGHUP into a clean stop, `FeedRun` runs the sources
/// with the viewer (and falls back to JSON lines), `RunOutcome` gives the exit status.
enum Viewer {
    static func show<Source: FeedSource>(_ feeds: [Feed<Source>], layout: Layout?, layoutPath: String?, output: OutputOptions,
                                         exitOnAlert: Bool) async throws {
        defer { feeds.forEach { $0.recording?.close() } }
        let mode = OutputMode.choose(headless: output.headless, readsStdin: feeds.contains { $0.source.readsStdin }, terminal: .current())
        let printer = HeadlessPrinter(feeds: feeds, layout: layout, emit: output.emit, exitOnAlert: exitOnAlert,
                                      keepsStore: output.maxKeys != nil)
        var dashboard: Dashboard<Source>?
        if case .dashboard(let keysFromTTY) = mode {
            var reload: (@Sendable () -> Result<(layout: Layout, warnings: [String]), LayoutError>)?
            if let layoutPath {
                let running = (layout?.sources ?? [], layout?.history)
                reload = { LayoutReload.load(path: layoutPath, sources: running) }
            }
            dashboard = Dashboard(feeds: feeds, layout: layout, reloadLayout: reload, fps: output.fps, ascii: output.ascii,
                                  exitOnAlert: exitOnAlert, keysFromTTY: keysFromTTY, mouse: !output.noMouse)
        }
        let signals = SignalWatcher(signals: SignalWatcher.stopSignals) { [dashboard] in
            dashboard?.requestQuit()
            feeds.forEach { $0.source.stop() }
        }
        defer { signals.cancel() }
        let succeeded = await FeedRun.run(feeds, dashboard: dashboard, printer: printer)
        let outcome = RunOutcome(succeeded: succeeded, alerted: (dashboard?.endedOnAlert ?? false) || printer.alerted,
                                 recordingFailure: feeds.lazy.compactMap { $0.recording?.failure }.first)
        // The terminal is restored: what could not be said while the screen was up is said now
        // (JSON lines said it on stderr when it happened).
        if dashboard != nil, let failure = outcome.recordingFailure { Diagnostics.error(failure) }
        if outcome.exitStatus != 0 { throw ExitCode(outcome.exitStatus) }
    }
}
