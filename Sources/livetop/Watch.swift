import ArgumentParser
import Foundation
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
            Exit status: 0 after a normal end, 1 on a failure, 3 on an alert with --exit-on-alert, 64 on a usage error.
            """
    )

    @Argument(help: "The feed: a ws://, wss://, http://, https://, socketio:// or redis:// URL. With --layout, one for each source the file gives no url.")
    var urls: [String] = []

    @OptionGroup(title: "Connection")
    var connection: ConnectionOptions

    @OptionGroup(title: "Output")
    var output: OutputOptions

    @OptionGroup(title: "Layout")
    var layout: LayoutOptions

    @Flag(help: "Connect, wait for the first messages, and print the layout file the automatic layout would use (YAML).")
    var printLayout = false

    @OptionGroup(title: "Files")
    var files: FileOptions

    mutating func validate() throws {
        for url in urls {
            do {
                _ = try FeedURL(url)
            } catch {
                throw ValidationError(error.description)
            }
        }
        if layout.layout == nil && urls.count != 1 {
            throw ValidationError(urls.isEmpty ? "give the feed's URL" : "one URL at a time; several feeds on one screen need --layout FILE")
        }
        if printLayout && layout.layout != nil { throw ValidationError("--print-layout writes a layout; it does not take --layout") }
    }

    func run() async throws {
        let declared = try layout.load()
        let feeds = try FeedBuilder(connection: connection, output: output, files: files)
            .feeds(layout: declared, urls: urls)
        if printLayout {
            try await LayoutPrinter.print(feeds[0], timeout: connection.connectTimeout + 5)
            return
        }
        try await Viewer.show(feeds, layout: declared, layoutPath: layout.layout, output: output, exitOnAlert: layout.exitOnAlert)
    }
}

/// Makes the links for a run: one per source of the layout (each with its own options over the
/// command line's), or one for the URL without a layout.
struct FeedBuilder {
    var connection: ConnectionOptions
    var output: OutputOptions
    var files: FileOptions

    /// `spare`: a URL for url-less sources that need not be used up (the demo's own server).
    func feeds(layout: Layout?, urls: [String], spare: String? = nil) throws -> [Feed<Link>] {
        let logger = try ConnectionOptions.logger(file: files.logFile)
        guard let layout else {
            let url = try FeedURL(urls.first ?? spare ?? "")
            try checkTransport(connection.transport, url: url)
            return [Feed(name: "main", source: try connection.makeLink(url: url, logger: logger),
                         configuration: output.storeConfiguration, maxMessages: output.maxMessages,
                         recording: try files.openRecording())]
        }
        var unbound = urls[...]
        var feeds: [Feed<Link>] = []
        for spec in layout.sources {
            guard let text = spec.url ?? unbound.popFirst() ?? spare else {
                throw usage("source '\(spec.name)' has no url in the layout: give one on the command line")
            }
            let url: FeedURL
            do {
                url = try FeedURL(text)
            } catch {
                throw usage("source '\(spec.name)': \(error.description)")
            }
            let options = try connection.overridden(by: spec)
            try checkTransport(options.transport, url: url)
            let store = output.storeConfiguration.applying(spec, history: layout.history)
            var sourceLogger = logger
            sourceLogger[metadataKey: "source"] = "\(spec.name)"
            feeds.append(Feed(name: spec.name, source: try options.makeLink(url: url, logger: sourceLogger), configuration: store,
                              maxMessages: output.maxMessages, recording: nil))
        }
        if !unbound.isEmpty { throw usage("\(unbound.count) URL(s) left over: the layout's sources all have a url") }
        if files.record != nil {
            guard feeds.count == 1 else { throw usage("--record keeps one feed; this layout has \(feeds.count) sources") }
            feeds[0].recording = try files.openRecording()
        }
        return feeds
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
