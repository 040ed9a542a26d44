import Foundation
import Testing
import TestSupport

/// `livetop publish` into a real nginx + Nchan, with `livetop --headless` subscribers reading the
/// channel.
@Suite(.timeLimit(.minutes(4)), .startsProcesses) struct PublishEndToEndTests {
    static var binary: String { HeadlessEndToEndTests.binary }

    /// `{"n":i}` for each i, one a line.
    static func input(_ range: ClosedRange<Int>) -> String { range.map { #"{"n":\#($0)}"# + "\n" }.joined() }

    /// A headless subscriber on `url`, once its connection is open.
    static func subscriber(_ url: String) async throws -> ExternalProcess {
        let process = ExternalProcess(binary, ["--headless", "--emit", "all", url])
        try process.start()
        do {
            try await process.stdout.wait(20, for: "the subscriber on \(url) to open") { $0.contains { $0.contains(#""state":"open""#) } }
        } catch {
            process.stop()
            throw error
        }
        return process
    }

    /// Waits until the newest message `subscriber` printed is `{"n":N}` with N ≥ `last`. (The
    /// condition runs at every line, so it reads only the newest message; and it must stay true
    /// as more lines come, as the wait checks it once more at the end.)
    static func wait(_ subscriber: ExternalProcess, for last: Int, _ seconds: Double = 90) async throws {
        try await subscriber.stdout.wait(seconds, for: "message \(last)") { lines in
            guard let line = lines.last(where: { $0.contains(#""type":"message""#) }),
                  let range = line.range(of: #""data":{"n":"#) else { return false }
            return Int(line[range.upperBound...].prefix { $0.isNumber }).map { $0 >= last } ?? false
        }
    }

    /// The numbers of every message the subscriber printed, in order.
    static func numbers(_ subscriber: ExternalProcess) -> [Int] {
        subscriber.stdout.all.compactMap { line -> Int? in
            guard line.contains(#""type":"message""#),
                  let o = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else { return nil }
            return (o["data"] as? [String: Any])?["n"] as? Int
        }
    }

    /// The publisher's closing count of acknowledged lines, from its stderr. (Its stderr comes
    /// through a pipe of its own, which may still hold the last lines when the exit is seen.)
    static func acknowledged(_ publisher: ExternalProcess) async throws -> Int? {
        try await stderr(publisher, containing: "lines acknowledged")
        return publisher.stderr.all.lazy.compactMap { line -> Int? in
            guard let range = line.range(of: "publish: "), line.contains("lines acknowledged") else { return nil }
            return Int(line[range.upperBound...].prefix { $0.isNumber })
        }.first
    }

    /// Waits until the process has written a line containing `text` on stderr.
    static func stderr(_ process: ExternalProcess, containing text: String) async throws {
        try await process.stderr.wait(20, for: "'\(text)' on stderr", until: { $0.contains { $0.contains(text) } },
                                      ignoringTimeoutIfFinished: true)
    }

    static func nchan() async throws -> NchanServer {
        let server = try await NchanServer(template: "nchan_publish.conf.template")
        try await server.start()
        return server
    }

    @Test func tenThousandLinesReachASubscriberOnceInOrder() async throws {
        let nchan = try await Self.nchan()
        defer { nchan.stop() }
        let subscriber = try await Self.subscriber("ws://127.0.0.1:\(nchan.port)/sub/tenk")
        defer { subscriber.stop() }
        let publisher = ExternalProcess(Self.binary, ["publish", "http://127.0.0.1:\(nchan.port)/pub/tenk"])
        try publisher.start()
        defer { publisher.stop() }
        publisher.write(Self.input(1...10_000))
        publisher.closeInput()
        #expect(try await publisher.exitStatus(timeout: 120) == 0, "\(publisher.stderr.all)")
        #expect(try await Self.acknowledged(publisher) == 10_000, "\(publisher.stderr.all)")
        try await Self.wait(subscriber, for: 10_000)
        let numbers = Self.numbers(subscriber)
        #expect(numbers.count == 10_000)
        #expect(numbers == Array(1...10_000), "first difference at \(String(describing: zip(numbers, 1...).first { $0 != $1 }))")
    }

    /// nginx stops mid-stream (by PID) and starts again on the same port. The publisher retries
    /// and exits 0 with every line acknowledged once by its own count. Nchan's memory store lost
    /// what the old nginx held, so what can be checked is: a subscriber attached to the restarted
    /// server receives every line from the first one that server accepted to the last, once each,
    /// in order; a subscriber that lived through the restart has everything acknowledged before
    /// the stop, then at most a repeat of the lines whose answers the stop cut off.
    @Test func nginxRestartsMidStream() async throws {
        // (Measured while writing it: nginx stopped with about 60 lines in flight and 3,000 unsent.)
        let nchan = try await Self.nchan()
        let first = try await Self.subscriber("ws://127.0.0.1:\(nchan.port)/sub/restart")
        defer { first.stop() }
        let publisher = ExternalProcess(Self.binary, ["publish", "--retry-max", "1", "http://127.0.0.1:\(nchan.port)/pub/restart"])
        try publisher.start()
        defer { publisher.stop() }
        publisher.write(Self.input(1...1000))
        try await Self.wait(first, for: 1000)

        // A stream under way when nginx goes: some of these lines are answered, some in flight, some unsent.
        publisher.write(Self.input(1001...5000))
        try await Self.wait(first, for: 1200)
        try await nchan.stopped()
        let again = try await NchanServer(prefix: nchan.prefix, port: nchan.port, template: "nchan_publish.conf.template")
        try await again.start()
        defer { again.stop() }
        let second = try await Self.subscriber("ws://127.0.0.1:\(nchan.port)/sub/restart")
        defer { second.stop() }
        publisher.write(Self.input(5001...6000))
        publisher.closeInput()
        #expect(try await publisher.exitStatus(timeout: 120) == 0, "\(publisher.stderr.all)")
        #expect(try await Self.acknowledged(publisher) == 6000, "\(publisher.stderr.all)")
        try await Self.wait(second, for: 6000)
        try await Self.wait(first, for: 6000)

        let after = Self.numbers(second)
        let start = try #require(after.first)
        #expect(start > 1000 && start <= 5001)
        #expect(after == Array(start...6000), "the restarted server's subscriber: \(after.prefix(5))... \(after.count) lines")

        let through = Self.numbers(first)
        #expect(Array(through.prefix(1000)) == Array(1...1000))
        #expect(through.last == 6000)
        let counts = Dictionary(through.map { ($0, 1) }, uniquingKeysWith: +)
        #expect(counts.values.allSatisfy { $0 <= 2 }, "a line three times")
        // Every line from the restarted server's first on reached it too, once from that server.
        #expect(Set(start...6000).isSubset(of: Set(through)))
    }

    @Test func aRefusedPublishIsOneLineAndExitOne() async throws {
        let nchan = try await Self.nchan()
        defer { nchan.stop() }
        let publisher = ExternalProcess(Self.binary, ["publish", "http://127.0.0.1:\(nchan.port)/nowhere"])
        try publisher.start()
        defer { publisher.stop() }
        publisher.write("hello\n")
        publisher.closeInput()
        #expect(try await publisher.exitStatus(timeout: 30) == 1)
        try await Self.stderr(publisher, containing: "HTTP 404")
        let errors = publisher.stderr.all.filter { $0.contains("HTTP 404") }
        #expect(errors.count == 1, "\(publisher.stderr.all)")
    }

    /// `livetop publish redis://…` into a real redis-server, read back by `livetop redis://…`: every
    /// line once, in order, and the publisher exits 0 at the end of stdin.
    @Test func publishesToARedisChannel() async throws {
        let redis = try RedisServer()
        try await redis.start()
        defer { redis.stop() }
        let subscriber = try await Self.subscriber("redis://127.0.0.1:\(redis.port)/host1")
        defer { subscriber.stop() }
        let publisher = ExternalProcess(Self.binary, ["publish", "redis://127.0.0.1:\(redis.port)/host1"])
        try publisher.start()
        defer { publisher.stop() }
        publisher.write(Self.input(1...1000))
        publisher.closeInput()
        #expect(try await publisher.exitStatus(timeout: 30) == 0)
        try await subscriber.stdout.wait(30, for: "line 1000 over redis") { $0.contains { $0.contains(#""data":{"n":1000}"#) } }
        let numbers = subscriber.stdout.all.compactMap { line -> Int? in
            guard line.contains(#""type":"message""#), let range = line.range(of: #""data":{"n":"#) else { return nil }
            return Int(line[range.upperBound...].prefix { $0.isNumber })
        }
        #expect(numbers == Array(1...1000))
    }

    @Test func redisOverTLSIsOneClearLine() async throws {
        let publisher = ExternalProcess(Self.binary, ["publish", "rediss://127.0.0.1:1/host1"])
        try publisher.start()
        defer { publisher.stop() }
        publisher.closeInput()
        #expect(try await publisher.exitStatus(timeout: 30) == 1)
        try await Self.stderr(publisher, containing: "not supported")
        #expect(publisher.stderr.all.filter { !$0.isEmpty }
                    == ["livetop: publish: rediss://127.0.0.1:1/host1: rediss:// (Redis over TLS) is not supported; use redis:// through an ssh tunnel or stunnel"])
    }

    /// SIGTERM while stdin is open and nothing is in flight: exit 0 at once.
    @Test func stopsOnSIGTERMBetweenLines() async throws {
        let nchan = try await Self.nchan()
        defer { nchan.stop() }
        let subscriber = try await Self.subscriber("ws://127.0.0.1:\(nchan.port)/sub/term")
        defer { subscriber.stop() }
        let publisher = ExternalProcess(Self.binary, ["publish", "http://127.0.0.1:\(nchan.port)/pub/term"])
        try publisher.start()
        defer { publisher.stop() }
        publisher.write("one\ntwo\n")
        try await subscriber.stdout.wait(20, for: "both lines") { $0.contains { $0.contains(#""text":"two""#) } }
        publisher.signal(SIGTERM)
        #expect(try await publisher.exitStatus(timeout: 20) == 0)
        #expect(try await Self.acknowledged(publisher) == 2)
    }

    /// SIGTERM while a line waits for a server that is down: after --grace, exit 1 saying so.
    @Test func aSignalWhileALineIsUnacknowledgedWaitsOnlyTheGrace() async throws {
        let port = try TestEnvironment.freePort()
        let publisher = ExternalProcess(Self.binary, ["publish", "--grace", "1", "http://127.0.0.1:\(port)/pub/x"])
        try publisher.start()
        defer { publisher.stop() }
        publisher.write("waiting\n")
        try await publisher.stderr.wait(20, for: "a retry note") { $0.contains { $0.contains("connection refused; retrying in") } }
        publisher.signal(SIGTERM)
        #expect(try await publisher.exitStatus(timeout: 20) == 1)
        try await Self.stderr(publisher, containing: "not yet acknowledged")
        #expect(publisher.stderr.all.contains("livetop: publish: stopped with 1 sent lines not yet acknowledged"), "\(publisher.stderr.all)")
    }

    /// --rate-limit 50 (bursts of 5): 30 lines cannot take less than 0.5 s, and all arrive in order.
    @Test func theRateLimitSpreadsABacklog() async throws {
        let nchan = try await Self.nchan()
        defer { nchan.stop() }
        let subscriber = try await Self.subscriber("ws://127.0.0.1:\(nchan.port)/sub/paced")
        defer { subscriber.stop() }
        let publisher = ExternalProcess(Self.binary, ["publish", "--rate-limit", "50", "http://127.0.0.1:\(nchan.port)/pub/paced"])
        let started = ContinuousClock.now
        try publisher.start()
        defer { publisher.stop() }
        publisher.write(Self.input(1...30))
        publisher.closeInput()
        #expect(try await publisher.exitStatus(timeout: 30) == 0)
        #expect(ContinuousClock.now - started >= .milliseconds(500))
        try await Self.wait(subscriber, for: 30)
        #expect(Self.numbers(subscriber) == Array(1...30))
    }

    @Test func anEmptyInputExitsZeroWithoutAServer() async throws {
        let port = try TestEnvironment.freePort()
        let publisher = ExternalProcess(Self.binary, ["publish", "http://127.0.0.1:\(port)/pub/x"])
        try publisher.start()
        defer { publisher.stop() }
        publisher.closeInput()
        #expect(try await publisher.exitStatus(timeout: 20) == 0)
    }
}
