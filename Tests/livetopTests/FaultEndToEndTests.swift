import Foundation
import Testing
import TestSupport

/// The built `livetop` binary against the fault server (Tests/PushLinkTests/Servers/fault_server.py):
/// headless, the state lines, the error they carry and the exit status for a representative set
/// of faults; in tmux, the status line showing the error.
@Suite(.timeLimit(.minutes(2)), .startsProcesses) struct FaultEndToEndTests {
    static func startServer() async throws -> (ExternalProcess, Int) {
        guard let python = TestEnvironment.which("python3") else {
            throw MissingTool(description: "python3 is missing (apt-get install python3); Scripts/test.sh installs it")
        }
        return try await ExternalProcess.startServer(python, [TestEnvironment.serverFixture("fault_server.py"), "--ttl", "100",
                                                              "--port", String(try TestEnvironment.freePort())])
    }

    static func seqs(_ output: HeadlessEndToEndTests.Output) -> [Int] {
        output.messages.compactMap { ($0["data"] as? [String: Any])?["seq"] as? Int }
    }

    /// With --exit-on-close, each fault ends the run with exit status 1, and the `closed` line
    /// says who did what (with the close code where there is one); the good messages before the
    /// fault are printed, once each.
    @Test(arguments: [
        (["--transport", "websocket"], "/fault/masked", "livetop closed the connection with code 1002: the server sent a masked frame"),
        (["--transport", "websocket"], "/fault/utf8", "livetop closed the connection with code 1007: the server sent a text message that is not UTF-8"),
        (["--transport", "websocket"], "/fault/huge", "message larger than 16777216 bytes; closed with 1009"),
        (["--transport", "websocket"], "/fault/close1008", "closed by server with code 1008: policy: you are not welcome here"),
        (["--transport", "sse", "--max-message", "1M"], "/sse/longline",
         "event stream line larger than 1048576 bytes (--max-message); livetop closed the connection"),
    ])
    func aFaultEndsTheRunWithExitStatusOneAndSaysWhy(_ options: [String], _ path: String, _ error: String) async throws {
        let (server, port) = try await Self.startServer()
        defer { server.stop() }
        let scheme = path.hasPrefix("/fault/") ? "ws" : "http"
        let output = try await HeadlessEndToEndTests.run(["--headless", "--exit-on-close"] + options + ["\(scheme)://127.0.0.1:\(port)\(path)"])
        #expect(output.status == 1)
        #expect(output.stderr.isEmpty, "\(output.stderr)")
        #expect(output.states == ["connecting", "open", "closed"])
        #expect(output.lines.last?["error"] as? String == error)
        #expect(Self.seqs(output) == [1, 2, 3])
    }

    /// A wrong Sec-WebSocket-Accept: never open, exit 1, the error names the header.
    @Test func aWrongAcceptNeverOpens() async throws {
        let (server, port) = try await Self.startServer()
        defer { server.stop() }
        let output = try await HeadlessEndToEndTests.run(["--headless", "--exit-on-close", "ws://127.0.0.1:\(port)/fault/bad-accept"])
        #expect(output.status == 1)
        #expect(output.states == ["connecting", "closed"])
        #expect(output.lines.last?["error"] as? String == "invalid websocket upgrade answer: bad Sec-WebSocket-Accept")
    }

    /// Without --exit-on-close a reset is retried: `waiting` with the error and `retry_in_ms`,
    /// open again, the messages in order and never repeated (a reset may flush some that were not
    /// read yet); SIGTERM ends the run with 0.
    @Test func aResetIsWaitedOutAndTheFeedGoesOn() async throws {
        let (server, port) = try await Self.startServer()
        defer { server.stop() }
        let output = try await HeadlessEndToEndTests.run(["--headless", "--transport", "websocket", "ws://127.0.0.1:\(port)/fault/reset"]) {
            process in
            try await process.stdout.wait(30, for: "two opens") { $0.filter { $0.contains(#""state":"open""#) }.count >= 2 }
            process.signal(SIGTERM)
        }
        #expect(output.status == 0)
        let seqs = Self.seqs(output)
        #expect(seqs == seqs.sorted() && Set(seqs).count == seqs.count, "\(seqs)")
        let waiting = try #require(output.lines.first { $0["state"] as? String == "waiting" })
        #expect(waiting["error"] as? String == "connection reset by peer")
        #expect(waiting["retry_in_ms"] is Int)
        #expect(output.states.prefix(4) == ["connecting", "open", "waiting", "connecting"])
        #expect(output.states.last == "closed")
    }

    /// A long-poll answer cut short of its Content-Length, and a 426 to the upgrade (fallback to
    /// SSE): every message once, in order, and the run ends 0 at --max-messages.
    @Test(arguments: [
        (["--transport", "longpoll", "http://127.0.0.1:PORT/poll/truncated"], "waiting",
         "the server closed the connection after 100 of the 1000 bytes its answer announced"),
        (["ws://127.0.0.1:PORT/fault/426"], "fallback", "websocket upgrade answered HTTP 426 Upgrade Required"),
    ])
    func aRecoverableFaultLosesAndRepeatsNothing(_ arguments: [String], _ state: String, _ text: String) async throws {
        let (server, port) = try await Self.startServer()
        defer { server.stop() }
        let output = try await HeadlessEndToEndTests.run(["--headless", "--max-messages", "12"]
                                                         + arguments.map { $0.replacingOccurrences(of: "PORT", with: String(port)) })
        #expect(output.status == 0)
        #expect(Self.seqs(output) == Array(1...12))
        let line = try #require(output.lines.first { $0["state"] as? String == state }, "\(output.states)")
        #expect((line["error"] ?? line["reason"]) as? String == text)
    }

    /// A 64 MiB message in 1 MiB fragments is refused when it passes 16 MiB (1009): livetop's peak
    /// memory grows by what the limit allows (and the copy of growing it), never by the message.
    /// The baseline is a livetop refused a 64 MiB frame on its header, which holds nothing of it.
    @Test func a64MiBMessageCostsOnlyWhatTheLimitAllows() async throws {
        let (server, port) = try await Self.startServer()
        defer { server.stop() }
        let baseline = try await Self.peakAfterFailure("ws://127.0.0.1:\(port)/fault/huge")
        let fragments = try await Self.peakAfterFailure("ws://127.0.0.1:\(port)/fault/huge-fragmented")
        print("64 MiB message: livetop's peak RSS \(baseline / 1024) MiB refused on its header, \(fragments / 1024) MiB refused at 16 MiB of fragments")
        if !TestEnvironment.underSanitizer { #expect(fragments - baseline < 40 * 1024) }
    }

    /// Runs livetop until the state line says it failed with 1009; returns its peak RSS in KiB.
    static func peakAfterFailure(_ url: String) async throws -> Int {
        let livetop = ExternalProcess(HeadlessEndToEndTests.binary, ["--headless", "--transport", "websocket", url])
        try livetop.start()
        defer { livetop.stop() }
        try await livetop.stdout.wait(30, for: "the failed state") { $0.contains { $0.contains(#""state":"failed""#) } }
        let failed = try #require(livetop.stdout.all.first { $0.contains(#""state":"failed""#) })
        #expect(failed.contains("message larger than 16777216 bytes; closed with 1009"))
        let peak = try #require(TestEnvironment.peakResidentKiB(livetop.pid))
        livetop.signal(SIGTERM)
        #expect(try await livetop.exitStatus(timeout: 20) == 0)
        return peak
    }

    /// On the dashboard, the status line shows the failure and its error.
    @Test(arguments: [
        ("ws://127.0.0.1:PORT/fault/masked", "--transport websocket", "the server sent a masked frame"),
        ("http://127.0.0.1:PORT/sse/longline", "--transport sse --max-message 1M", "event stream line larger than 1048576 bytes"),
    ])
    func theStatusLineShowsTheError(_ url: String, _ options: String, _ error: String) async throws {
        let (server, port) = try await Self.startServer()
        defer { server.stop() }
        let tmux = try Tmux()
        defer { tmux.stop() }
        let feed = url.replacingOccurrences(of: "PORT", with: String(port))
        try await tmux.run(["new-session", "-d", "-s", "main", "-x", "200", "-y", "30",
                            "TERM=screen LANG=C.UTF-8 '\(HeadlessEndToEndTests.binary)' \(options) '\(feed)'; sleep 60"])
        try await eventually(20, "the failure on the status line") {
            let s = try await tmux.screen()
            return s.contains("failed") && s.contains(error)
        }
        let screen = try await tmux.screen()
        let status = try #require(screen.split(separator: "\n").first { $0.contains(error) })
        #expect(status.contains("failed, retry in"), "\(status)")
        try await tmux.run(["send-keys", "-t", "main", "q"])
    }
}
