import Foundation
import LiveModel
import Testing
import TestSupport
@testable import PushLink

/// Against a real nginx + Nchan: a late subscriber's backlog carries Nchan's publish time, from
/// its SSE ids (`SECONDS:TAG`) and its long-poll `Last-Modified` (docs/transports.md, "Server time").
@Suite(.serialized, .timeLimit(.minutes(2)), .startsProcesses) struct NchanServerTimeTests {
    @Test(arguments: [Transport.sse, .longpoll])
    func nchansBacklogCarriesItsPublishSecond(_ transport: Transport) async throws {
        let nchan = try await NchanServer()
        try await nchan.start()
        defer { nchan.stop() }
        let channel = "time\(transport.rawValue)"
        let before = Link.wallClock()
        try await nchan.publish(channel, 1...3)
        let after = Link.wallClock()
        // Subscribed after the publish: Nchan hands over what it kept.
        let run = try LinkRun(url: NchanTests.url(transport, port: nchan.port, channel: channel)) { $0.transport = transport }
        try await run.waitForMessages(3, timeout: 20)
        let times = BacklogTimeTests.serverTimes(run)
        print("Nchan over \(transport): server times \(times.map { $0.map { String($0 / 1_000_000_000) } ?? "none" })")
        #expect(times.count == 3)
        for time in times {
            // Nchan's time is the publish second: within the second the publish began in, or later.
            let t = try #require(time, "a message without a server time over \(transport)")
            #expect(t >= before / 1_000_000_000 * 1_000_000_000 && t <= after, "\(t) not in [\(before), \(after)]")
        }
        #expect(await run.stop())
    }
}
