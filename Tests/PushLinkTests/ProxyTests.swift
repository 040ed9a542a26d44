import FeedServe
import Foundation
import LinkWire
import LiveModel
import Testing
import TestSupport
@testable import PushLink

/// Which proxy a URL goes through, as curl decides it.
@Suite struct ProxySettingsTests {
    @Test(arguments: [
        ("http://127.0.0.1:8888", "http://127.0.0.1:8888"),
        ("proxy.example:3128", "http://proxy.example:3128"),
        ("socks5://[::1]:1081", "socks5://[::1]:1081"),
        ("socks5h://gw", "socks5h://gw:1080"),
        ("http://user:p%40ss@127.0.0.1:8888/", "http://127.0.0.1:8888"),
    ])
    func parsesProxyURLs(_ text: String, _ expected: String) throws {
        #expect(try Proxy(text).description == expected)
    }

    @Test func credentialsArePercentDecoded() throws {
        let proxy = try Proxy("http://user:p%40ss@127.0.0.1:8888")
        #expect(proxy.username == "user" && proxy.password == "p@ss")
    }

    @Test(arguments: ["https://proxy:443", "ftp://x", "http://:80", "http://h:0", "http://h:99999"])
    func rejectsWhatItCannotUse(_ text: String) {
        #expect(throws: LinkError.self) { try Proxy(text) }
    }

    @Test(arguments: [
        // url, environment, expected proxy (nil: direct)
        ("ws://feed.example/x", ["http_proxy": "http://p:1"], "http://p:1"),
        ("wss://feed.example/x", ["http_proxy": "http://p:1"], nil),
        ("wss://feed.example/x", ["HTTPS_PROXY": "http://p:2"], "http://p:2"),
        ("https://feed.example/x", ["https_proxy": "http://p:2", "HTTPS_PROXY": "http://q:3"], "http://p:2"),
        ("http://feed.example/x", ["ALL_PROXY": "socks5h://s:1080"], "socks5h://s:1080"),
        ("http://feed.example/x", ["all_proxy": "socks5://s:1080", "NO_PROXY": "example"], nil),
        ("http://feed.example/x", ["all_proxy": "socks5://s:1080", "NO_PROXY": "ample"], "socks5://s:1080"),
        ("http://feed.example/x", ["all_proxy": "socks5://s:1080", "no_proxy": ".example"], nil),
        ("http://a.feed.example/x", ["all_proxy": "socks5://s:1080", "no_proxy": "localhost, feed.example"], nil),
        ("http://10.1.2.3/x", ["all_proxy": "http://p:1", "no_proxy": "10.0.0.0/8"], nil),
        ("http://11.1.2.3/x", ["all_proxy": "http://p:1", "no_proxy": "10.0.0.0/8"], "http://p:1"),
        ("http://127.0.0.1:9/x", ["all_proxy": "http://p:1", "no_proxy": "*"], nil),
        ("http://h/x", ["http_proxy": ""], nil),
    ] as [(String, [String: String], String?)])
    func followsTheEnvironmentAsCurlDoes(_ url: String, _ env: [String: String], _ expected: String?) throws {
        #expect(try ProxySettings(.environment(env)).proxy(for: FeedURL(url))?.description == expected)
    }

    @Test func anExplicitProxyStillHonoursNoProxyAndNoProxyWins() throws {
        let settings = try ProxySettings.from(proxy: "http://p:1", noProxy: false, environment: ["no_proxy": "127.0.0.1"])
        #expect(try settings.proxy(for: FeedURL("ws://127.0.0.1:9/")) == nil)
        #expect(try settings.proxy(for: FeedURL("ws://feed/"))?.description == "http://p:1")
        let none = try ProxySettings.from(proxy: nil, noProxy: true, environment: ["all_proxy": "http://p:1"])
        #expect(try none.proxy(for: FeedURL("ws://feed/")) == nil)
    }
}

/// A real proxy (Debian's tinyproxy for HTTP CONNECT, dante for SOCKS5) on a free 127.0.0.1 port,
/// in the foreground, stopped by PID. Started with posix_spawn, not Foundation's Process: both
/// close their inherited descriptors at start, which makes Foundation's child monitor block in
/// waitpid on them and stall every other process's termination handler.
final class ProxyServer: @unchecked Sendable {
    let port: Int
    let url: String
    private let pid: pid_t
    private let dir: URL
    private let logPath: String
    private var stopped = false

    static func tinyproxy(basicAuth: (String, String)? = nil) async throws -> ProxyServer {
        let binary = try RealServerTests.require("tinyproxy", "apt-get install tinyproxy")
        let port = try TestEnvironment.freePort()
        let dir = try TestEnvironment.temporaryDirectory()
        var config = """
            Port \(port)
            Listen 127.0.0.1
            Timeout 60
            Allow 127.0.0.1
            MaxClients 50
            LogLevel Info
            LogFile "\(dir.appendingPathComponent("proxy.log").path)"
            DisableViaHeader Yes
            User nobody
            Group nogroup

            """
        if let (user, password) = basicAuth { config += "BasicAuth \(user) \(password)\n" }
        let path = dir.appendingPathComponent("tinyproxy.conf")
        try config.write(to: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: dir.path)
        let credentials = basicAuth.map { "\($0.0):\($0.1)@" } ?? ""
        return try await ProxyServer(binary, ["-d", "-c", path.path], port: port, url: "http://\(credentials)127.0.0.1:\(port)", dir: dir)
    }

    static func dante(resolveAtProxy: Bool) async throws -> ProxyServer {
        let binary = try RealServerTests.require("danted", "apt-get install dante-server")
        let port = try TestEnvironment.freePort()
        let dir = try TestEnvironment.temporaryDirectory()
        let config = """
            logoutput: stderr
            internal: 127.0.0.1 port = \(port)
            external: 127.0.0.1
            socksmethod: none
            clientmethod: none
            user.privileged: root
            user.unprivileged: nobody
            client pass { from: 127.0.0.0/8 to: 0.0.0.0/0 }
            socks pass { from: 127.0.0.0/8 to: 0.0.0.0/0 }

            """
        let path = dir.appendingPathComponent("danted.conf")
        try config.write(to: path, atomically: true, encoding: .utf8)
        return try await ProxyServer(binary, ["-f", path.path, "-p", dir.appendingPathComponent("danted.pid").path], port: port,
                                     url: "\(resolveAtProxy ? "socks5h" : "socks5")://127.0.0.1:\(port)", dir: dir)
    }

    private init(_ binary: String, _ arguments: [String], port: Int, url: String, dir: URL) async throws {
        self.port = port
        self.url = url
        self.dir = dir
        logPath = dir.appendingPathComponent("proxy.log").path
        // A process group of its own: both proxies fork workers that keep the listening socket, so
        // stopping means signalling the whole group.
        pid = try TestEnvironment.spawn([binary] + arguments, stdout: dir.appendingPathComponent("stdout.log").path,
                                        stderr: dir.appendingPathComponent("stderr.log").path, newProcessGroup: true)
        // Ready when it accepts a connection.
        try await eventually(20, "\(binary) to listen on \(port)") { ProxyServer.accepts(port) }
    }

    static func accepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    /// What it logged (tinyproxy's log file, dante's stderr).
    var log: [String] {
        [logPath, dir.appendingPathComponent("stderr.log").path, dir.appendingPathComponent("stdout.log").path]
            .compactMap { try? String(contentsOfFile: $0, encoding: .utf8) }.flatMap { $0.split(separator: "\n").map(String.init) }
    }

    /// SIGTERM to its group, then SIGKILL if it is still there after 2 s; reaped; its workers
    /// (same group) are killed too, so no listening socket outlives the test.
    func stop() {
        guard !stopped else { return }
        stopped = true
        kill(-pid, SIGTERM)
        // Waiting happens off the cooperative pool (see TestEnvironment.waitForExit): a proxy that
        // ignores SIGTERM is killed after 2 s; waitpid returns when it is gone either way.
        let (pid, dir) = (self.pid, self.dir)
        TestEnvironment.offPool {
            let reaped = Flag()
            DispatchQueue.global().asyncAfter(deadline: .now() + 2) {
                if !reaped.isSet { kill(-pid, SIGKILL) }
            }
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            reaped.set()
            kill(-pid, SIGKILL)  // workers that outlived the main process
            try? FileManager.default.removeItem(at: dir)
        }
    }


    deinit { stop() }
}

/// Every transport through tinyproxy (HTTP CONNECT, also with Basic auth) and dante (SOCKS5, the
/// name resolved here or at the proxy); no_proxy respected; a dead proxy one clear error.
@Suite(.timeLimit(.minutes(2)), .startsProcesses) struct ProxyTests {
    static func feed() async throws -> (FeedServer, Int) {
        let buffer = FeedBuffer()
        for n in 1...50 { buffer.publish(text: #"{"n":\#(n)}"#) }
        let server = FeedServer(buffer: buffer)
        return (server, try await server.start())
    }

    static func receivesEverything(through proxy: String, transport: Transport, host: String = "127.0.0.1") async throws {
        let (server, port) = try await feed()
        defer { Task { await server.stop() } }
        let scheme = transport == .websocket ? "ws" : "http"
        let settings = ProxySettings(.explicit(try Proxy(proxy), noProxy: nil))
        let run = try LinkRun(url: "\(scheme)://\(host):\(port)/") {
            $0.transport = transport
            $0.proxies = settings
        }
        try await run.waitForMessages(50, timeout: 30)
        #expect(run.messages == (1...50).map { #"{"n":\#($0)}"# })
        #expect(await run.stop())
    }

    @Test(arguments: [Transport.websocket, .sse, .longpoll])
    func throughTinyproxy(_ transport: Transport) async throws {
        let proxy = try await ProxyServer.tinyproxy()
        defer { proxy.stop() }
        try await Self.receivesEverything(through: proxy.url, transport: transport)
        #expect(proxy.log.contains { $0.contains("CONNECT") }, "\(proxy.log.suffix(5))")
        proxy.stop()
    }

    @Test func throughTinyproxyWithBasicAuth() async throws {
        let proxy = try await ProxyServer.tinyproxy(basicAuth: ("feeder", "s3cret"))
        defer { proxy.stop() }
        try await Self.receivesEverything(through: proxy.url, transport: .websocket)
        // Without the credentials the proxy says 407: a fatal error that names it.
        let (server, port) = try await Self.feed()
        defer { Task { await server.stop() } }
        let withoutCredentials = ProxySettings(.explicit(try Proxy("http://127.0.0.1:\(proxy.port)"), noProxy: nil))
        let run = try LinkRun(url: "ws://127.0.0.1:\(port)/") {
            $0.transport = .websocket
            $0.proxies = withoutCredentials
        }
        try await run.waitForState(20, "failed") { $0.failedError != nil }
        let error = try #require(run.states.compactMap { $0.failedError }.first)
        #expect(error.description == "proxy http://127.0.0.1:\(proxy.port): it wants proxy authentication (HTTP 407 Proxy Authentication Required)")
        #expect(await run.stop())
        // Wrong credentials: tinyproxy says 401; fatal too, with no retry.
        let wrongCredentials = ProxySettings(.explicit(try Proxy("http://feeder:wrong@127.0.0.1:\(proxy.port)"), noProxy: nil))
        let wrong = try LinkRun(url: "ws://127.0.0.1:\(port)/") {
            $0.transport = .websocket
            $0.proxies = wrongCredentials
        }
        try await wrong.waitForState(20, "failed") { $0.failedError != nil }
        let refused = try #require(wrong.states.compactMap { $0.failedError }.first)
        #expect(refused.description.hasPrefix("proxy http://127.0.0.1:\(proxy.port): it refused the proxy credentials (HTTP 40"), "\(refused)")
        #expect(!wrong.states.contains { if case .waiting = $0 { true } else { false } }, "retried: \(wrong.states)")
        #expect(await wrong.stop())
    }

    @Test(arguments: [(Transport.websocket, false), (.sse, true), (.longpoll, false), (.websocket, true)])
    func throughDante(_ transport: Transport, _ resolveAtProxy: Bool) async throws {
        let proxy = try await ProxyServer.dante(resolveAtProxy: resolveAtProxy)
        defer { proxy.stop() }
        // "localhost": resolved here (socks5) or by the proxy (socks5h).
        try await Self.receivesEverything(through: proxy.url, transport: transport, host: "localhost")
    }

    /// The transports that are not the reference server's: a JSON stream and Socket.IO, each
    /// through both proxies.
    @Test(arguments: [true, false])
    func streamAndSocketIOThroughBothProxies(_ http: Bool) async throws {
        let proxy = http ? try await ProxyServer.tinyproxy() : try await ProxyServer.dante(resolveAtProxy: true)
        defer { proxy.stop() }
        let settings = ProxySettings(.explicit(try Proxy(proxy.url), noProxy: nil))
        let (ndjson, streamPort) = try await StreamLinkTests.startFeed(["--total", "300"])
        defer { ndjson.stop() }
        let stream = try LinkRun(url: "http://127.0.0.1:\(streamPort)/watch") {
            $0.transport = .stream
            $0.proxies = settings
        }
        try await stream.waitForMessages(300, timeout: 30)
        #expect(StreamLinkTests.numbers(stream.messages) == Array(1...300))
        #expect(await stream.stop())
        let (sio, sioPort) = try await SocketIOTests.start(["--count", "200"])
        defer { sio.stop() }
        let socketio = try LinkRun(url: "socketio://127.0.0.1:\(sioPort)/") {
            $0.sendEvents = [("subscribe", "{}")]
            $0.proxies = settings
        }
        try await socketio.waitForMessages(200, timeout: 30)
        #expect(SocketIOTests.numbers(socketio.messages) == Array(1...200))
        #expect(await socketio.stop())
    }

    @Test func noProxyGoesDirectPastADeadProxy() async throws {
        let dead = try TestEnvironment.freePort()
        let (server, port) = try await Self.feed()
        defer { Task { await server.stop() } }
        let run = try LinkRun(url: "ws://127.0.0.1:\(port)/") {
            $0.proxies = ProxySettings(.environment(["http_proxy": "http://127.0.0.1:\(dead)", "no_proxy": "localhost,127.0.0.1"]))
        }
        try await run.waitForMessages(50, timeout: 30)
        #expect(await run.stop())
    }

    @Test(arguments: ["http", "socks5"])
    func aDeadProxyIsOneErrorNamingIt(_ scheme: String) async throws {
        let dead = try TestEnvironment.freePort()
        let settings = ProxySettings(.explicit(try Proxy("\(scheme)://127.0.0.1:\(dead)"), noProxy: nil))
        let run = try LinkRun(url: "ws://127.0.0.1:9/") {
            $0.transport = .websocket
            $0.proxies = settings
        }
        try await run.waitForState(20, "waiting") { $0.waitingError != nil }
        let error = try #require(run.states.compactMap { $0.waitingError }.first)
        #expect(error.description == "proxy \(scheme)://127.0.0.1:\(dead): connection refused")
        #expect(await run.stop())
    }
}
