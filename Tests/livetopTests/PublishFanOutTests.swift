import Foundation
import Testing
import TestSupport

/// The fan-out shape of the README, for real: one redis-server, two nginx + Nchan instances
/// clustered over it (nchan_redis.conf.template), `livetop publish` into the first, and a
/// `livetop --headless` subscriber on each.
@Suite(.timeLimit(.minutes(4)), .startsProcesses) struct PublishFanOutTests {
    @Test func twoNginxSharingRedisDeliverEveryLineOnceInOrder() async throws {
        let redis = try RedisServer()
        try await redis.start()
        var servers: [NchanServer] = []
        defer { servers.forEach { $0.stop() } }
        for _ in 0..<2 {
            let server = try await NchanServer(template: "nchan_redis.conf.template", replacements: ["@REDIS_PORT@": String(redis.port)])
            try await server.start()
            servers.append(server)
        }
        var subscribers: [ExternalProcess] = []
        defer { subscribers.forEach { $0.stop() } }
        for server in servers {
            subscribers.append(try await PublishEndToEndTests.subscriber("ws://127.0.0.1:\(server.port)/sub/host1"))
        }
        let publisher = ExternalProcess(HeadlessEndToEndTests.binary, ["publish", "http://127.0.0.1:\(servers[0].port)/pub/host1"])
        try publisher.start()
        defer { publisher.stop() }
        publisher.write(PublishEndToEndTests.input(1...10_000))
        publisher.closeInput()
        #expect(try await publisher.exitStatus(timeout: 120) == 0, "\(publisher.stderr.all)")
        #expect(try await PublishEndToEndTests.acknowledged(publisher) == 10_000, "\(publisher.stderr.all)")
        for (index, subscriber) in subscribers.enumerated() {
            try await PublishEndToEndTests.wait(subscriber, for: 10_000)
            let numbers = PublishEndToEndTests.numbers(subscriber)
            #expect(numbers.count == 10_000, "subscriber on nginx \(index + 1)")
            let difference = zip(numbers, 1...).first { $0 != $1 }
            #expect(numbers == Array(1...10_000), "subscriber on nginx \(index + 1): first difference at \(String(describing: difference))")
        }
        try await redis.stopped()
    }
}
