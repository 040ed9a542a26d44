import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import LiveModel
import PushLink

/// `--print-layout`: connects, waits for the first messages, and prints the layout file the auto
/// layout would use for them, commented, so a user edits a working file instead of writing one.
enum LayoutPrinter {
    /// After the first message, how long to keep listening for the shape to fill in.
    static let settleSeconds = 1.0
    static let settleMessages: Int64 = 200

    static func print(_ feed: Feed<LiveSource>, timeout: Double) async throws {
        let source = feed.source
        let store = await Task.detached { () -> LiveStore? in
            async let ran = source.run()
            var store = LiveStore(feed.configuration)
            var settling = false
            // Ends the wait when no message comes at all (the link itself keeps retrying).
            let watchdog = Task {
                try? await Task.sleep(for: .milliseconds(Int64(timeout * 1000)))
                if !Task.isCancelled { source.stop() }
            }
            for await event in source.events {
                store.apply(LiveEvent(event))
                if store.stats.messages > 0 && !settling {
                    settling = true
                    watchdog.cancel()
                    Task {
                        try? await Task.sleep(for: .milliseconds(Int64(settleSeconds * 1000)))
                        source.stop()
                    }
                }
                if store.stats.messages >= settleMessages { source.stop() }
            }
            watchdog.cancel()
            _ = await ran
            return settling ? store : nil
        }.value
        guard let store else {
            Diagnostics.error("no message arrived within \(Int(timeout)) s, so there is nothing to lay out")
            throw ExitCode.failure
        }
        var spec = SourceSpec(name: "main")
        switch source {
        case .link(let link): spec.url = .feed(link.configuration.url)
        case .local(let local):
            switch local.configuration.source {
            case .command(let argv): spec.command = argv
            case .stdin: spec.url = .local(.stdin)
            case .file(let path): spec.file = path
            }
            spec.every = local.configuration.every.map(Interval.init)
        }
        let text = try yaml(for: store, source: spec, described: source.address, width: terminalWidth() ?? 80)
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// The auto layout of `store` as a layout file for a screen `width` columns wide, reading from `url`.
    static func yaml(for store: LiveStore, url: String, width: Int = 80) throws -> String {
        var spec = SourceSpec(name: "main")
        spec.url = try SourceAddress(parsing: url)
        return try yaml(for: store, source: spec, described: url, width: width)
    }

    /// The file: a comment saying where it came from and how to go on, then `AutoLayout.file`
    /// written by `LayoutEncoder`. The store's fold, select and time pointer go into the source.
    static func yaml(for store: LiveStore, source: SourceSpec, described: String, width: Int) throws -> String {
        var source = source
        if store.configuration.fold != .merge { source.fold = store.configuration.fold }
        source.select = store.configuration.select
        source.time = store.configuration.timePointer
        let layout = AutoLayout.file(store, width: width, source: source)
        let messages = store.stats.messages
        let header = """
            # livetop layout, written by --print-layout from \(messages) message\(messages == 1 ? "" : "s") of
            # \(described.replacingOccurrences(of: "\n", with: " "))
            # Edit it, then run: livetop --layout THIS-FILE
            # Panel kinds: tile, chart, gauge, table, log, text. Numbers that changed are charts,
            # percentages (pct, percent, util or % in the name, 0-100) gauges, objects of objects
            # tables. Laid out for a screen \(width) columns wide (from \(AutoLayout.wideScreen), tables and the log
            # go two to a row).
            # Thresholds colour values: thresholds: {warn: 80, crit: 95} on a panel or a column
            # ({key: latency_ms, thresholds: {warn: 200}}), or {up: ok, down: crit} for strings;
            # alert: raises them when held ({level: crit, for: 10s}). Every key: docs/layouts.md.


            """
        return header + (try LayoutEncoder.yaml(layout))
    }

    /// The width of the terminal this runs in (stdout is usually a file here, so stderr and stdin
    /// are asked too), else `COLUMNS`; nil when neither says.
    static func terminalWidth() -> Int? {
        for fd in [STDOUT_FILENO, STDERR_FILENO, STDIN_FILENO] {
            var size = winsize()
            if ioctl(fd, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        }
        return ProcessInfo.processInfo.environment["COLUMNS"].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil }
    }

}
