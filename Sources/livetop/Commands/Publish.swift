import ArgumentParser
import Dispatch
import Foundation
import LinkWire
import LiveModel
import PushLink

#if canImport(Glibc)
import Glibc
import PushPublish
#endif

/// `livetop publish URL`: stdin, one message per line, handed to a pub/sub server that does the
/// fan-out (an Nchan publisher endpoint; a Redis channel).
struct Publish: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Publish stdin, one message per line, to an Nchan publisher endpoint or a Redis channel.",
        discussion: """
            Each line of stdin (empty lines skipped, as serve reads them) becomes one message. \
            http(s)://host/pub/CHANNEL: one POST per line to Nchan's publisher location, pipelined on one \
            keep-alive connection, Content-Type application/json when the line is JSON, else text/plain. \
            redis://host:6379/CHANNEL: PUBLISH.

            Lines are acknowledged in order; on a lost connection or a 5xx the unacknowledged lines are \
            sent again after a backoff wait, so delivery is at least once (a line whose answer was lost \
            may arrive twice), and a line that got a 2xx is never sent again (so after a 5xx the line that got \
            it can arrive after lines that followed it; --window 1 prevents that). A 4xx ends the run. At the \
            end of stdin livetop waits for the last acknowledgement and exits 0; SIGINT or SIGTERM stops \
            reading and exits once what was sent is acknowledged (or after a short grace).

            Fan-out beyond one host: 'vmstat 1 | livetop publish http://127.0.0.1:8080/pub/host1', viewers \
            on 'livetop ws://nchan-host/sub/host1'.
            """
    )

    @Argument(help: ArgumentHelp("Where to publish: http(s)://host[:port]/path of an Nchan publisher, or redis://host[:port]/channel.",
                                 valueName: "url"))
    var url: String

    @Option(help: ArgumentHelp("At most this many lines a second (on average; bursts of a tenth of a second's worth).",
                               valueName: "lines"))
    var rateLimit: Double?

    @Option(help: ArgumentHelp("Requests in flight before their answers come back (pipelining depth).", valueName: "requests"))
    var window: Int = 64

    @Option(help: ArgumentHelp("How long SIGINT or SIGTERM waits for what was sent to be acknowledged.", valueName: "seconds"))
    var grace: Double = 3

    /// Untitled: its groups carry their own titles.
    @OptionGroup
    var connection: PublishConnectionOptions

    func validate() throws {
        if let rateLimit, !(rateLimit >= 0.001 && rateLimit <= 10_000_000) {
            throw ValidationError("--rate-limit must be a number of lines a second between 0.001 and 10000000")
        }
        guard (1...4096).contains(window) else { throw ValidationError("--window must be between 1 and 4096") }
        guard grace >= 0 && grace <= 3600 else { throw ValidationError("--grace must be between 0 and 3600 seconds") }
    }

    func run() async throws {
        let publisher: any Publisher
        do {
            publisher = try makePublisher()
        } catch let error as PublishError {
            Diagnostics.error("publish: \(error)")
            throw ExitCode.failure
        }
        let run = PublishRun(publisher: publisher, rateLimit: rateLimit)
        let (events, post) = AsyncStream<PublishRun.Event>.makeStream()
        let signals = SignalWatcher(signals: [SIGINT, SIGTERM, SIGHUP]) { post.yield(.signal) }
        defer { signals.cancel() }
        let reader = Thread {
            post.yield(.finished(run.readAndPublish(from: STDIN_FILENO)))
        }
        reader.name = "livetop-stdin"
        reader.start()
        var failure = false
        loop: for await event in events {
            switch event {
            case .finished(let error):
                if let error {
                    Diagnostics.error("publish: \(error)")
                    failure = true
                }
                break loop
            case .signal:
                // Stop reading; what was sent is waited for, briefly.
                guard run.stop() else { break loop }
                let grace = self.grace
                Thread {
                    usleep(UInt32(min(grace, 3600) * 1_000_000))
                    post.yield(.graceOver)
                }.start()
            case .graceOver:
                Diagnostics.error("publish: stopped with \(run.inFlight) sent lines not yet acknowledged")
                failure = true
                break loop
            }
        }
        let (read, published) = run.counts
        if read > published && !failure {
            Diagnostics.note("publish: stopped; \(read - published) lines read were not sent")
        }
        if let nchan = publisher as? NchanPublisher {
            let s = await nchan.statistics
            Diagnostics.note("publish: \(s.acknowledged) lines acknowledged, \(s.resent) sent again, \(s.retries) retries after failures, "
                             + "\(s.connections) connections")
        }
        await publisher.close()
        if failure { throw ExitCode.failure }
    }

    func makePublisher() throws -> any Publisher {
        if url.lowercased().hasPrefix("rediss://") {
            throw PublishError("\(url): rediss:// (Redis over TLS) is not supported; use redis:// through an ssh tunnel or stunnel")
        }
        let target: FeedURL
        do {
            target = try FeedURL(url)
        } catch {
            throw PublishError("\(error)")
        }
        let link = try connection.linkConfiguration(url: target)
        if target.scheme == .redis {
            return try RedisPublisher(url: target, window: window, backoff: link.reconnect.backoff, connectTimeout: link.connectTimeout)
        }
        guard target.scheme == .http || target.scheme == .https else {
            throw PublishError("\(url): publish to http(s):// (Nchan) or redis:// (Redis)")
        }
        var configuration = NchanPublisher.Configuration()
        configuration.window = window
        configuration.backoff = link.reconnect.backoff
        configuration.isJSON = { line in
            var tape = JSONTape()
            do {
                try tape.parse(line)
                return true
            } catch {
                return false
            }
        }
        let notes = RetryNotes()
        configuration.report = { notes.report($0) }
        connection.tls.warnIfInsecure("what is published")
        return try NchanPublisher(url: target, link: link, configuration: configuration)
    }
}
