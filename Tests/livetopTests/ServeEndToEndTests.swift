import Foundation
import Testing
import TestSupport

/// `livetop serve` fed on stdin, and the real `livetop` binary as its client over each transport.
@Suite(.timeLimit(.minutes(2)), .startsProcesses) struct ServeEndToEndTests {
    static var binary: String { HeadlessEndToEndTests.binary }

    /// Starts `livetop serve --port 0` with `input` on stdin (then closed); returns it and its port
    /// once it has published every line.
    static func serve(_ input: String, lines: Int) async throws -> (ExternalProcess, Int) {
        let server = ExternalProcess(binary, ["serve", "--port", "0"])
        try server.start()
        server.write(input)
        server.closeInput()
        do {
            try await server.stderr.wait(20, for: "serve to read all \(lines) lines") { errs in
                errs.contains { $0.contains("stdin ended after \(lines) line") }
            }
        } catch {
            server.stop()
            throw error
        }
        let line = try #require(server.stderr.all.first { $0.contains("serving stdin on ws://127.0.0.1:") })
        let port = try #require(Int(String(line.split(separator: ":")[3].prefix { $0.isNumber })), "\(line)")
        return (server, port)
    }

    /// A line with a byte order mark before its JSON: the long-poll answer (a JSON array of the
    /// messages) stays JSON, and the client reads the line as data.
    @Test func aByteOrderMarkKeepsTheLongPollAnswerJSON() async throws {
        let (server, port) = try await Self.serve("\u{FEFF}{\"n\":1}\n{\"n\":2}\n", lines: 2)
        defer { server.stop() }
        let out = try await HeadlessEndToEndTests.run(["--headless", "--max-messages", "2", "--transport", "longpoll",
                                                       "ws://127.0.0.1:\(port)/"])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.messages.compactMap { ($0["data"] as? [String: Any])?["n"] as? Int } == [1, 2], "\(out.messages)")
    }

    @Test(arguments: ["websocket", "sse", "longpoll"])
    func deliversTenThousandLinesWithoutLoss(transport: String) async throws {
        // JSON lines and plain text lines mixed, as a real pipe would bring them.
        let input = (1...10_000).map { $0 % 3 == 0 ? #"{"n":\#($0)}"# : "line \($0)" }
        let (server, port) = try await Self.serve(input.joined(separator: "\n") + "\n", lines: 10_000)
        defer { server.stop() }
        // 10,000 messages through debug builds of both ends: 20 s was missed once under a 5x load.
        let out = try await HeadlessEndToEndTests.run(["--headless", "--max-messages", "10000", "--transport", transport,
                                                       "ws://127.0.0.1:\(port)/"], exitWithin: 90)
        #expect(out.status == 0, "\(out.stderr)")
        let received = out.messages.map { m -> String in
            if let data = m["data"] as? [String: Any], let n = data["n"] as? Int { return #"{"n":\#(n)}"# }
            // A long-poll body is a JSON array, so a text line arrives there as a JSON string.
            return m["text"] as? String ?? m["data"] as? String ?? "?"
        }
        #expect(received.count == 10_000)
        let firstDifference = zip(received, input).enumerated().first { $0.element.0 != $0.element.1 }?.offset
        #expect(firstDifference == nil, "first difference at line \(firstDifference.map { $0 + 1 } ?? 0)")
        #expect(Set(out.messages.compactMap { $0["transport"] as? String }) == [transport])
    }

    /// `serve --buffer 0`: a subscriber gets only what comes after it connects (here "old" was
    /// published, as a first subscriber saw, before the second connected).
    @Test(arguments: ["websocket", "sse", "longpoll"])
    func bufferZeroSendsNoBacklog(transport: String) async throws {
        let server = ExternalProcess(Self.binary, ["serve", "--port", "0", "--buffer", "0"])
        try server.start()
        defer { server.stop() }
        try await server.stderr.wait(20, for: "serve to listen") { $0.contains { $0.contains("serving stdin on ws://127.0.0.1:") } }
        let line = try #require(server.stderr.all.first { $0.contains("serving stdin on ws://127.0.0.1:") })
        #expect(line.contains("no backlog"), "\(line)")
        let port = try #require(Int(String(line.split(separator: ":")[3].prefix { $0.isNumber })), "\(line)")
        let url = "ws://127.0.0.1:\(port)/"
        func whenOpen(_ text: String) -> (ExternalProcess) async throws -> Void {
            { client in
                try await client.stdout.wait(20, for: "the client to be open") { $0.contains { $0.contains(#""state":"open""#) } }
                server.write(text)
            }
        }
        let first = try await HeadlessEndToEndTests.run(["--headless", "--max-messages", "1", url], until: whenOpen("old\n"))
        #expect(first.messages.compactMap { $0["text"] as? String } == ["old"], "\(first.stderr)")
        let second = try await HeadlessEndToEndTests.run(["--headless", "--max-messages", "1", "--transport", transport, url],
                                                         until: whenOpen("new\n"))
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.messages.map { $0["text"] as? String ?? $0["data"] as? String ?? "?" } == ["new"], "\(second.messages)")
    }

    @Test func seqOneToHundredReachesAWebSocketClient() async throws {
        let (server, port) = try await Self.serve((1...100).map(String.init).joined(separator: "\n") + "\n", lines: 100)
        defer { server.stop() }
        let out = try await HeadlessEndToEndTests.run(["--headless", "--max-messages", "100", "ws://127.0.0.1:\(port)/"])
        #expect(out.status == 0)
        #expect(out.messages.compactMap { $0["data"] as? Int } == Array(1...100))
    }

    @Test func skipsEmptyLinesAndKeepsCarriageReturnsOut() async throws {
        let (server, port) = try await Self.serve("a\r\n\r\n\nb\nlast without newline", lines: 3)
        defer { server.stop() }
        let out = try await HeadlessEndToEndTests.run(["--headless", "--max-messages", "3", "ws://127.0.0.1:\(port)/"])
        #expect(out.messages.compactMap { $0["text"] as? String } == ["a", "b", "last without newline"])
    }

    @Test func aPortInUseIsOneLineAndExitOne() async throws {
        let (server, port) = try await Self.serve("x\n", lines: 1)
        defer { server.stop() }
        let second = ExternalProcess(Self.binary, ["serve", "--port", String(port)])
        try second.start()
        defer { second.stop() }
        second.closeInput()
        #expect(try await second.exitStatus(timeout: 20) == 1)
        let errors = second.stderr.all.filter { !$0.isEmpty }
        #expect(errors == ["livetop: serve: cannot listen on 127.0.0.1:\(port): Address already in use"])
    }

    /// SIGTERM ends serve with exit 0 even while subscribers hold an SSE stream and a long-poll open.
    @Test func stopsOnSIGTERMWithSubscribersConnected() async throws {
        let (server, port) = try await Self.serve("x\n", lines: 1)
        defer { server.stop() }
        var clients: [ExternalProcess] = []
        defer { clients.forEach { $0.stop() } }
        for transport in ["sse", "longpoll"] {
            let client = ExternalProcess(Self.binary, ["--headless", "--transport", transport, "ws://127.0.0.1:\(port)/"])
            try client.start()
            clients.append(client)
            // (Over long-poll a text line arrives as a JSON string.)
            try await client.stdout.wait(20, for: "\(transport) to get the line") {
                $0.contains { $0.contains(#""text":"x""#) || $0.contains(#""data":"x""#) }
            }
        }
        server.signal(SIGTERM)
        #expect(try await server.exitStatus(timeout: 20) == 0)
    }
}
