import Foundation

/// Runs every source of a viewer while it shows them: the dashboard when there is one, falling
/// back to the JSON-lines printer when the terminal cannot be drawn on, or the printer alone.
/// Sources and viewer run off the main actor: a task inheriting it is several times slower.
enum FeedRun {
    /// True when the run succeeded: the dashboard was shown (it ends when the user quits or the
    /// sources end), or the printer ended normally (`--max-messages`, its reader went away) or
    /// every source did.
    static func run<Source: FeedSource>(_ feeds: [Feed<Source>], dashboard: Dashboard<Source>?,
                                        printer: HeadlessPrinter<Source>) async -> Bool {
        await Task.detached {
            async let sourcesSucceeded = runAll(feeds)
            if let dashboard {
                if await dashboard.run() {
                    _ = await sourcesSucceeded
                    return true
                }
                Diagnostics.note("cannot draw on terminal '\(ProcessInfo.processInfo.environment["TERM"] ?? "")'; printing JSON lines")
            }
            let completed = await printer.run()
            let succeeded = await sourcesSucceeded
            return completed || succeeded
        }.value
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
}
