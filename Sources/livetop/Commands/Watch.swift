import ArgumentParser
import Foundation
import LinkWire
import Logging
import LiveModel
import PushLink

/// `livetop [options] URL…`: connects to feeds and shows them.
struct Watch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Connect to a live feed and show it (the default command).",
        discussion: """
            Headless output (no terminal on stdout, or --headless) is one JSON object per line: \
            state changes ("type":"state") and messages ("type":"message" with "data", "text" or "base64"); \
            with a layout, lines carry "source", and alerts print as "type":"alert" and "alert_cleared". \
            A command after -- is run without a shell (livetop -- vmstat -n 1; livetop --every 5s -- df -P); \
            its stdout lines are the messages, its stderr lines notes on the status line. \
            Exit status: 0 after a normal end, 1 on a failure, 3 on an alert with --exit-on-alert, 64 on a usage error.
            """
    )

    @Argument(help: """
        The feed: a ws://, wss://, http://, https://, socketio:// or redis:// URL, - (stdin) or a file to follow. \
        With --layout, one for each source the file gives no url.
        """, transform: SourceAddress.parse)
    var urls: [SourceAddress] = []

    /// After `--`: a command to run (no shell), each stdout line a message; with --every, each
    /// run's output one message. `Livetop.main` takes it off the arguments before they are parsed.
    @TaskLocal static var command: [String] = []
    private var command: [String] { Self.command }

    /// Untitled: its groups carry their own titles (an outer title would replace them).
    @OptionGroup
    var connection: ConnectionOptions

    @OptionGroup(title: "Sources on this host")
    var sources: SourceOptions

    @OptionGroup(title: "Output")
    var output: OutputOptions

    @OptionGroup(title: "Layout")
    var layout: LayoutOptions

    @Flag(help: "Connect, wait for the first messages, and print the layout file the automatic layout would use (YAML).")
    var printLayout = false

    @OptionGroup(title: "Files")
    var files: FileOptions

    mutating func validate() throws {
        if !command.isEmpty {
            if layout.layout != nil { throw ValidationError("with --layout, give commands in the file (command: [vmstat, -n, \"1\"])") }
            if !urls.isEmpty { throw ValidationError("a command or a URL: one source at a time; several on one screen need --layout FILE") }
        } else if layout.layout == nil && urls.count != 1 {
            throw ValidationError(urls.isEmpty ? "give the feed's URL, - for stdin, a file, or -- and a command"
                                               : "one URL at a time; several feeds on one screen need --layout FILE")
        }
        if printLayout && layout.layout != nil { throw ValidationError("--print-layout writes a layout; it does not take --layout") }
    }

    func run() async throws {
        let declared = try layout.load()
        let feeds = try FeedBuilder(connection: connection, sources: sources, output: output, files: files)
            .feeds(layout: declared, urls: urls, command: command)
        if printLayout {
            try await LayoutPrinter.print(feeds[0], timeout: connection.retry.connectTimeout + 5)
            return
        }
        try await Viewer.show(feeds, layout: declared, layoutPath: layout.layout, output: output, exitOnAlert: layout.exitOnAlert)
    }
}

/// Makes the sources for a run: one per source of the layout (each with its own options over the
/// command line's), or one for the URL, file, stdin or command without a layout.
struct FeedBuilder {
    var connection: ConnectionOptions
    var sources: SourceOptions
    var output: OutputOptions
    var files: FileOptions

    /// `urls`: the command line's, parsed once by argument-parser; `spare`: a URL for url-less
    /// sources that need not be used up (the demo's own server).
    func feeds(layout: Layout?, urls: [SourceAddress], command: [String] = [], spare: SourceAddress? = nil) throws -> [Feed<LiveSource>] {
        let logger = try ConnectionOptions.logger(file: files.logFile)
        guard let layout else {
            guard let address = command.isEmpty ? urls.first ?? spare : .local(.command(command)) else {
                throw usage("give the feed's URL, - for stdin, a file, or -- and a command")
            }
            let source = try make(address, connection: connection, sources: sources, logger: logger)
            return [Feed(name: "main", source: source, configuration: output.storeConfiguration(snapshots: source.isSampled),
                         maxMessages: output.maxMessages, recording: try files.openRecording(), backlog: output.backlog)]
        }
        var unbound = urls[...]
        var feeds: [Feed<LiveSource>] = []
        for spec in layout.sources {
            let address: SourceAddress
            if let argv = spec.command {
                address = .local(.command(argv))
            } else if let path = spec.file {
                address = .local(.file(path))
            } else if let given = spec.url ?? unbound.popFirst() ?? spare {
                address = given
            } else {
                throw usage("source '\(spec.name)' has no url, command or file in the layout: give a URL on the command line")
            }
            let options = try connection.overridden(by: spec)
            var sourceLogger = logger
            sourceLogger[metadataKey: "source"] = "\(spec.name)"
            let source = try make(address, connection: options, sources: sources.overridden(by: spec), logger: sourceLogger)
            let store = output.storeConfiguration(snapshots: source.isSampled).applying(spec, history: layout.history)
            feeds.append(Feed(name: spec.name, source: source, configuration: store, maxMessages: output.maxMessages, recording: nil,
                              backlog: output.backlog))
        }
        if !unbound.isEmpty { throw usage("\(unbound.count) URL(s) left over: the layout's sources all have a url") }
        if feeds.filter({ if case .local(let l) = $0.source, l.configuration.source == .stdin { true } else { false } }).count > 1 {
            throw usage("only one source can read stdin")
        }
        if files.record != nil {
            guard feeds.count == 1 else { throw usage("--record keeps one feed; this layout has \(feeds.count) sources") }
            feeds[0].recording = try files.openRecording()
        }
        return feeds
    }

    private func make(_ address: SourceAddress, connection: ConnectionOptions, sources: SourceOptions, logger: Logger) throws -> LiveSource {
        switch address {
        case .feed(var url):
            try checkTransport(connection.transport.transport, url: url)
            // --last N asks the server too (livetop serve reads ?last=N; others ignore it).
            if let last = output.last, [.ws, .wss, .http, .https].contains(url.scheme) {
                url.target = PollCursor.setting("last", to: String(last), in: url.target)
            }
            return .link(try connection.makeLink(url: url, every: sources.every?.duration, expect: sources.expect?.duration,
                                                format: sources.parse, logger: logger))
        case .local(let local):
            if case .command(let argv) = local { try checkCommand(argv) }
            if local == .stdin && isatty(0) == 1 {
                throw usage("- reads stdin, and stdin is the terminal: pipe something in (vmstat 1 | livetop -)")
            }
            return .local(LocalLink(sources.configuration(local, connection: connection), logger: logger))
        }
    }

    /// A command that is not there is one line and exit status 1, before anything starts.
    private func checkCommand(_ argv: [String]) throws {
        guard let program = argv.first, !program.isEmpty else { throw usage("the command after -- is empty") }
        if program.contains("/") {
            guard access(program, X_OK) == 0 else {
                Diagnostics.error("command '\(program)' cannot be run: \(String(cString: strerror(errno)))")
                throw ExitCode.failure
            }
            return
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        let found = path.split(separator: ":").contains { access("\($0)/\(program)", X_OK) == 0 }
        if !found {
            Diagnostics.error("command '\(program)' not found on PATH")
            throw ExitCode.failure
        }
    }

    private func checkTransport(_ transport: TransportChoice, url: FeedURL) throws {
        if (url.scheme == .http || url.scheme == .https) && transport == .only(.websocket) {
            throw usage("--transport websocket needs a ws:// or wss:// URL")
        }
        if url.scheme == .redis {
            // The channel and database are read here, so a bad one is a usage error, not a retried failure.
            do {
                _ = try RedisAddress(url)
            } catch {
                throw usage(error.description)
            }
        }
        if (url.scheme == .redis) != (transport == .only(.redis)), transport != .auto {
            throw usage(url.scheme == .redis ? "a redis:// URL is Redis pub/sub only: leave out --transport"
                                             : "--transport redis needs a redis:// URL")
        }
    }

    /// A usage error as one line on stderr and exit status 64.
    private func usage(_ text: String) -> Error {
        Diagnostics.error(text)
        return ExitCode(64)
    }
}

#if canImport(Glibc)
import Glibc
#endif
