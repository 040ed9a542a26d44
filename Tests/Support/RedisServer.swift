import Foundation

/// A private redis-server (Debian's `redis-server`) on a free 127.0.0.1 port: in the foreground,
/// nothing saved to disk, stopped by its PID.
public final class RedisServer: @unchecked Sendable {
    public let port: Int
    private let directory: URL
    private let lock = NSLock()
    private var pid: pid_t?

    public init(port: Int? = nil) throws {
        self.port = try port ?? TestEnvironment.freePort()
        directory = try TestEnvironment.temporaryDirectory()
    }

    /// The server's log (its stdout).
    public var log: String { (try? String(contentsOf: directory.appendingPathComponent("redis.log"), encoding: .utf8)) ?? "" }

    public func start() async throws {
        guard let redis = TestEnvironment.which("redis-server") ?? ["/usr/bin/redis-server"].first(where: {
            FileManager.default.isExecutableFile(atPath: $0)
        }) else {
            throw MissingTool(description: "redis-server is missing (apt-get install redis-server); Scripts/test.sh installs it")
        }
        let logFile = directory.appendingPathComponent("redis.log").path
        let pid = try TestEnvironment.spawn([redis, "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                             "--dir", directory.path], stdout: logFile, stderr: logFile)
        lock.withLock { self.pid = pid }
        // redis-server announces readiness in its log; nothing else tells.
        try await eventually(20, "redis-server on port \(port) to accept connections") { [self] in
            if kill(pid, 0) != 0 { throw MissingTool(description: "redis-server exited at start: \(log)") }
            return log.contains("Ready to accept connections")
        }
    }

    /// Stops the server (SIGTERM) and waits until it has exited.
    public func stopped() async {
        guard let pid = lock.withLock({ () -> pid_t? in defer { self.pid = nil }; return self.pid }) else { return }
        kill(pid, SIGTERM)
        _ = await TestEnvironment.waitForExit(pid)
    }

    deinit {
        if let pid {
            kill(pid, SIGKILL)
            TestEnvironment.offPool {
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            }
        }
        try? FileManager.default.removeItem(at: directory)
    }
}
