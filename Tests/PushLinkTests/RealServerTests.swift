import Foundation
import LiveModel
import Testing
import TestSupport
@testable import PushLink

/// The link against real third-party servers, started here on 127.0.0.1 and stopped by PID.
/// Under CI a missing server is a failure, never a silent skip (Scripts/test.sh installs them).
@Suite(.timeLimit(.minutes(2)), .startsProcesses) struct RealServerTests {
    static func fixture(_ name: String) throws -> String {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Servers"))
        return url.path
    }

    static func require(_ tool: String, _ hint: String) throws -> String {
        guard let path = TestEnvironment.which(tool) else {
            throw MissingTool(description: "\(tool) is missing (\(hint)); Scripts/test.sh installs it")
        }
        return path
    }

    /// Node's `ws` (Debian's node-ws): the greeting arrives, and the server receives the `--send` text.
    @Test func nodeWSServerGreetsAndReceivesTheClientsMessage() async throws {
        let node = try Self.require("node", "apt-get install nodejs node-ws")
        let (server, port) = try await ExternalProcess.startServer(
            node, [try Self.fixture("ws_greeter.js"), "--ttl", "60"],
            environment: ["NODE_PATH": ProcessInfo.processInfo.environment["NODE_PATH"] ?? "/usr/share/nodejs"])
        defer { server.stop() }
        let run = try LinkRun(url: "ws://127.0.0.1:\(port)/") { $0.sendOnOpen = ["Hello, I am the client!"] }
        try await run.waitForMessages(1)
        #expect(run.messages.first == "Hello, I am the server!")
        try await server.stdout.wait(30, for: "the server to log the client's message") {
            $0.contains("RECV Hello, I am the client!")
        }
        #expect(await run.stop())
    }

    /// Python `websockets`: text and binary echoes, and a 1 MiB message in one piece.
    @Test func pythonWebsocketsEchoServerEchoesEverything() async throws {
        let python = try Self.require("python3", "apt-get install python3")
        let (server, port) = try await ExternalProcess.startServer(python, [try Self.fixture("ws_echo.py"), "--ttl", "60"])
        defer { server.stop() }
        let big = String(repeating: "z", count: 1 << 20)
        let run = try LinkRun(url: "ws://127.0.0.1:\(port)/") { $0.sendOnOpen = [#"{"hello":1}"#, "plain", big] }
        try await run.waitForMessages(3)
        #expect(run.messages == [#"{"hello":1}"#, "plain", big])
        // Killing the server (SIGTERM closes with 1001) makes the link wait and retry.
        server.stop()
        try await run.waitForState(30, "waiting after the server went away") {
            $0.waitingError == .closedByPeer(code: 1001, reason: "") || $0.waitingError == .refused
                || $0.waitingError == .droppedWithoutClose
        }
        #expect(await run.stop())
    }

    /// wss with a certificate made now by openssl: trusted with --cacert, rejected without,
    /// accepted with --insecure.
    @Test func wssWithASelfSignedCertificate() async throws {
        let python = try Self.require("python3", "apt-get install python3")
        let openssl = try Self.require("openssl", "apt-get install openssl")
        let dir = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (cert, key) = try await Self.certificate(openssl, in: dir, name: "cert", cn: "localhost",
                                                     names: "DNS:localhost,IP:127.0.0.1")

        let (server, port) = try await ExternalProcess.startServer(
            python, [try Self.fixture("ws_echo.py"), "--ttl", "60", "--certfile", cert, "--keyfile", key])
        defer { server.stop() }

        for host in ["localhost", "127.0.0.1"] {
            let trusted = try LinkRun(url: "wss://\(host):\(port)/") {
                $0.caCertificateFile = cert
                $0.sendOnOpen = ["secure hello"]
            }
            try await trusted.waitForMessages(1)
            #expect(trusted.messages == ["secure hello"], "host \(host)")
            #expect(await trusted.stop())
        }

        let untrusted = try LinkRun(url: "wss://localhost:\(port)/") { $0.reconnect.exitOnClose = true }
        #expect(await untrusted.runner.value == false)
        guard case .closed(let reason?) = untrusted.states.last else { Issue.record("\(untrusted.states)"); return }
        #expect(reason == "TLS: certificate verification failed (use --cacert FILE, or --insecure to skip)")

        // A certificate for other names: failed at once (fatal: retried only at the longest
        // backoff), in curl's words, naming the host; never retried in a tight loop.
        let (otherCert, otherKey) = try await Self.certificate(openssl, in: dir, name: "other", cn: "example.com", names: "DNS:example.com")
        let (other, otherPort) = try await ExternalProcess.startServer(
            python, [try Self.fixture("ws_echo.py"), "--ttl", "60", "--certfile", otherCert, "--keyfile", otherKey])
        defer { other.stop() }
        let elsewhere = try LinkRun(url: "wss://127.0.0.1:\(otherPort)/") { $0.caCertificateFile = otherCert }
        try await elsewhere.waitForState(20, "failed") { $0.failedError != nil }
        #expect(await elsewhere.stop())
        #expect(elsewhere.states.compactMap(\.waitingError).isEmpty, "no transient retry: \(elsewhere.states)")
        #expect(elsewhere.states.compactMap(\.failedError).first?.description
                == "TLS: no alternative certificate subject name matches target host name '127.0.0.1'")

        let insecure = try LinkRun(url: "wss://localhost:\(port)/") {
            $0.insecure = true
            $0.sendOnOpen = ["anyway"]
        }
        try await insecure.waitForMessages(1)
        #expect(insecure.messages == ["anyway"])
        #expect(await insecure.stop())
    }

    /// A self-signed certificate and its key made now by openssl, for `names` (subjectAltName).
    static func certificate(_ openssl: String, in dir: URL, name: String, cn: String, names: String) async throws -> (cert: String, key: String) {
        let cert = dir.appendingPathComponent("\(name).pem").path
        let key = dir.appendingPathComponent("\(name)-key.pem").path
        let maker = ExternalProcess(openssl, [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=\(cn)",
            "-addext", "subjectAltName=\(names)", "-keyout", key, "-out", cert,
        ])
        try maker.start()
        #expect(try await maker.exitStatus(timeout: 30) == 0)
        return (cert, key)
    }
}
