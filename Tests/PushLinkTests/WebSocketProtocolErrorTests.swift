import Foundation
import Testing
import TestSupport
@testable import PushLink

/// Close frames and text messages a server gets wrong, sent byte for byte by a raw-socket server
/// (ws_raw_frames.py): livetop answers with the close code RFC 6455 asks for (1002, 1007) and
/// reports it as its own close, never as the server's; valid close codes are echoed. The
/// Autobahn|Testsuite run (AutobahnTests) covers the same ground more widely, when wstest is installed.
@Suite(.timeLimit(.minutes(3)), .startsProcesses) struct WebSocketProtocolErrorTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        /// The frames the server sends after its 101 answer, as hex.
        let frames: String
        /// The close code the server must get back.
        let answer: Int?
        /// The reason of the link's closed state (nil: a normal end).
        let reason: String?
        var messages: [String] = []
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "close code 999", frames: "880203e7", answer: 1002,
             reason: "livetop closed the connection with code 1002: the server closed with invalid close code 999"),
        Case(name: "close code 1005 (never on the wire)", frames: "880203ed", answer: 1002,
             reason: "livetop closed the connection with code 1002: the server closed with invalid close code 1005"),
        Case(name: "close payload of 1 byte", frames: "880103", answer: 1002,
             reason: "livetop closed the connection with code 1002: the server sent a close frame with a 1-byte payload"),
        Case(name: "close reason not UTF-8", frames: "880303e8ff", answer: 1007,
             reason: "livetop closed the connection with code 1007: the server's close reason is not UTF-8"),
        Case(name: "text not UTF-8 after a good one", frames: "810161" + "8102c328", answer: 1007,
             reason: "livetop closed the connection with code 1007: the server sent a text message that is not UTF-8",
             messages: ["a"]),
        Case(name: "text not UTF-8 across fragments", frames: "0101e2" + "800128", answer: 1007,
             reason: "livetop closed the connection with code 1007: the server sent a text message that is not UTF-8"),
        Case(name: "a character split over three fragments", frames: "0101e2" + "000182" + "8001ac" + "880203e8", answer: 1000,
             reason: nil, messages: ["€"]),
        Case(name: "close code 3000 with a reason is echoed", frames: "88040bb86f6b", answer: 3000,
             reason: "closed by server with code 3000: ok"),
        Case(name: "close code 1012 is echoed", frames: "880203f4", answer: 1012, reason: "closed by server with code 1012"),
        Case(name: "nothing after the server's close is handed on", frames: "880203e8" + "810161", answer: 1000, reason: nil),
    ]

    @Test(arguments: cases) func answersWithTheRightCloseCode(_ c: Case) async throws {
        let python = try RealServerTests.require("python3", "apt-get install python3")
        let (server, port) = try await ExternalProcess.startServer(python, [try RealServerTests.fixture("ws_raw_frames.py"), "--ttl", "60"])
        defer { server.stop() }
        let run = try LinkRun(url: "ws://127.0.0.1:\(port)/\(c.frames)") {
            $0.reconnect.exitOnClose = true
            $0.deflate = false
        }
        // Only a normal close (1000) ends the run as a success.
        #expect(await run.runner.value == (c.reason == nil))
        guard case .closed(let reason) = run.states.last else { Issue.record("\(run.states)"); return }
        #expect(reason == c.reason)
        #expect(run.messages == c.messages)
        try await server.stdout.wait(20, for: "the close code the server got") { $0.contains { $0.hasPrefix("CLOSE=") } }
        #expect(server.stdout.all.contains("CLOSE=\(c.answer.map(String.init) ?? "None")"), "\(server.stdout.all)")
    }

    /// A ping between the fragments of a message is answered at once, and the message is whole.
    @Test func answersAPingInTheMiddleOfAFragmentedMessage() async throws {
        let python = try RealServerTests.require("python3", "apt-get install python3")
        let (server, port) = try await ExternalProcess.startServer(python, [try RealServerTests.fixture("ws_raw_frames.py"), "--ttl", "60"])
        defer { server.stop() }
        let run = try LinkRun(url: "ws://127.0.0.1:\(port)/" + "010161" + "890170" + "800162" + "880203e8") {
            $0.reconnect.exitOnClose = true
            $0.deflate = false
        }
        #expect(await run.runner.value)
        #expect(run.messages == ["ab"])
        try await server.stdout.wait(20, for: "the close") { $0.contains { $0.hasPrefix("CLOSE=") } }
        #expect(server.stdout.all.filter { $0.hasPrefix("FRAME") } == ["FRAME 10 70", "FRAME 8 03e8"])
    }
}
