import ArgumentParser
import JSONLines
import LiveModel

/// How a feed is shown, the same for a live URL, `demo` and `replay`: the dashboard or JSON lines,
/// and how messages fold into the dashboard's store.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print JSON lines instead of the dashboard (the default when stdout is not a terminal).")
    var headless = false

    @Option(help: ArgumentHelp("With --headless: 'all' (state and message lines) or 'messages' (only each message's data).",
                               valueName: "what"))
    var emit = HeadlessWriter.Emit.all

    @Option(help: ArgumentHelp("End after this many messages (exit 0).", valueName: "n"))
    var maxMessages: Int64?

    @Option(help: ArgumentHelp("Dashboard frames per second at most.", valueName: "n"))
    var fps: Int = 20

    @Flag(help: "Draw the dashboard with ASCII only (also automatic without a UTF-8 locale).")
    var ascii = false

    @Flag(help: "Leave the mouse to the terminal (its own selection): no clicks or wheel on the dashboard.")
    var noMouse = false

    @Option(help: ArgumentHelp("""
        How each message changes the document: merge, replace, append or upsert:/POINTER \
        (default merge; replace for a command run --every, whose each run is the whole picture).
        """, valueName: "rule"))
    var fold: FoldRule?

    @Option(help: ArgumentHelp("Fold only the part of each message at this JSON pointer, e.g. /data.", valueName: "pointer"))
    var select: JSONPointer?

    @Option(help: ArgumentHelp("""
        Keys the dashboard's store keeps per source (default 120000: 10,000 hosts of 10 fields); \
        beyond it the least recently updated are evicted, and the status line says how many.
        """, valueName: "n"))
    var maxKeys: Int?

    @Option(help: ArgumentHelp("""
        Skip messages the server says are older than this when they arrive (5m, 30s): its backlog \
        from before then. Messages that carry no server time are always shown.
        """, valueName: "interval"))
    var since: Interval?

    @Option(help: ArgumentHelp("""
        Of the backlog a server sends a new subscriber, show only the newest N (0: none, now only). \
        Asks the server with ?last=N (livetop serve reads it) and keeps the newest N of the first burst.
        """, valueName: "n"))
    var last: Int?

    /// `--since` and `--last` as the filter every source's messages pass.
    var backlog: BacklogFilter { BacklogFilter(since: since?.duration, last: last) }

    func validate() throws {
        if let maxMessages, maxMessages < 1 { throw ValidationError("--max-messages must be at least 1") }
        if let last, !(0...10_000_000).contains(last) { throw ValidationError("--last must be between 0 and 10000000") }
        if let maxKeys, !(10...10_000_000).contains(maxKeys) { throw ValidationError("--max-keys must be between 10 and 10000000") }
        guard (1...240).contains(fps) else { throw ValidationError("--fps must be between 1 and 240") }
    }

    var storeConfiguration: LiveStore.Configuration { storeConfiguration(snapshots: false) }

    /// `snapshots`: each message is the source's whole state (a sampled command's run), so
    /// without a `--fold` it replaces the last: a process that is gone from `ps` is gone from the screen.
    func storeConfiguration(snapshots: Bool) -> LiveStore.Configuration {
        var store = LiveStore.Configuration(fold: fold ?? (snapshots ? .replace : .merge), select: select)
        store.logLength = 1000
        if let maxKeys { store.maxKeys = maxKeys }
        return store
    }
}

extension LiveStore.Configuration {
    /// This configuration with a layout source's fold and select, and the layout's history length.
    func applying(_ spec: SourceSpec?, history: Int?) -> LiveStore.Configuration {
        var configuration = self
        if let fold = spec?.fold { configuration.fold = fold }
        if let select = spec?.select { configuration.select = select }
        if let time = spec?.time { configuration.timePointer = time }
        if let history { configuration.historyLength = history }
        return configuration
    }
}
