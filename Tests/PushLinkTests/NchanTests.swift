import Foundation
import NIOCore
import NIOPosix
import Testing
import TestSupport
@testable import PushLink

@Suite(.serialized, .timeLimit(.minutes(3)), .startsProcesses) struct NchanTests {
    static func url(_ transport: Transport, port: Int, channel: String) -> String {
        "\(transport == .websocket ? "ws" : "http")://127.0.0.1:\(port)/sub/\(channel)"
    }

    static func numbers(_ messages: [String]) -> [Int] {
        messages.compactMap { ((try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Int])?["n"] }
    }

    /// Each transport delivers 1,000 messages published while subscribed, exactly once and in order.
    @Test(arguments: [Transport.websocket, .sse, .longpoll])
    func deliversEveryPublishedMessageOnceInOrder(_ transport: Transport) async throws {
        let nchan = try await NchanServer()
        try await nchan.start()
        defer { nchan.stop() }
        let channel = "every\(transport.rawValue)"
        // The first message proves the subscription is in place before the rest is published.
        try await nchan.publish(channel, 1...1)
        let run = try LinkRun(url: Self.url(transport, port: nchan.port, channel: channel)) { $0.transport = transport }
        try await run.waitForMessages(1, timeout: 20)
        try await nchan.publish(channel, 2...1000)
        try await run.waitForMessages(1000, timeout: 60)
        #expect(Self.numbers(run.messages) == Array(1...1000))
        #expect(run.messages.count == 1000)
        #expect(await run.stop())
    }

    /// Nchan holds a long poll for as long as it has nothing (up to the 150 s poll timeout):
    /// `stop()` ends that poll at once instead of waiting for an answer.
    @Test func stoppingDuringAHeldPollEndsTheRunAtOnce() async throws {
        let nchan = try await NchanServer()
        try await nchan.start()
        defer { nchan.stop() }
        try await nchan.publish("held", 1...1)
        let run = try LinkRun(url: Self.url(.longpoll, port: nchan.port, channel: "held")) { $0.transport = .longpoll }
        try await run.waitForMessages(1, timeout: 20)
        // The next poll is on its way or held; the link is told to stop either way.
        run.requestStop()
        try await run.events.wait(20, for: "the run to end while Nchan holds the poll", until: { _ in false },
                                  ignoringTimeoutIfFinished: true)
        #expect(await run.runner.value == true)
        #expect(run.messages == [#"{"n":1}"#])
    }

    /// nginx stops mid-stream and starts again on the same port: livetop reconnects by itself and
    /// goes on receiving, in order and without duplicates.
    @Test(arguments: [Transport.websocket, .sse, .longpoll])
    func recoversWhenNginxRestarts(_ transport: Transport) async throws {
        let nchan = try await NchanServer()
        try await nchan.start()
        let channel = "restart\(transport.rawValue)"
        try await nchan.publish(channel, 1...1)
        let run = try LinkRun(url: Self.url(transport, port: nchan.port, channel: channel)) { $0.transport = transport }
        try await run.waitForMessages(1, timeout: 20)
        try await nchan.publish(channel, 2...300)
        try await run.waitForMessages(300, timeout: 60)

        try await nchan.stopped()
        try await run.waitForState(20, "waiting after nginx stopped") { $0.waitingError != nil }
        let again = try await NchanServer(prefix: nchan.prefix, port: nchan.port)
        try await again.start()
        defer { again.stop() }
        try await again.publish(channel, 301...600)
        try await run.waitForStates(30, "open again") { $0.filter(\.isOpen).count >= 2 }
        try await run.events.wait(60, for: "the last message after the restart") { events in
            events.contains { event in
                guard case .messages(let batch) = event else { return false }
                return batch.frames.contains { f in
                    String(decoding: batch.bytes[f.offset..<(f.offset + f.length)], as: UTF8.self) == #"{"n":600}"#
                }
            }
        }
        let numbers = Self.numbers(run.messages)
        #expect(Array(numbers.prefix(300)) == Array(1...300))
        #expect(numbers == numbers.sorted() && Set(numbers).count == numbers.count, "duplicates or disorder")
        #expect(numbers.last == 600)
        #expect(await run.stop())
    }

    /// Nchan's permessage-deflate: large, repetitive messages published to a channel arrive whole
    /// over a compressed WebSocket, with far fewer bytes on the wire (counted by a relay).
    @Test func nchanCompressesForAWebSocketThatOffersDeflate() async throws {
        let nchan = try await NchanServer()
        try await nchan.start()
        defer { nchan.stop() }
        let message = #"{"services":["# + (1...200).map { #"{"name":"service-\#($0)","status":"up","latency_ms":12.5}"# }.joined(separator: ",") + "]}"
        for _ in 1...20 { try await nchan.publish("zipped", text: message) }
        let python = try RealServerTests.require("python3", "apt-get install python3")
        let (relay, relayPort) = try await ExternalProcess.startServer(python, [try RealServerTests.fixture("byte_relay.py"), "--ttl", "90",
                                                                                "--target", String(nchan.port),
                                                                                "--port", String(try TestEnvironment.freePort())])
        defer { relay.stop() }
        let run = try LinkRun(url: "ws://127.0.0.1:\(relayPort)/sub/zipped") { $0.transport = .websocket }
        try await run.waitForMessages(20, timeout: 30)
        #expect(run.messages.allSatisfy { $0 == message })
        #expect(await run.stop())
        try await relay.stdout.wait(20, for: "the relay's count") { $0.contains { $0.hasPrefix("DOWN=") } }
        let line = try #require(relay.stdout.all.first { $0.hasPrefix("DOWN=") })
        let wire = Int(line.dropFirst(5).prefix { $0.isNumber }) ?? .max
        let delivered = 20 * message.utf8.count
        print("Nchan permessage-deflate: \(delivered) bytes delivered from \(wire) on the wire")
        #expect(wire * 5 < delivered)
    }
}
