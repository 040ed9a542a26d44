import ArgumentParser
import Foundation
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
                store.apply(LinkBridge.liveEvent(event))
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
        var place: (key: String, value: String)
        switch source {
        case .link(let link): place = ("url", quoted(link.configuration.url.description))
        case .local(let local):
            switch local.configuration.source {
            case .command(let argv): place = ("command", "[" + argv.map(quoted).joined(separator: ", ") + "]")
            case .stdin: place = ("url", quoted("-"))
            case .file(let path): place = ("file", quoted(path))
            }
            if let every = local.configuration.every { place = (place.key, place.value + "\n    every: \(Interval(every))") }
        }
        FileHandle.standardOutput.write(Data(yaml(for: store, source: source.address, place: place).utf8))
    }

    /// The auto layout of `store` as a layout file.
    static func yaml(for store: LiveStore, url: String) -> String {
        yaml(for: store, source: url, place: ("url", quoted(url)))
    }

    /// `place`: the source's key and its YAML value (`url: "ws://…"`, `command: [vmstat, …]`).
    static func yaml(for store: LiveStore, source: String, place: (key: String, value: String)) -> String {
        var out = """
            # livetop layout, written by --print-layout from \(store.stats.messages) message\(store.stats.messages == 1 ? "" : "s") of
            # \(source)
            # Edit it, then run: livetop --layout THIS-FILE
            # Panel kinds: tile, chart, gauge, table, log, text. Thresholds colour values
            # ({warn: 80, crit: 95}, or {up: ok, down: crit} for strings); alert: raises
            # them when held ({level: crit, for: 10s}). Every key: docs/layouts.md.

            sources:
              - name: main
                \(place.key): \(place.value)

            """
        if store.configuration.fold != .merge { out += "    fold: \(quoted(store.configuration.fold.description))\n" }
        if let select = store.configuration.select { out += "    select: \(quoted(select.description))\n" }
        if let time = store.configuration.timePointer { out += "    time: \(quoted(time.description))\n" }
        out += "\nrows:\n"
        let panels = Screen.panels(store, view: ViewState())
        let tiles = panels.compactMap { panel -> String? in
            guard case .tile(let title, _, let history) = panel else { return nil }
            // The auto layout names a document that is one plain value "value".
            let pointer = store.value.objectValue == nil ? "" : JSONPointer(tokens: [title]).description
            // A number with a history reads best over time; other values as tiles.
            let kind = history == nil ? "tile" : "chart"
            return "{kind: \(kind), title: \(quoted(title)), value: \(quoted(pointer))}"
        }
        // Tiles four to a row, as the auto layout draws them.
        stride(from: 0, to: tiles.count, by: 4).forEach { start in
            out += "  - height: 1\n    panels:\n"
            for tile in tiles[start..<min(tiles.count, start + 4)] { out += "      - \(tile)\n" }
        }
        for panel in panels {
            switch panel {
            case .tile: continue
            case .table(let title, _):
                out += "  - height: 1\n    panels:\n"
                out += "      - {kind: table, title: \(quoted(title)), rows: \(quoted(JSONPointer(tokens: [title]).description))}\n"
            case .rows(let title, let columns, _):
                let upsert: Bool
                if case .upsert = store.configuration.fold { upsert = true } else { upsert = false }
                let rows = upsert ? "" : JSONPointer(tokens: [title]).description
                // The first column of an object of objects is the row's name, not a key inside it.
                let keys = upsert ? columns : Array(columns.dropFirst())
                out += "  - height: 2\n    panels:\n"
                out += "      - kind: table\n        title: \(quoted(title))\n        rows: \(quoted(rows))\n"
                out += "        columns: [\(keys.map(quoted).joined(separator: ", "))]\n"
                out += "        # thresholds per column, e.g. {key: latency_ms, thresholds: {warn: 200, crit: 1000}}\n"
            case .log:
                out += "  - height: 2\n    panels:\n      - {kind: log, title: \"log\"}\n"
            }
        }
        return out
    }

    /// A YAML double-quoted scalar (JSON's string syntax is valid YAML).
    static func quoted(_ text: String) -> String { JSONValue.string(text).jsonText }
}
