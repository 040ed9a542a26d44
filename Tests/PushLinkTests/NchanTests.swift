import Foundation
import LiveModel
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
                return batch.messages.contains { f in
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

    /// The subscriber's path stops (a relay in front of nginx is stopped with SIGSTOP, then
    /// killed) while 20 messages are published to a channel that keeps 5: the resume gets message
    /// 19, and Nchan's ids prove 15 were skipped. Nchan counts ids within one second, so an attempt
    /// whose ids span a second boundary can only say "may have been skipped"; that is checked too,
    /// and the attempt is made again on a new channel (at most 4 times).
    @Test(arguments: [Transport.sse, .longpoll])
    func resumingPastTheBufferReportsTheSkippedCount(_ transport: Transport) async throws {
        let nchan = try await NchanServer()
        try await nchan.start()
        defer { nchan.stop() }
        let python = try RealServerTests.require("python3", "apt-get install python3")
        var proven: Int?
        for attempt in 1...4 where proven == nil {
            let relayPort = try TestEnvironment.freePort()
            let relayArguments = [try RealServerTests.fixture("byte_relay.py"), "--ttl", "120", "--target", String(nchan.port),
                                  "--port", String(relayPort)]
            let channel = "skip\(transport.rawValue)\(attempt)"
            var (relay, _) = try await ExternalProcess.startServer(python, relayArguments)
            let run = try LinkRun(url: "http://127.0.0.1:\(relayPort)/sub/\(channel)") { $0.transport = transport }
            // An event stream is subscribed once open; a long poll asks for the oldest message,
            // so it finds message 1 whenever it arrives.
            if transport == .sse { try await run.waitForState(20, "open") { $0.isOpen } }
            // One publisher, started before and told when to publish each step (1-3, then 4-23), so
            // no process start falls between message 3 and message 19.
            let publisher = ExternalProcess(python, [try RealServerTests.fixture("nchan_publish.py"), "--port", String(nchan.port),
                                                     "--channel", channel, "--from", "1", "--to", "23", "--steps", "3,23",
                                                     "--location", "pubsmall"])
            try publisher.start()
            defer { publisher.stop() }
            // Start early in a second, so that messages 3 and 19 are likely published within it.
            let now = Double(Link.wallClock()) / 1e9
            if now - now.rounded(.down) > 0.2 { try await Task.sleep(for: .seconds(now.rounded(.up) - now)) }
            publisher.write("go\n")
            try await run.waitForMessages(3, timeout: 20)
            relay.signal(SIGSTOP)
            publisher.write("go\n")
            #expect(try await publisher.exitStatus(timeout: 30) == 0)
            relay.signal(SIGKILL)
            try await relay.stopped()
            (relay, _) = try await ExternalProcess.startServer(python, relayArguments)
            try await run.events.wait(30, for: "message 23 after the resume") { events in
                events.contains { event in
                    guard case .messages(let batch) = event else { return false }
                    return batch.messages.contains { f in
                        String(decoding: batch.bytes[f.offset..<(f.offset + f.length)], as: UTF8.self) == #"{"n":23}"#
                    }
                }
            }
            let gaps = run.states.compactMap { state -> (Int?, String)? in
                if case .gap(_, let reason, let missed) = state { return (missed, reason) } else { return nil }
            }
            print("Nchan \(transport) resume past a buffer of 5 (attempt \(attempt)): received \(Self.numbers(run.messages)), "
                  + "gaps \(gaps.map { "missed=\($0.0.map(String.init) ?? "unknown"): \($0.1)" })")
            #expect(Self.numbers(run.messages) == [1, 2, 3, 19, 20, 21, 22, 23])
            #expect(gaps.count == 1)
            if let gap = gaps.first {
                if let missed = gap.0 {
                    #expect(missed == 15)
                    proven = missed
                } else {
                    #expect(gap.1.contains("may have been skipped"))
                }
            }
            #expect(await run.stop())
            try await relay.stopped()
        }
        #expect(proven == 15, "no attempt had its ids within one second")
    }

    /// The nginx worker is killed (SIGKILL, by PID) mid-feed and nginx's master starts another:
    /// the WebSocket (ws+meta.nchan) resumes and 300 published give 300 received, none twice.
    @Test func aKilledWorkerLosesAndRepeatsNothingOverWebSocket() async throws {
        let nchan = try await NchanServer()
        try await nchan.start()
        defer { nchan.stop() }
        let channel = "workerkill"
        try await nchan.publish(channel, 1...1)
        let run = try LinkRun(url: Self.url(.websocket, port: nchan.port, channel: channel)) { $0.transport = .websocket }
        try await run.waitForMessages(1, timeout: 20)
        try await nchan.publish(channel, 2...150)
        try await run.waitForMessages(150, timeout: 60)
        let workers = nchan.workerPIDs()
        #expect(workers.count == 1, "nginx workers: \(workers)")
        for worker in workers { kill(worker, SIGKILL) }
        try await run.waitForStates(30, "open again after the worker died") { $0.filter(\.isOpen).count >= 2 }
        try await nchan.publish(channel, 151...300)
        try await run.events.wait(60, for: "message 300") { events in
            events.contains { event in
                guard case .messages(let batch) = event else { return false }
                return batch.messages.contains { f in
                    String(decoding: batch.bytes[f.offset..<(f.offset + f.length)], as: UTF8.self) == #"{"n":300}"#
                }
            }
        }
        let numbers = Self.numbers(run.messages)
        let repeats = run.states.reduce(0) { n, s in if case .repeated(_, let count, _) = s { return n + count } else { return n } }
        let gaps = run.states.compactMap { s -> String? in if case .gap(_, let reason, _) = s { return reason } else { return nil } }
        print("Nchan WebSocket, worker \(workers) killed: 300 published, \(numbers.count) received, \(Set(numbers).count) distinct, "
              + "\(repeats) repeats dropped, gaps: \(gaps)")
        #expect(numbers == Array(1...300))
        #expect(!nchan.workerPIDs().isEmpty)
        #expect(await run.stop())
    }
}
