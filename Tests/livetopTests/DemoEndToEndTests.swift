import Foundation
import Testing
import TestSupport

/// `livetop demo` run as a user would, headless, over each transport and with chaos.
@Suite(.timeLimit(.minutes(2)), .startsProcesses) struct DemoEndToEndTests {
    @Test(arguments: ["websocket", "sse", "longpoll"])
    func deliversTheSimulatedFeedOverEachTransport(transport: String) async throws {
        let out = try await HeadlessEndToEndTests.run(["demo", "--headless", "--max-messages", "30", "--rate", "100",
                                                       "--seed", "7", "--transport", transport])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.messages.count == 30)
        #expect(Set(out.messages.compactMap { $0["transport"] as? String }) == [transport])
        // "open" is said before the first message, on every transport.
        let firstOpen = out.lines.firstIndex { $0["state"] as? String == "open" }
        let firstMessage = out.lines.firstIndex { $0["type"] as? String == "message" }
        #expect(firstOpen != nil && firstMessage != nil && firstOpen! < firstMessage!)
        let states = out.messages.compactMap { $0["data"] as? [String: Any] }.filter { $0["services"] != nil }
        #expect(!states.isEmpty)
        for state in states {
            let cpu = try #require(state["cpu_pct"] as? Double)
            #expect((0...100).contains(cpu))
            let services = try #require(state["services"] as? [String: [String: Any]])
            #expect(Set(services.keys) == ["api", "auth", "billing", "search", "payments", "cache"])
            #expect(services.values.allSatisfy { ["up", "degraded", "down"].contains($0["status"] as? String ?? "") })
        }
    }

    @Test func headlessWithMaxMessagesFiftyPrintsFiftyMessageLines() async throws {
        let out = try await HeadlessEndToEndTests.run(["demo", "--headless", "--max-messages", "50", "--rate", "200"])
        #expect(out.status == 0)
        #expect(out.messages.count == 50)
        #expect(out.messages.compactMap { $0["seq"] as? Int } == Array(1...50))
    }

    @Test func chaosShowsReconnectsAndFallback() async throws {
        let demo = ExternalProcess(HeadlessEndToEndTests.binary,
                                   ["demo", "--headless", "--chaos", "--chaos-interval", "0.3", "--rate", "50", "--seed", "11"])
        try demo.start()
        defer { demo.stop() }
        try await demo.stdout.wait(45, for: "a waiting state and a fallback") { lines in
            lines.contains { $0.contains(#""state":"waiting""#) } && lines.contains { $0.contains(#""state":"fallback""#) }
        }
        let fallback = try #require(demo.stdout.all.first { $0.contains(#""state":"fallback""#) })
        #expect(fallback.contains("websocket upgrade answered HTTP 404"))
        demo.signal(SIGTERM)
        #expect(try await demo.exitStatus(timeout: 20) == 0)
    }
}
