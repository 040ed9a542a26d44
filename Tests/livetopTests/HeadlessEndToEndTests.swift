import FeedScripting
import FeedServe
import Foundation
import PushLink
import Testing
import TestSupport

/// The built `livetop` binary in headless mode: stdout checked line by line against the schema of
/// README "JSON lines", stderr and the exit status checked too.
@Suite(.timeLimit(.minutes(3)), .startsProcesses) struct HeadlessEndToEndTests {
    static var binary: String {
        let candidates = [
            Bundle.main.bundleURL.appendingPathComponent("livetop"),
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("livetop"),
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent(".build/debug/livetop"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }?.path ?? candidates[2].path
    }

    struct Output {
        let status: Int32
        let lines: [[String: Any]]
        let stderr: [String]
        var states: [String] { lines.filter { $0["type"] as? String == "state" }.compactMap { $0["state"] as? String } }
        var messages: [[String: Any]] { lines.filter { $0["type"] as? String == "message" } }
    }

    /// `exitWithin`: how long the whole run may take (a run that moves thousands of messages
    /// through a debug build takes seconds, and several times longer on a loaded machine).
    static func run(_ arguments: [String], environment: [String: String] = [:], exitWithin: Double = 20,
                    until: ((ExternalProcess) async throws -> Void)? = nil) async throws -> Output {
        let process = ExternalProcess(binary, arguments, environment: environment)
        try process.start()
        defer { process.stop() }
        if let until { try await until(process) }
        let status = try await process.exitStatus(timeout: exitWithin)
        let lines = try process.stdout.all.filter { !$0.isEmpty }.map { line -> [String: Any] in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
            return try #require(object as? [String: Any], "not an object: \(line)")
        }
        return Output(status: status, lines: lines, stderr: process.stderr.all)
    }

    static let rfc3339 = try! NSRegularExpression(pattern: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"#)

    static func checkSchema(_ output: Output, transport: String = "websocket") {
        for line in output.lines {
            let time = line["time"] as? String ?? ""
            #expect(rfc3339.firstMatch(in: time, range: NSRange(time.startIndex..., in: time)) != nil, "time \(time)")
            #expect(["state", "message"].contains(line["type"] as? String ?? ""))
            for key in line.keys { #expect(key == key.lowercased() && !key.contains("-"), "key \(key) is not snake_case") }
        }
        let seqs = output.messages.compactMap { $0["seq"] as? Int }
        #expect(seqs == Array(1...max(1, seqs.count)).prefix(seqs.count).map { $0 })
        for m in output.messages {
            #expect(m["transport"] as? String == transport)
            #expect([m["data"] != nil, m["text"] != nil, m["base64"] != nil].filter { $0 }.count == 1, "\(m)")
        }
    }

    @Test func printsEveryMessageAndStateAsAJSONLine() async throws {
        let server = FeedServer { session in
            try await session.send(text: #"{"cpu":0.42,"n":7}"#)
            try await session.send(text: "not json \u{1B}[31mred\u{1B}[0m")
            try await session.send(binary: [0, 1, 2, 0xFF])
            try await session.send(text: "{ \"spaced\" : [1, 2],\n \"bidi\":\"a\u{202E}b\", \"k\":1, \"k\":2 }")
            try await session.close(code: 1000, reason: "done")
            for await _ in session.received {}
        }
        let port = try await server.start()
        defer { Task { await server.stop() } }
        // stdout is a pipe, so headless is automatic.
        let output = try await Self.run(["--exit-on-close", "ws://127.0.0.1:\(port)/feed"])
        #expect(output.status == 0)
        #expect(output.stderr.isEmpty, "\(output.stderr)")
        Self.checkSchema(output)
        #expect(output.states == ["connecting", "open", "closed"])
        #expect(output.lines[0]["url"] as? String == "ws://127.0.0.1:\(port)/feed" && output.lines[0]["attempt"] as? Int == 1)
        let m = output.messages
        #expect(m.count == 4)
        #expect((m[0]["data"] as? [String: Any])?["cpu"] as? Double == 0.42)
        #expect(m[1]["text"] as? String == "not json \u{1B}[31mred\u{1B}[0m")
        #expect(m[2]["base64"] as? String == "AAEC/w==")
        let rewritten = try #require(m[3]["data"] as? [String: Any])
        #expect(rewritten["k"] as? Int == 2 && (rewritten["spaced"] as? [Int]) == [1, 2])
    }

    @Test func terminalControlsNeverReachStdoutRaw() async throws {
        let server = FeedServer { session in
            try await session.send(text: "\u{1B}]0;owned\u{07}\u{9B}2J")
            try await session.send(text: #"{"s":"\u001b[2J","raw":"a\#u{202E}b\#u{7F}"}"#)
            try await session.close(code: 1000)
            for await _ in session.received {}
        }
        let port = try await server.start()
        defer { Task { await server.stop() } }
        let process = ExternalProcess(Self.binary, ["--headless", "--exit-on-close", "ws://127.0.0.1:\(port)/"])
        try process.start()
        #expect(try await process.exitStatus(timeout: 20) == 0)
        let raw = process.stdout.all.joined(separator: " ")
        #expect(!raw.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) || $0.value == 0x202E })
        #expect(raw.contains(#"\u001b]0;owned\u0007\u009b2J"#) && raw.contains(#"a\u202eb\u007f"#))
    }

    @Test func maxMessagesStopsAfterExactlyThatMany() async throws {
        let server = FeedServer { session in
            try await session.send(texts: (1...100).map { #"{"i":\#($0)}"# })
            for await _ in session.received {}
        }
        let port = try await server.start()
        defer { Task { await server.stop() } }
        let output = try await Self.run(["--max-messages", "3", "ws://127.0.0.1:\(port)/"])
        #expect(output.status == 0)
        #expect(output.messages.count == 3)
        #expect(output.states.last == "closed")
        Self.checkSchema(output)
    }

    /// A 10,000-host snapshot over `--max-keys 5000`: every message is printed whole, and `stats`
    /// lines say what the store had to evict (at most one a second while it happens, one at the end).
    @Test func anEvictingStoreSaysSoInStatsLines() async throws {
        let snapshot = "{\"hosts\":{" + (0..<10_000).map { #""h\#(String(format: "%05d", $0))":{"cpu":\#($0 % 100),"status":"up"}"# }
            .joined(separator: ",") + "}}"
        let server = FeedServer { session in
            try await session.send(text: snapshot)
            try await session.send(texts: (0..<20).map { #"{"hosts":{"h00001":{"cpu":\#($0)}}}"# })
            try await session.close(code: 1000)
            for await _ in session.received {}
        }
        let port = try await server.start()
        defer { Task { await server.stop() } }
        let output = try await Self.run(["--max-keys", "5000", "--exit-on-close", "ws://127.0.0.1:\(port)/"], exitWithin: 60)
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.messages.count == 21)
        let hosts = (output.messages.first?["data"] as? [String: Any])?["hosts"] as? [String: Any]
        #expect(hosts?.count == 10_000)  // printed whole: the limit is the store's, not the output's
        let stats = output.lines.filter { $0["type"] as? String == "stats" }
        print("stats lines: \(stats)")
        let last = try #require(stats.last)
        #expect(output.lines.last?["type"] as? String == "stats")  // the figures at the end
        #expect(last["source"] as? String == "main" && last["max_keys"] as? Int == 5000)
        #expect((last["keys"] as? Int ?? .max) <= 5000)
        // Fewer than 2,000 of the 10,000 hosts fit in 5,000 keys: each one left out is at least one eviction.
        #expect((last["evictions"] as? Int ?? 0) >= 8_000)
        #expect(last["messages"] as? Int == 21)
        // The first is said with the first message's batch; any more while it goes on a second apart.
        #expect(stats.count >= 2)
        #expect((stats.first?["evictions"] as? Int ?? 0) > 0)
        let times = stats.dropLast().compactMap { $0["time"] as? String }.compactMap { Self.date($0) }
        for (a, b) in zip(times, times.dropFirst()) { #expect(b.timeIntervalSince(a) >= 0.999) }
    }

    static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }

    @Test func emitMessagesPrintsOnlyTheData() async throws {
        let server = FeedServer { session in
            try await session.send(texts: [#"{"a":1}"#, "[1, 2]", "plain"])
            try await session.close(code: 1000)
            for await _ in session.received {}
        }
        let port = try await server.start()
        defer { Task { await server.stop() } }
        let process = ExternalProcess(Self.binary, ["--emit", "messages", "--exit-on-close", "ws://127.0.0.1:\(port)/"])
        try process.start()
        #expect(try await process.exitStatus(timeout: 20) == 0)
        #expect(process.stdout.all == [#"{"a":1}"#, "[1,2]", #""plain""#])
    }

    @Test func anErrorCloseWithExitOnCloseExitsOne() async throws {
        let server = FeedServer { session in
            try await session.close(code: 1011, reason: "boom")
            for await _ in session.received {}
        }
        let port = try await server.start()
        defer { Task { await server.stop() } }
        let output = try await Self.run(["--exit-on-close", "ws://127.0.0.1:\(port)/"])
        #expect(output.status == 1)
        #expect(output.lines.last?["error"] as? String == "closed by server with code 1011: boom")
    }

    @Test(arguments: [
        (["ftp://host/"], "The value 'ftp://host/' is invalid for '<urls>': unsupported scheme 'ftp'"),
        (["ws://127.0.0.1:1/", "--sse-url", "ws://x/"], "The value 'ws://x/' is invalid for '--sse-url <url>': must be http:// or https://"),
        (["ws://127.0.0.1:1/", "-H", "NoColon"], "invalid for '-H <header>': expected 'Name: value'"),
        (["ws://127.0.0.1:1/", "--fold", "nope"], "The value 'nope' is invalid for '--fold <rule>'"),
        (["ws://127.0.0.1:1/", "--transport", "udp"], "The value 'udp' is invalid for '--transport <name>'"),
        (["ws://127.0.0.1:1/", "--max-message", "2G"], "The value '2G' is invalid for '--max-message <bytes>'"),
        (["ws://127.0.0.1:1/", "--poll-cursor", "query:x"], "The value 'query:x' is invalid for '--poll-cursor <convention>'"),
        (["ws://127.0.0.1:1/", "--emit", "some"], "The value 'some' is invalid for '--emit <what>'"),
        (["ws://127.0.0.1:1/", "--max-messages", "0"], "--max-messages must be"),
        (["ws://127.0.0.1:1/", "--every", "0"], "The value '0' is invalid for '--every <interval>'"),
        (["ws://127.0.0.1:1/", "--every=-1s"], "The value '-1s' is invalid for '--every <interval>'"),
        (["ws://127.0.0.1:1/", "--every", "soon"], "The value 'soon' is invalid for '--every <interval>'"),
        (["wss://127.0.0.1:1/", "--cacert", "/etc/hostname"], "--cacert /etc/hostname: not a PEM certificate file"),
        (["ws://127.0.0.1:1/", "--select", "data"], "The value 'data' is invalid for '--select <pointer>'"),
        (["ws://127.0.0.1:1/", "--bearer-env", "LIVETOP_SURELY_UNSET"], "not set"),
        ([String](), "give the feed's URL"),
    ])
    func usageErrorsExit64WithAClearMessage(_ arguments: [String], _ expected: String) async throws {
        let output = try await Self.run(arguments)
        #expect(output.status == 64)
        #expect(output.lines.isEmpty)
        #expect(output.stderr.first?.contains(expected) == true, "\(output.stderr)")
    }

    /// A compressed message that inflates to 1 GiB: livetop closes with 1009 at its 16 MiB limit
    /// and says so, and its peak memory stays far below the bomb.
    @Test func aCompressionBombIsClosedWith1009AndCostsLittleMemory() async throws {
        let python = try #require(TestEnvironment.which("python3"))
        let (bomb, port) = try await ExternalProcess.startServer(python, [TestEnvironment.serverFixture("ws_bomb.py"), "--ttl", "90",
                                                                                          "--port", String(try TestEnvironment.freePort())],
                                                                 timeout: 60)
        defer { bomb.stop() }
        let kilobytes = try await FaultEndToEndTests.peakAfterFailure("ws://127.0.0.1:\(port)/")
        print("compression bomb (1 GiB inflated): livetop's peak RSS \(kilobytes / 1024) MiB")
        if !TestEnvironment.underSanitizer { #expect(kilobytes < 200 * 1024) }
        try await bomb.stdout.wait(20, for: "the close code") { $0.contains { $0.hasPrefix("CLOSE=") } }
        #expect(bomb.stdout.all.contains("CLOSE=1009"))
    }

    /// A proxy that is not there: the state lines name it, and with --exit-on-close the run ends 1.
    @Test func aDeadProxyIsOneErrorThatNamesIt() async throws {
        let dead = try TestEnvironment.freePort()
        let output = try await Self.run(["--exit-on-close", "--transport", "websocket", "ws://127.0.0.1:9/feed"],
                                        environment: ["http_proxy": "http://127.0.0.1:\(dead)", "no_proxy": ""])
        #expect(output.status == 1)
        #expect(output.stderr.isEmpty, "\(output.stderr)")
        let closed = try #require(output.lines.last)
        #expect(closed["state"] as? String == "closed")
        #expect(closed["error"] as? String == "proxy http://127.0.0.1:\(dead): connection refused")
    }

    @Test func theBearerTokenIsSentButNeverPrinted() async throws {
        let server = FeedServer { session in
            try await session.close(code: 1000)
            for await _ in session.received {}
        }
        let port = try await server.start()
        defer { Task { await server.stop() } }
        let process = ExternalProcess(Self.binary, ["--exit-on-close", "--bearer-env", "LT_TOKEN", "ws://127.0.0.1:\(port)/"],
                                      environment: ["LT_TOKEN": "s3cr3t-t0ken"])
        try process.start()
        #expect(try await process.exitStatus(timeout: 20) == 0)
        #expect(!(process.stdout.all + process.stderr.all).joined().contains("s3cr3t-t0ken"))
    }

    /// Killing and restarting the server mid-feed: `waiting` with `retry_in_ms` and the error, then
    /// `open` again, and the new server receives the `--send` message again.
    @Test func survivesAServerRestartAndSubscribesAgain() async throws {
        let firstReceived = Recorder<FeedSession.Received>()
        let first = FeedServer { session in
            try await session.send(text: #"{"from":"first"}"#)
            await collect(session, into: firstReceived)
        }
        // Below the ephemeral range: a client reconnecting to the dead port can never be handed
        // that same port as its own source (a TCP self-connect), nor can another connection hold it.
        let port = try await first.start(port: try TestEnvironment.freePort())
        let process = ExternalProcess(Self.binary, ["--send", #"{"subscribe":"all"}"#, "ws://127.0.0.1:\(port)/"])
        try process.start()
        defer { process.stop() }
        try await firstReceived.wait(30, for: "the first subscription") { $0 == [.text(#"{"subscribe":"all"}"#)] }
        try await process.stdout.wait(30, for: "the first message") { $0.contains { $0.contains(#""from":"first""#) } }
        await first.stop()
        try await process.stdout.wait(30, for: "a waiting line") { $0.contains { $0.contains(#""state":"waiting""#) } }

        let secondReceived = Recorder<FeedSession.Received>()
        let second = FeedServer { session in
            try await session.send(text: #"{"from":"second"}"#)
            await collect(session, into: secondReceived)
        }
        _ = try await second.start(port: port)
        defer { Task { await second.stop() } }
        try await secondReceived.wait(15, for: "the subscription again") { $0 == [.text(#"{"subscribe":"all"}"#)] }
        try await process.stdout.wait(30, for: "the second message") { $0.contains { $0.contains(#""from":"second""#) } }
        process.signal(SIGTERM)
        #expect(try await process.exitStatus(timeout: 10) == 0)

        let lines = try process.stdout.all.map { try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        let states = lines.compactMap { $0["state"] as? String }
        let firstWaiting = try #require(states.firstIndex(of: "waiting"))
        #expect(Array(states.prefix(2)) == ["connecting", "open"])
        #expect(states[firstWaiting...].contains("open"))
        #expect(states.last == "closed")
        let waiting = try #require(lines.first { $0["state"] as? String == "waiting" })
        #expect(waiting["retry_in_ms"] is Int && waiting["attempt"] as? Int == 1 + 1)
        #expect(waiting["error"] as? String == "connection dropped without a close frame (1006)")
        #expect(lines.filter { $0["type"] as? String == "message" }.compactMap { $0["seq"] as? Int } == [1, 2])
    }
}

private func collect(_ session: FeedSession, into recorder: Recorder<FeedSession.Received>) async {
    for await item in session.received { recorder.append(item) }
}
