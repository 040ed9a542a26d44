import ArgumentParser
import FeedServe
import Foundation
import PushLink

#if canImport(Glibc)
import Glibc
#endif

/// `livetop serve`: publishes stdin, one message per line, to every subscriber.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Publish stdin, one message per line, over WebSocket, SSE and long-poll.",
        discussion: """
            Each line of stdin (JSON or plain text; empty lines are skipped) is one message to every \
            subscriber, on every path of the port: WebSocket (a new subscriber first gets the kept lines), \
            SSE (Last-Event-ID resumes) and long-poll (?cursor=N, X-Next-Cursor). The last --buffer lines \
            are kept, each with its publish time (SSE ids SEQ@MS, long-poll X-Message-Times), so a late \
            subscriber's backlog is history, not now; ?last=N asks for only the newest N, and --buffer 0 \
            sends subscribers only what comes after they connect. When stdin ends the lines stay served \
            until SIGINT or SIGTERM.

            Over ssh: 'vmstat 1 | livetop serve --port 9000' on the host, 'ssh -L 9000:localhost:9000 host' \
            here, then 'livetop ws://localhost:9000/'.
            """
    )

    @Option(help: ArgumentHelp("The port to listen on (0 picks a free one); the address is printed on stderr.", valueName: "port"))
    var port: Int = 9000

    @Option(help: ArgumentHelp("The address to listen on. Anything but loopback exposes the feed to the network.",
                               valueName: "address"))
    var bind: String = "127.0.0.1"

    @Option(help: ArgumentHelp("""
        Lines kept for late subscribers and for SSE and long-poll to resume from; 0: no backlog, a \
        subscriber gets only what comes after it connects.
        """, valueName: "lines"))
    var buffer: Int = 100_000

    /// With `--buffer 0` the last lines are still kept, this many, for SSE and long-poll clients to
    /// resume from between requests (a poll's answer and the next poll): only new subscribers get
    /// no backlog.
    static let resumeLines = 1000

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard (0...10_000_000).contains(buffer) else { throw ValidationError("--buffer must be between 0 and 10000000 lines") }
        guard !bind.isEmpty else { throw ValidationError("--bind needs an address such as 127.0.0.1") }
    }

    func run() async throws {
        let feed = FeedBuffer(capacity: buffer == 0 ? Serve.resumeLines : buffer)
        let server = FeedServer(options: .init(replaysKeptMessages: buffer > 0), buffer: feed)
        let bound: Int
        do {
            bound = try await server.start(host: bind, port: port)
        } catch {
            Diagnostics.note("serve: \(error)")
            throw ExitCode.failure
        }
        let host = bind.contains(":") ? "[\(bind)]" : bind
        if !Serve.isLoopback(bind) {
            Diagnostics.warn("serving on \(bind): anyone who can reach this host on port \(bound) can read the feed")
        }
        Diagnostics.note("serving stdin on ws://\(host):\(bound)/ (SSE and long-poll: http://\(host):\(bound)/); "
                         + (buffer == 0 ? "no backlog: subscribers get what comes after they connect"
                                        : "late subscribers get the last \(buffer) lines, each with its time"))
        let (stopped, stop) = AsyncStream<Void>.makeStream()
        let signals = SignalWatcher(signals: [SIGINT, SIGTERM, SIGHUP]) { stop.finish() }
        defer { signals.cancel() }
        let reader = Thread {
            let (lines, skipped) = Serve.publishLines(from: STDIN_FILENO, to: feed)
            if skipped > 0 { Diagnostics.warn("\(skipped) lines longer than 16 MiB were skipped (a client's default --max-message)") }
            let kept = feed.kept
            Diagnostics.note("stdin ended after \(lines) \(lines == 1 ? "line" : "lines"); "
                             + Serve.backlogSummary(count: buffer == 0 ? 0 : kept.count, oldest: kept.oldest, newest: kept.newest,
                                                    now: Link.wallClock())
                             + " (Ctrl-C stops)")
        }
        reader.name = "livetop-stdin"
        reader.start()
        for await _ in stopped {}
        await server.stop()
    }

    /// Publishes every non-empty line of `fd`, one publish per read. Returns the lines published
    /// and how many were skipped for being longer than 16 MiB.
    static func publishLines(from fd: CInt, to feed: FeedBuffer) -> (lines: Int, skipped: Int) {
        var input = InputLines(fd: fd)
        var published = 0
        while let batch = input.nextBatch() {
            feed.publish(batch.map { ($0, false) })
            published += batch.count
        }
        if input.readError != 0 { Diagnostics.warn("reading stdin failed: \(String(cString: strerror(input.readError)))") }
        return (published, input.skippedLines)
    }

    /// How old the backlog a late subscriber gets is, e.g. "a late subscriber gets 181 lines from
    /// 3m 0s ago to 0s ago". Pure: the times come in.
    static func backlogSummary(count: Int, oldest: Int64?, newest: Int64?, now: Int64) -> String {
        guard count > 0, let oldest, let newest else { return "no backlog kept: a subscriber gets what comes after it connects" }
        func age(_ t: Int64) -> String {
            let s = max(0, (now - t) / 1_000_000_000)
            if s >= 3600 { return "\(s / 3600)h \(s / 60 % 60)m" }
            return s >= 60 ? "\(s / 60)m \(s % 60)s" : "\(s)s"
        }
        return "a late subscriber gets \(count) \(count == 1 ? "line" : "lines"), published \(age(oldest)) to \(age(newest)) ago"
    }

    static func isLoopback(_ address: String) -> Bool {
        address == "localhost" || address == "::1" || address.hasPrefix("127.")
    }
}
