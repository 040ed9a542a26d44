import Foundation
import LinkWire
import LiveModel
import NIOCore
import NIOEmbedded
import NIOHTTP1
@testable import PushPublish
import Testing
import TestSupport
@testable import PushLink

/// `NchanPublisher` against a publisher endpoint with scripted faults (publish_sink.py): what is
/// sent again, in which order, and what is never sent again.
@Suite(.timeLimit(.minutes(2)), .startsProcesses) struct NchanPublisherTests {
    /// One request as the sink saw it.
    struct Request {
        let n: Int
        let status: Int
        let type: String
        let body: String
    }

    static func sink(_ arguments: [String]) async throws -> (ExternalProcess, Int) {
        let python = try RealServerTests.require("python3", "apt-get install python3")
        return try await ExternalProcess.startServer(python, [try RealServerTests.fixture("publish_sink.py")] + arguments)
    }

    static func requests(_ sink: ExternalProcess) -> [Request] {
        sink.stdout.all.compactMap { line -> Request? in
            guard line.hasPrefix("REQ "),
                  let o = (try? JSONSerialization.jsonObject(with: Data(line.dropFirst(4).utf8))) as? [String: Any] else { return nil }
            return Request(n: o["n"] as? Int ?? 0, status: o["status"] as? Int ?? 0, type: o["type"] as? String ?? "",
                           body: o["body"] as? String ?? "")
        }
    }

    /// Waits until the sink has printed `count` requests: its lines come through a pipe, after the
    /// answers the publisher has already seen.
    static func settled(_ sink: ExternalProcess, requests count: Int) async throws {
        try await sink.stdout.wait(20, for: "\(count) requests at the sink") { $0.filter { $0.hasPrefix("REQ ") }.count >= count }
    }

    /// The bodies that were answered with a 2xx, in the order of their answers.
    static func acknowledged(_ sink: ExternalProcess) -> [String] {
        requests(sink).filter { (200..<300).contains($0.status) }.map(\.body)
    }

    static func publisher(port: Int, window: Int = 64) throws -> NchanPublisher {
        var c = NchanPublisher.Configuration()
        c.window = window
        c.backoff = Backoff(base: .milliseconds(20), cap: .milliseconds(100), jitter: 0)
        return try NchanPublisher(url: try FeedURL("http://127.0.0.1:\(port)/pub/test"),
                                  link: LinkConfiguration(url: try FeedURL("http://127.0.0.1:\(port)/pub/test")), configuration: c)
    }

    static func lines(_ range: ClosedRange<Int>) -> [[UInt8]] { range.map { Array("line \($0)".utf8) } }

    @Test func contentTypeIsJSONOnlyForJSON() async throws {
        let (sink, port) = try await Self.sink([])
        defer { sink.stop() }
        let publisher = try Self.publisher(port: port)
        try await publisher.publish([#"{"cpu":0.5}"#, "procs -----------memory----------", "42", #"{"broken":"#, "[1,2]"].map { Array($0.utf8) })
        try await Self.settled(sink, requests: 5)
        await publisher.close()
        let seen = Self.requests(sink)
        #expect(seen.map(\.type) == ["application/json", "text/plain", "application/json", "text/plain", "application/json"])
        #expect(seen.map(\.body) == [#"{"cpu":0.5}"#, "procs -----------memory----------", "42", #"{"broken":"#, "[1,2]"])
    }

    /// A 503 on line 5 while lines 6-20 are in flight: those are acknowledged and never sent again;
    /// line 5 is sent again after them (the reordering README describes), once.
    @Test func a5xxDrainsThenResendsOnlyTheFailedLine() async throws {
        let (sink, port) = try await Self.sink(["--status-at", "5:503"])
        defer { sink.stop() }
        let publisher = try Self.publisher(port: port)
        try await publisher.publish(Self.lines(1...20))
        try await Self.settled(sink, requests: 21)
        let expected = (Array(1...4) + Array(6...20) + [5]).map { "line \($0)" }
        #expect(Self.acknowledged(sink) == expected)
        #expect(Self.requests(sink).count == 21)
        let statistics = await publisher.statistics
        #expect(statistics.acknowledged == 20)
        #expect(statistics.resent == 1)
        await publisher.close()
    }

    /// The server ends the connection after answering line 10 (as nginx does after
    /// keepalive_requests): lines 11-30 were never read, so they go again at once, each once; later
    /// connections stop at 10 requests.
    @Test func aConnectionCloseAnswerResendsWhatWasNotRead() async throws {
        let (sink, port) = try await Self.sink(["--close-at", "10", "--close-at", "25"])
        defer { sink.stop() }
        let publisher = try Self.publisher(port: port)
        try await publisher.publish(Self.lines(1...30))
        try await Self.settled(sink, requests: 30)
        #expect(Self.acknowledged(sink) == (1...30).map { "line \($0)" })
        #expect(Self.requests(sink).count == 30)
        let statistics = await publisher.statistics
        // The first close teaches the limit (10 a connection): the second connection ends itself
        // after 10, the third is closed by the sink after 5 (request 25), the fourth takes the rest.
        #expect(statistics.connections == 4)
        #expect(statistics.resent == 20 + 5)
        #expect(statistics.acknowledged == 30)
        // Later publishes use a fresh connection.
        try await publisher.publish(Self.lines(31...32))
        try await Self.settled(sink, requests: 32)
        #expect(Self.acknowledged(sink).suffix(2) == ["line 31", "line 32"])
        await publisher.close()
    }

    /// The connection drops after line 7 was read but before its answer: line 7 is sent again (it
    /// may have been published: at least once) and everything after it follows in order.
    @Test func aLostAnswerIsSentAgainInOrder() async throws {
        let (sink, port) = try await Self.sink(["--drop-at", "7"])
        defer { sink.stop() }
        let publisher = try Self.publisher(port: port)
        try await publisher.publish(Self.lines(1...20))
        try await Self.settled(sink, requests: 21)
        let seen = Self.requests(sink)
        #expect(seen.map(\.body) == (Array(1...7) + Array(7...20)).map { "line \($0)" })
        #expect(Self.acknowledged(sink) == (Array(1...6) + Array(7...20)).map { "line \($0)" })
        let statistics = await publisher.statistics
        #expect(statistics.acknowledged == 20)
        #expect(statistics.retries == 1)
        await publisher.close()
    }

    /// An answer that never comes: after the answer timeout the connection is replaced and the
    /// line goes again, with what followed it, in order.
    @Test func anOverdueAnswerReplacesTheConnection() async throws {
        let (sink, port) = try await Self.sink(["--hang-at", "3"])
        defer { sink.stop() }
        var c = NchanPublisher.Configuration()
        c.backoff = Backoff(base: .milliseconds(20), cap: .milliseconds(100), jitter: 0)
        // Long enough for every answer the sink does give, even in a crowded full run (0.3 s was
        // not: the new connection's answers came late, and lines 4 and 5 went a third time).
        c.answerTimeout = .seconds(3)
        let url = try FeedURL("http://127.0.0.1:\(port)/pub/test")
        let publisher = try NchanPublisher(url: url, link: LinkConfiguration(url: url), configuration: c)
        try await publisher.publish(Self.lines(1...5))
        try await Self.settled(sink, requests: 6)
        #expect(Self.requests(sink).map(\.body) == (Array(1...3) + Array(3...5)).map { "line \($0)" })
        #expect(Self.acknowledged(sink) == (1...5).map { "line \($0)" })
        #expect(await publisher.statistics.retries == 1)
        await publisher.close()
    }

    /// A quiet spell longer than the answer timeout between two lines is no fault: the timer runs
    /// only while an answer is awaited. The publish handler on NIO's embedded channel, whose event
    /// loop's clock the test moves: a quiet minute, then a line answered within the timeout, then
    /// one never answered, which the timer does end.
    @Test func aQuietSpellIsNotAnOverdueAnswer() throws {
        let loop = EmbeddedEventLoop()
        let channel = EmbeddedChannel(loop: loop)
        try channel.pipeline.syncOperations.addHTTPClientHandlers()
        let handler = NchanPublishHandler(head: HTTPRequestHead(version: .http1_1, method: .POST, uri: "/pub/test"),
                                          answerTimeout: .seconds(2))
        try channel.pipeline.syncOperations.addHandler(handler)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        func send(_ line: String) -> EventLoopFuture<NchanRound> {
            handler.start([NchanRequest(body: Array(line.utf8), contentType: "text/plain")], window: 4, cautious: false,
                          requestsPerConnection: nil, eventLoop: loop)
        }
        let created = ByteBuffer(string: "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")

        let first = send("line 1")
        try channel.writeInbound(created)
        #expect(try first.wait().unacknowledged.isEmpty)
        loop.advanceTime(by: .seconds(60))  // thirty answer timeouts with nothing awaited
        #expect(channel.isActive)

        let second = send("line 2")
        loop.advanceTime(by: .seconds(1))
        try channel.writeInbound(created)
        let answered = try second.wait()
        #expect(answered.unacknowledged.isEmpty && answered.problem == nil)
        #expect(channel.isActive)

        let third = send("line 3")
        loop.advanceTime(by: .seconds(2))
        #expect(!channel.isActive)
        #expect(try third.wait().problem == .retry("no answer within 2 s"))
        _ = try? channel.finish(acceptAlreadyClosed: true)
    }

    /// A server that closes every new connection before answering is asked again only after a
    /// backoff wait each time, never in a tight loop.
    @Test func aConnectionClosedBeforeAnyAnswerIsAFault() async throws {
        let (sink, port) = try await Self.sink(["--close-new", "3"])
        defer { sink.stop() }
        let publisher = try Self.publisher(port: port)
        try await publisher.publish(Self.lines(1...3))
        try await Self.settled(sink, requests: 3)
        #expect(Self.acknowledged(sink) == ["line 1", "line 2", "line 3"])
        let statistics = await publisher.statistics
        #expect(statistics.connections == 4)
        #expect(statistics.retries == 3)
        await publisher.close()
    }

    /// A 4xx is not retried: publish throws a one-line error naming the status and the body.
    @Test func a4xxIsAPublishError() async throws {
        let (sink, port) = try await Self.sink(["--status-at", "3:403"])
        defer { sink.stop() }
        let publisher = try Self.publisher(port: port)
        let error = await #expect(throws: PublishError.self) { try await publisher.publish(Self.lines(1...10)) }
        #expect(error?.description.contains("HTTP 403") == true, "\(String(describing: error))")
        #expect(error?.description.contains("queued messages: 1") == true)
        #expect(error?.description.contains("\n") == false)
        #expect(await publisher.statistics.acknowledged == 2)
        await publisher.close()
    }

    /// Nothing listens yet: the publisher waits and retries until the server is there.
    @Test func aRefusedConnectionIsRetriedUntilTheServerComes() async throws {
        let port = try TestEnvironment.freePort()
        let publisher = try Self.publisher(port: port)
        let notes = Recorder<String>()
        var c = NchanPublisher.Configuration()
        c.backoff = Backoff(base: .milliseconds(20), cap: .milliseconds(100), jitter: 0)
        c.report = { notes.append($0) }
        let url = try FeedURL("http://127.0.0.1:\(port)/pub/test")
        let patient = try NchanPublisher(url: url, link: LinkConfiguration(url: url), configuration: c)
        let published = Task { try await patient.publish(Self.lines(1...3)) }
        try await notes.wait(20, for: "a retry note") { $0.contains { $0.contains("refused") } }
        let python = try RealServerTests.require("python3", "apt-get install python3")
        let sink = ExternalProcess(python, [try RealServerTests.fixture("publish_sink.py"), "--port", String(port)])
        try sink.start()
        defer { sink.stop() }
        try await withDeadline(20, "publishing after the server came") { try await published.value }
        try await Self.settled(sink, requests: 3)
        #expect(Self.acknowledged(sink) == ["line 1", "line 2", "line 3"])
        await publisher.close()
        await patient.close()
    }

    @Test func aPublisherURLMustBeHTTP() throws {
        let url = try FeedURL("ws://127.0.0.1:1/pub/x")
        #expect(throws: PublishError.self) { try NchanPublisher(url: url, link: LinkConfiguration(url: url)) }
    }
}
