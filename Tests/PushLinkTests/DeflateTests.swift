import Foundation
import LinkWire
import LiveModel
import Testing
import TestSupport
@testable import PushLink

/// permessage-deflate (RFC 7692): negotiation, a compressed feed from Python `websockets` (its
/// default) with the bytes on the wire counted, and a compression bomb held to the message limit.
@Suite struct PerMessageDeflateNegotiationTests {
    @Test(arguments: [
        ("permessage-deflate", PerMessageDeflate()),
        ("permessage-deflate; server_no_context_takeover; client_max_window_bits=12", {
            var p = PerMessageDeflate()
            p.serverNoContextTakeover = true
            p.clientMaxWindowBits = 12
            return p
        }()),
        ("permessage-deflate; server_max_window_bits=\"10\"; client_no_context_takeover", {
            var p = PerMessageDeflate()
            p.serverMaxWindowBits = 10
            p.clientNoContextTakeover = true
            return p
        }()),
    ])
    func readsTheServersAnswer(_ header: String, _ expected: PerMessageDeflate) throws {
        #expect(try PerMessageDeflate.negotiated(header, offered: true) == expected)
    }

    @Test func noAnswerMeansNoCompression() throws {
        #expect(try PerMessageDeflate.negotiated(nil, offered: true) == nil)
        #expect(try PerMessageDeflate.negotiated("", offered: false) == nil)
    }

    @Test(arguments: [
        ("permessage-deflate", false),  // not offered (--no-deflate)
        ("x-webkit-deflate-frame", true),
        ("permessage-deflate; server_max_window_bits=7", true),
        ("permessage-deflate; server_max_window_bits", true),
        ("permessage-deflate; mystery=1", true),
        ("permessage-deflate; server_no_context_takeover; server_no_context_takeover", true),
        ("permessage-deflate, permessage-deflate", true),
    ])
    func refusesWhatWasNotOfferedOrIsMalformed(_ header: String, _ offered: Bool) {
        #expect(throws: LinkError.self) { try PerMessageDeflate.negotiated(header, offered: offered) }
    }
}

@Suite(.timeLimit(.minutes(2)), .startsProcesses) struct DeflateTests {
    static func start(_ fixture: String, _ arguments: [String]) async throws -> (ExternalProcess, Int) {
        let python = try RealServerTests.require("python3", "apt-get install python3")
        return try await ExternalProcess.startServer(python, [try RealServerTests.fixture(fixture), "--ttl", "90",
                                                                "--port", String(try TestEnvironment.freePort())] + arguments, timeout: 60)
    }

    /// 2,000 metrics messages through a counting relay, with and without deflate: the same
    /// messages arrive; the compressed run puts a fraction of the bytes on the wire.
    @Test func aCompressedFeedArrivesWholeWithFewerBytesOnTheWire() async throws {
        var wire: [Bool: Int] = [:]
        var delivered = 0
        for deflate in [true, false] {
            let (feed, feedPort) = try await Self.start("ws_deflate_feed.py", ["--count", "2000"])
            defer { feed.stop() }
            let (relay, relayPort) = try await Self.start("byte_relay.py", ["--target", String(feedPort)])
            defer { relay.stop() }
            var c = LinkConfiguration(url: try FeedURL("ws://127.0.0.1:\(relayPort)/"))
            c.transport = .websocket
            c.deflate = deflate
            c.reconnect.exitOnClose = true
            let run = LinkRun(c)
            try await run.waitForMessages(2000, timeout: 60)
            #expect(await run.runner.value)
            let numbers = run.messages.compactMap { ((try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any])?["seq"] as? Int }
            #expect(numbers == Array(1...2000))
            let extensionLine = deflate ? "EXT=permessage-deflate" : "EXT="
            try await feed.stdout.wait(20, for: "\(extensionLine) in the feed's log") { $0.contains(extensionLine) }
            try await relay.stdout.wait(20, for: "the relay's count") { $0.contains { $0.hasPrefix("DOWN=") } }
            let line = try #require(relay.stdout.all.first { $0.hasPrefix("DOWN=") })
            wire[deflate] = Int(line.dropFirst(5).prefix { $0.isNumber }) ?? 0
            delivered = run.messages.reduce(0) { $0 + $1.utf8.count }
        }
        let compressed = try #require(wire[true]), plain = try #require(wire[false])
        print("permessage-deflate: \(delivered) bytes delivered; \(compressed) on the wire compressed "
              + "(ratio \(String(format: "%.1f", Double(delivered) / Double(compressed)))), \(plain) uncompressed")
        #expect(plain >= delivered)
        #expect(compressed * 3 < delivered)
    }

    /// One message that inflates to 1 GiB: closed with 1009 at the 16 MiB limit (the livetop
    /// binary's peak memory under the same bomb is checked in livetopTests).
    @Test func aCompressionBombIsClosedWith1009WithinTheMemoryBound() async throws {
        let (bomb, port) = try await Self.start("ws_bomb.py", [])
        defer { bomb.stop() }
        var c = LinkConfiguration(url: try FeedURL("ws://127.0.0.1:\(port)/"))
        c.transport = .websocket
        c.reconnect.exitOnClose = true
        let run = LinkRun(c)
        #expect(await !run.runner.value)
        let closed = run.states.last
        guard case .closed(let reason?) = closed else { Issue.record("\(run.states)"); return }
        #expect(reason == "message larger than 16777216 bytes; closed with 1009")
        try await bomb.stdout.wait(20, for: "the close code the bomb got") { $0.contains { $0.hasPrefix("CLOSE=") } }
        #expect(bomb.stdout.all.contains("CLOSE=1009"))
        #expect(run.messages.isEmpty)
    }
}
