import Foundation

/// A private redis-server (Debian's `redis-server`) on a 127.0.0.1 port, in the foreground, with no
/// persistence (`--save ""`, `--appendonly no`): started with `TestEnvironment.spawn` and stopped by
/// its PID. Its log comes through a FIFO, so the test waits for "Ready to accept connections"
/// as an event, not by polling.
public final class RedisServer: @unchecked Sendable {
    public let port: Int
    private let lock = NSLock()
    private var pid: pid_t?
    private var exit: Task<Int32, Never>?
    private var currentLog = Recorder<String>()
    /// The server's log lines, of the current run.
    public var log: Recorder<String> { lock.withLock { currentLog } }

    /// Extra redis-server options (`["--requirepass", "secret"]`).
    public let arguments: [String]

    /// `port` nil picks a free one (below the ephemeral range, so that a restart on it is safe).
    public init(port: Int? = nil, arguments: [String] = []) throws {
        self.port = try port ?? TestEnvironment.freePort()
        self.arguments = arguments
    }

    /// Starts the server and waits until it accepts connections. Again after `stopped()`, on the
    /// same port: a restart.
    public func start() async throws {
        guard let redis = TestEnvironment.which("redis-server") ?? ["/usr/bin/redis-server", "/usr/sbin/redis-server"]
            .first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw MissingTool(description: "redis-server is missing (apt-get install redis-server); Scripts/test.sh installs it")
        }
        let directory = try TestEnvironment.temporaryDirectory()
        let fifo = directory.appendingPathComponent("log").path
        guard mkfifo(fifo, 0o600) == 0 else { throw MissingTool(description: "mkfifo \(fifo) failed") }
        let log = Recorder<String>()
        // The read end is opened first, without blocking (no writer yet), so that the server's
        // open for writing, done inside posix_spawn before exec, finds a reader and never blocks
        // the spawning thread; blocking reads start once the server holds the write end.
        let fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            try? FileManager.default.removeItem(at: directory)
            throw MissingTool(description: "cannot open the FIFO \(fifo)")
        }
        let pid: pid_t
        do {
            pid = try TestEnvironment.spawn(
                [redis, "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no",
                 "--dir", directory.path, "--loglevel", "notice"] + arguments,
                stdout: fifo, stderr: fifo)
        } catch {
            close(fd)
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        Thread {
            defer {
                close(fd)
                try? FileManager.default.removeItem(at: directory)
            }
            // Plain read(2): Foundation's FileHandle traps on EINTR.
            var pending = Data()
            var chunk = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                pending.append(contentsOf: chunk[..<n])
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    log.append(String(decoding: pending[pending.startIndex..<newline], as: UTF8.self))
                    pending.removeSubrange(pending.startIndex...newline)
                }
            }
            if !pending.isEmpty { log.append(String(decoding: pending, as: UTF8.self)) }
            log.finish()
        }.start()
        lock.withLock {
            self.pid = pid
            currentLog = log
            exit = Task { await TestEnvironment.waitForExit(pid) }
        }
        do {
            try await log.wait(30, for: "redis-server to be ready on port \(port)") { lines in
                lines.contains { $0.contains("Ready to accept connections") }
            }
        } catch {
            try? await stopped()
            throw MissingTool(description: "redis-server did not start on port \(port): \(log.all.suffix(5).joined(separator: " | "))")
        }
    }

    /// Sends SIGTERM (and SIGCONT, in case a test froze it); returns at once (for `defer`).
    public func stop() {
        guard let pid = lock.withLock({ self.pid }) else { return }
        kill(pid, SIGTERM)
        kill(pid, SIGCONT)
    }

    /// Sends `number` to the server (SIGSTOP freezes it: connections stay open, nothing is answered).
    public func signal(_ number: Int32) {
        guard let pid = lock.withLock({ self.pid }) else { return }
        kill(pid, number)
    }

    /// Stops the server and waits until it has exited (SIGKILL after 10 s), so the port is free again.
    public func stopped() async throws {
        let (pid, exit) = lock.withLock { (self.pid, self.exit) }
        guard let pid, let exit else { return }
        kill(pid, SIGTERM)
        kill(pid, SIGCONT)
        let exited = Flag()
        DispatchQueue.global().asyncAfter(deadline: .now() + 10 * testTimeScale) {
            if !exited.isSet { kill(pid, SIGKILL) }
        }
        _ = await exit.value
        exited.set()
        lock.withLock {
            self.pid = nil
            self.exit = nil
        }
    }

    deinit { stop() }
}
