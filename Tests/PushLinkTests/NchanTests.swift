import Foundation
import NIOCore
import NIOPosix
import Testing
import TestSupport
@testable import PushLink

/// A private nginx + Nchan (Debian's nginx and libnginx-mod-nchan) on a free 127.0.0.1 port,
/// in the foreground so that the test owns it and stops it by PID.
final class NchanServer: @unchecked Sendable {
    let prefix: URL
    let port: Int
    private(set) var process: ExternalProcess?

    init(prefix: URL? = nil, port: Int? = nil) async throws {
        self.prefix = try prefix ?? TestEnvironment.temporaryDirectory()
        if let port {
            self.port = port
        } else {
            // A port the kernel just handed out and took back: racy in theory, fine on loopback.
            let probe = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
            self.port = probe.localAddress!.port!
            try await probe.close()
        }
    }

    func start() async throws {
        let env = ProcessInfo.processInfo.environment
        let nginx = env["LIVETOP_NGINX"] ?? TestEnvironment.which("nginx") ?? "/usr/sbin/nginx"
        let module = env["LIVETOP_NCHAN_MODULE"] ?? "/usr/lib/nginx/modules/ngx_nchan_module.so"
        guard FileManager.default.isExecutableFile(atPath: nginx), FileManager.default.fileExists(atPath: module) else {
            throw MissingTool(description: "nginx with Nchan is missing (apt-get install nginx libnginx-mod-nchan); Scripts/test.sh installs it")
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: prefix.path)
        let template = try String(contentsOfFile: try RealServerTests.fixture("nchan.conf.template"), encoding: .utf8)
        let config = template
            .replacingOccurrences(of: "@NCHAN_MODULE@", with: module)
            .replacingOccurrences(of: "@PREFIX@", with: prefix.path)
            .replacingOccurrences(of: "@PORT@", with: String(port))
            // Log to stderr, so that "start worker process" tells the test nginx is ready.
            .replacingOccurrences(of: "error_log \(prefix.path)/error.log info;", with: "error_log stderr notice;")
        let conf = prefix.appendingPathComponent("nginx.conf")
        try config.write(to: conf, atomically: true, encoding: .utf8)
        let process = ExternalProcess(nginx, ["-p", prefix.path, "-c", conf.path, "-e", "stderr"])
        try process.start()
        self.process = process
        try await process.stderr.wait(30, for: "nginx to start a worker") { $0.contains { $0.contains("start worker process") } }
    }

    func stop() { process?.stop() }

    func publish(_ channel: String, _ range: ClosedRange<Int>) async throws {
        let python = try RealServerTests.require("python3", "apt-get install python3")
        let publisher = ExternalProcess(python, [try RealServerTests.fixture("nchan_publish.py"), "--port", String(port),
                                                 "--channel", channel, "--from", String(range.lowerBound), "--to", String(range.upperBound)])
        try publisher.start()
        #expect(try await publisher.exitStatus(timeout: 60) == 0, "\(publisher.stderr.all)")
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: prefix)
    }
}

@Suite(.serialized, .timeLimit(.minutes(3))) struct NchanTests {
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

        nchan.stop()
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
}
