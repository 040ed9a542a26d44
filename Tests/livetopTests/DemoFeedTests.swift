import Foundation
import LiveModel
import Testing
import TestSupport
@testable import livetop

@Suite struct DemoFeedTests {
    @Test(.offPool) func everyTickIsTheWholeStateAndEventsComeNowAndThen() async throws {
        var feed = DemoFeed(seed: 42)
        var events: [String] = []
        var start = Timestamp(rfc3339: Array("2026-11-26T10:00:00.000Z".utf8))!
        for tick in 0..<6000 {  // ten minutes at ten ticks a second
            if tick % 200 == 0 { await Task.yield() }  // other tests' in-process servers share these threads
            let messages = feed.tick(at: start)
            start = start + 0.1
            let state = try JSONValue(parsing: messages[0])
            let services = try #require(state[JSONPointer("/services")!]?.objectValue)
            #expect(services.count == 6)
            for (_, service) in services {
                let status = service.objectValue?["status"]
                #expect(status == "up" || status == "degraded" || status == "down")
            }
            let cpu = try #require(state[JSONPointer("/cpu_pct")!]?.numberValue)
            #expect((2...98).contains(cpu))
            for message in messages.dropFirst() {
                let event = try JSONValue(parsing: message)
                guard case .string(let text)? = event[JSONPointer("/event")!] else {
                    Issue.record("not an event: \(String(decoding: message, as: UTF8.self))")
                    continue
                }
                events.append(text)
            }
        }
        // About one event every few seconds: enough to watch, not a flood.
        #expect((40...600).contains(events.count), "\(events.count) events")
        #expect(events.contains { $0.contains("deployed") } && events.contains { $0.contains("degraded") })
        #expect(events.contains { $0.contains("recovered") })
    }

    @Test func theSameSeedGivesTheSameFeed() {
        var a = DemoFeed(seed: 9), b = DemoFeed(seed: 9), c = DemoFeed(seed: 10)
        let t = Timestamp(seconds: 1_800_000_000)
        let first = (0..<50).map { _ in a.tick(at: t) }
        #expect(first == (0..<50).map { _ in b.tick(at: t) })
        #expect(first != (0..<50).map { _ in c.tick(at: t) })
    }

    @Test func chaosDoesEachThingWithinItsBounds() {
        var schedule = ChaosSchedule(seed: 3, interval: .seconds(8))
        var kinds = Set<String>()
        for _ in 0..<200 {
            let (wait, action) = schedule.next()
            #expect(wait >= .seconds(4) && wait <= .seconds(12))
            switch action {
            case .dropConnections: kinds.insert("drop")
            case .refuseUpgrades(let d):
                kinds.insert("refuse")
                #expect(d >= .seconds(8) && d <= .seconds(16))
            case .stall(let d):
                kinds.insert("stall")
                #expect(d >= .milliseconds(2400) && d <= .milliseconds(5600))
            }
        }
        #expect(kinds == ["drop", "refuse", "stall"])
    }
}
