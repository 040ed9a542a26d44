import Foundation

/// A private nginx + Nchan (Debian's nginx and libnginx-mod-nchan) on a free 127.0.0.1 port,
/// in the foreground so that the test owns it and stops it by PID.
public final class NchanServer: @unchecked Sendable {
    public let prefix: URL
    public let port: Int
    private(set) var process: ExternalProcess?
    /// The config template in Tests/PushLinkTests/Servers, and values for its own placeholders.
    private let template: String
    private let replacements: [String: String]

    public init(prefix: URL? = nil, port: Int? = nil, template: String = "nchan.conf.template",
                replacements: [String: String] = [:]) async throws {
        self.prefix = try prefix ?? TestEnvironment.temporaryDirectory()
        self.port = try port ?? TestEnvironment.freePort()
        self.template = template
        self.replacements = replacements
    }

    public func start() async throws {
        let env = ProcessInfo.processInfo.environment
        let nginx = env["LIVETOP_NGINX"] ?? TestEnvironment.which("nginx") ?? "/usr/sbin/nginx"
        let module = env["LIVETOP_NCHAN_MODULE"] ?? "/usr/lib/nginx/modules/ngx_nchan_module.so"
        guard FileManager.default.isExecutableFile(atPath: nginx), FileManager.default.fileExists(atPath: module) else {
            throw MissingTool(description: "nginx with Nchan is missing (apt-get install nginx libnginx-mod-nchan); Scripts/test.sh installs it")
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: prefix.path)
        var text = try String(contentsOfFile: TestEnvironment.serverFixture(template), encoding: .utf8)
        for (placeholder, value) in replacements { text = text.replacingOccurrences(of: placeholder, with: value) }
        let config = text
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

    public func stop() { process?.stop() }

    /// The master's PID (nginx runs in the foreground as the test's child).
    public var masterPID: Int32? { process?.pid }

    /// The PIDs of the master's worker processes, from /proc (their parent is the master).
    public func workerPIDs() -> [Int32] {
        guard let master = masterPID, let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return entries.compactMap { name -> Int32? in
            guard let pid = Int32(name),
                  let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return nil }
            // "pid (comm) state ppid ...": the fields after the command name.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && Int32(fields[1]) == master ? pid : nil
        }
    }

    /// Stops nginx and waits until it has exited (before a restart on the same port).
    public func stopped() async throws { try await process?.stopped() }

    /// Publishes `{"n":i}` for each number of `range` to `channel`, through the publisher
    /// `location` (`pub`; `pubsmall` keeps only 5 messages).
    public func publish(_ channel: String, _ range: ClosedRange<Int>, location: String = "pub") async throws {
        guard let python = TestEnvironment.which("python3") else {
            throw MissingTool(description: "python3 is missing (apt-get install python3); Scripts/test.sh installs it")
        }
        let publisher = ExternalProcess(python, [TestEnvironment.serverFixture("nchan_publish.py"), "--port", String(port),
                                                 "--channel", channel, "--from", String(range.lowerBound), "--to", String(range.upperBound),
                                                 "--location", location])
        try publisher.start()
        try await Self.succeeded(publisher, "publishing \(range) to \(channel)")
    }

    /// Publishes one message's text to `channel` (with curl, as a user would).
    public func publish(_ channel: String, text: String) async throws {
        guard let curl = TestEnvironment.which("curl") else {
            throw MissingTool(description: "curl is missing (apt-get install curl); Scripts/test.sh installs it")
        }
        let publisher = ExternalProcess(curl, ["-sf", "--data-binary", text, "http://127.0.0.1:\(port)/pub/\(channel)"])
        try publisher.start()
        try await Self.succeeded(publisher, "publishing to \(channel)")
    }

    private static func succeeded(_ process: ExternalProcess, _ what: String) async throws {
        let status = try await process.exitStatus(timeout: 60)
        guard status == 0 else { throw MissingTool(description: "\(what) failed (exit \(status)): \(process.stderr.all)") }
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: prefix)
    }
}
