import ArgumentParser
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
            are kept. When stdin ends the lines stay served until SIGINT or SIGTERM.

            Over ssh: 'vmstat 1 | livetop serve --port 9000' on the host, 'ssh -L 9000:localhost:9000 host' \
            here, then 'livetop ws://localhost:9000/'.
            """
    )

    @Option(help: ArgumentHelp("The port to listen on (0 picks a free one); the address is printed on stderr.", valueName: "port"))
    var port: Int = 9000

    @Option(help: ArgumentHelp("The address to listen on. Anything but loopback exposes the feed to the network.",
                               valueName: "address"))
    var bind: String = "127.0.0.1"

    @Option(help: ArgumentHelp("Lines kept for late subscribers and for SSE and long-poll to resume from.", valueName: "lines"))
    var buffer: Int = 100_000

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard (1...10_000_000).contains(buffer) else { throw ValidationError("--buffer must be between 1 and 10000000 lines") }
        guard !bind.isEmpty else { throw ValidationError("--bind needs an address such as 127.0.0.1") }
    }

    func run() async throws {
        let feed = FeedBuffer(capacity: buffer)
        let server = FeedServer(buffer: feed)
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
        Diagnostics.note("serving stdin on ws://\(host):\(bound)/ (SSE and long-poll: http://\(host):\(bound)/)")
        let (stopped, stop) = AsyncStream<Void>.makeStream()
        let signals = SignalWatcher(signals: [SIGINT, SIGTERM, SIGHUP]) { stop.finish() }
        defer { signals.cancel() }
        let reader = Thread {
            let (lines, skipped) = Serve.publishLines(from: STDIN_FILENO, to: feed)
            if skipped > 0 { Diagnostics.warn("\(skipped) lines longer than 16 MiB were skipped (a client's default --max-message)") }
            Diagnostics.note("stdin ended after \(lines) \(lines == 1 ? "line" : "lines"); still serving \(lines == 1 ? "it" : "them") (Ctrl-C stops)")
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

    static func isLoopback(_ address: String) -> Bool {
        address == "localhost" || address == "::1" || address.hasPrefix("127.")
    }
}
