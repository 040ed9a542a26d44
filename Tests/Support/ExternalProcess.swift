import Foundation

/// A process a test starts (a third-party server, or the livetop binary): its stdout and stderr
/// collected line by line, stopped by its PID when the test ends.
public final class ExternalProcess: @unchecked Sendable {
    public let process = Process()
    public let stdout = Recorder<String>()
    public let stderr = Recorder<String>()
    private let outPipe = Pipe()
    private let errPipe = Pipe()
    private let inPipe = Pipe()
    private let exited = Recorder<Int32>()
    private let ended = DispatchSemaphore(value: 0)
    private let writer = DispatchQueue(label: "livetop.test.stdin")

    public init(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        process.standardOutput = outPipe
        process.standardError = errPipe
        process.standardInput = inPipe
    }

    public var pid: Int32 { process.processIdentifier }

    public func start() throws {
        ExternalProcess.collectLines(from: outPipe.fileHandleForReading, into: stdout)
        ExternalProcess.collectLines(from: errPipe.fileHandleForReading, into: stderr)
        process.terminationHandler = { [exited, ended] p in
            exited.append(p.terminationStatus)
            exited.finish()
            ended.signal()
        }
        try process.run()
    }

    /// Starts a server that prints `PORT=<n>` once listening, and returns the port.
    public static func startServer(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                                   timeout: Double = 20) async throws -> (ExternalProcess, Int) {
        let server = ExternalProcess(executable, arguments, environment: environment)
        try server.start()
        do {
            try await server.stdout.wait(timeout, for: "PORT= from \(executable) \(arguments)") { lines in
                lines.contains { $0.hasPrefix("PORT=") }
            }
        } catch {
            server.stop()
            throw error
        }
        let line = server.stdout.all.first { $0.hasPrefix("PORT=") }!
        return (server, Int(line.dropFirst(5))!)
    }

    /// Writes to the process's stdin, in order, from a queue of its own: a write blocks while the
    /// pipe is full (the child reads at its own pace), and must not block the caller's thread,
    /// one of the cooperative pool's two (see `TestEnvironment.waitForExit`).
    public func write(_ text: String) {
        let handle = inPipe.fileHandleForWriting
        writer.async { try? handle.write(contentsOf: Data(text.utf8)) }
    }

    /// Closes stdin after everything written before.
    public func closeInput() {
        let handle = inPipe.fileHandleForWriting
        writer.async { try? handle.close() }
    }

    /// Waits for the process to exit and returns its status.
    public func exitStatus(timeout: Double) async throws -> Int32 {
        try await exited.wait(timeout, for: "\(process.executableURL?.lastPathComponent ?? "process") to exit") { !$0.isEmpty }
        // Let both pipes drain what the process wrote last: its exit can be seen before a reader
        // thread has read the last lines (a usage error is one line on stderr, then exit 64).
        try await stdout.wait(timeout, for: "stdout to close", until: { _ in false }, ignoringTimeoutIfFinished: true)
        try await stderr.wait(timeout, for: "stderr to close", until: { _ in false }, ignoringTimeoutIfFinished: true)
        return exited.all[0]
    }

    /// Sends SIGTERM to the PID, and SIGKILL if it has not ended within a second. Returns at once
    /// (it is called from `defer` in async tests, where a wait would hold a cooperative thread:
    /// see `TestEnvironment.waitForExit`); `await stopped()` when the test needs it gone, as
    /// before a restart on the same port.
    public func stop() {
        guard process.isRunning else { return }
        kill(pid, SIGTERM)
        let pid = self.pid, ended = self.ended
        TestEnvironment.offPool {
            if ended.wait(timeout: .now() + 1) == .timedOut { kill(pid, SIGKILL) }
            ended.signal()  // leave it signalled for any later stop()
        }
    }

    /// Stops the process and waits until it has exited.
    public func stopped(timeout: Double = 20) async throws {
        stop()
        try await exited.wait(timeout, for: "\(process.executableURL?.lastPathComponent ?? "process") to exit") { !$0.isEmpty }
    }

    public func signal(_ number: Int32) { kill(pid, number) }

    deinit { stop() }

    private static func collectLines(from handle: FileHandle, into recorder: Recorder<String>) {
        let thread = Thread {
            var pending = Data()
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                pending.append(chunk)
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    recorder.append(String(decoding: pending[pending.startIndex..<newline], as: UTF8.self))
                    pending.removeSubrange(pending.startIndex...newline)
                }
            }
            if !pending.isEmpty { recorder.append(String(decoding: pending, as: UTF8.self)) }
            recorder.finish()
        }
        thread.start()
    }
}

extension Recorder {
    /// Like `wait`, but a recording that finished counts as success (used to drain pipes).
    public func wait(_ seconds: Double, for what: String, until condition: @escaping @Sendable ([Element]) -> Bool,
                     ignoringTimeoutIfFinished: Bool) async throws {
        do {
            try await wait(seconds, for: what, until: condition)
        } catch is TimedOut where ignoringTimeoutIfFinished && isFinished {
        }
    }
}

/// A third-party server or tool the tests need is not installed: a failure, never a skip.
public struct MissingTool: Error, CustomStringConvertible {
    public let description: String
    public init(description: String) { self.description = description }
}

/// Ports `freePort()` has handed out in this run.
private let handedOut = LockedPorts()

private final class LockedPorts: @unchecked Sendable {
    private let lock = NSLock()
    private var ports = Set<Int>()
    func withLock<T>(_ body: (inout Set<Int>) -> T) -> T { lock.withLock { body(&ports) } }
}

/// Where the test servers are, and what is required of the machine.
public enum TestEnvironment {
    /// Under CI a missing third-party server fails the test; it never skips silently.
    public static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// Finds an executable on PATH.
    public static func which(_ name: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    /// A free port on 127.0.0.1 below the kernel's ephemeral range (32768 up): servers a test
    /// starts there never take a port that another test's server just left and means to listen
    /// on again, nor one the many client connections of a run use as their local port.
    public static func freePort() throws -> Int {
        for _ in 0..<200 {
            let port = Int.random(in: 20_000..<30_000)
            // Never the same port twice in a run: two tests must not race to listen on one.
            guard handedOut.withLock({ $0.insert(port).inserted }) else { continue }
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw MissingTool(description: "a socket for a free port") }
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
            }
            if bound { return port }
        }
        throw MissingTool(description: "a free port on 127.0.0.1")
    }

    /// A file of the third-party servers' fixtures (Tests/PushLinkTests/Servers), from the source tree.
    public static func serverFixture(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("PushLinkTests/Servers/\(name)").path
    }

    /// A directory for one test's files, removed by the caller.
    public static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("livetop-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
