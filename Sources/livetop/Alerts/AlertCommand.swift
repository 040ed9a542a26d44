import Dispatch
import Foundation
import Glibc
import LiveModel

/// glibc's posix_spawn_file_actions_addclosefrom_np (2.34+), which Swift's Glibc module does not export.
@_silgen_name("posix_spawn_file_actions_addclosefrom_np")
private func alertSpawnCloseFrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ from: Int32) -> Int32

/// Runs the command of a raised alert (`alert: command:` in the layout file).
enum AlertCommand {
    /// Runs `argv` (from the layout file; never through a shell: feed data reaches the command
    /// only as environment variables) with the alert in LIVETOP_ALERT_LEVEL, LIVETOP_ALERT_VALUE
    /// (compact JSON text), LIVETOP_ALERT_POINTER, LIVETOP_ALERT_SOURCE, LIVETOP_ALERT_PANEL and
    /// LIVETOP_ALERT_STATE (`raised`) added to livetop's environment. A bare name is looked up
    /// on PATH. stdin, stdout and stderr are /dev/null: the command must never draw on the
    /// dashboard's terminal or write into the JSON-lines stdout. It runs in its own process
    /// group, which gets SIGKILL after `timeout` seconds.
    ///
    /// `completion` is called exactly once, on another thread and never before `run` returns:
    /// nil when the command exited with status 0, else a one-line reason for the status line.
    static func run(_ argv: [String], alert: Alert, timeout: Double, completion: @escaping @Sendable (String?) -> Void) {
        guard let program = argv.first, !program.isEmpty else {
            DispatchQueue.global().async { completion("alert command is empty") }
            return
        }
        let name = "alert command '\(program)'"
        let environment = Self.environment(for: alert)
        let pid: pid_t
        switch spawn(argv, environment: environment) {
        case .failure(let error):
            DispatchQueue.global().async { completion("\(name) could not start: \(error)") }
            return
        case .success(let child):
            pid = child
        }

        let watch = ChildWatch()
        if !timeout.isNaN, timeout < 1e9 {
            DispatchQueue.global().asyncAfter(deadline: .now() + max(0, timeout)) {
                watch.killIfRunning(pid)
            }
        }
        let thread = Thread {
            let status = watch.wait(for: pid)
            completion(Self.reason(name, status: status, killedByTimeout: watch.killedByTimeout, timeout: timeout))
        }
        thread.name = "livetop alert command"
        thread.stackSize = 256 * 1024
        thread.start()
    }

    /// livetop's environment without any LIVETOP_ALERT_* it inherited, plus this alert's.
    static func environment(for alert: Alert) -> [String] {
        var result = ProcessInfo.processInfo.environment
            .filter { !$0.key.hasPrefix("LIVETOP_ALERT_") }
            .map { "\($0.key)=\($0.value)" }
        let added = [
            ("LEVEL", alert.level.description),
            ("VALUE", alert.value.jsonText),
            ("POINTER", alert.pointer),
            ("SOURCE", alert.source),
            ("PANEL", alert.panel),
            ("STATE", "raised"),
        ]
        // A C string ends at NUL: a key with one (legal in JSON) would lose its tail silently.
        result += added.map { "LIVETOP_ALERT_\($0.0)=\($0.1.replacingOccurrences(of: "\0", with: "\u{FFFD}"))" }
        return result
    }

    /// The one-line reason for a status, or nil for exit status 0.
    static func reason(_ name: String, status: ChildStatus, killedByTimeout: Bool, timeout: Double) -> String? {
        switch status {
        case .exited(0): return nil
        case .exited(let code): return "\(name) exited with status \(code)"
        case .signaled(SIGKILL) where killedByTimeout: return "\(name) was killed after \(Format.number(timeout)) s (timeout)"
        case .signaled(let signal): return "\(name) ended by signal \(signal)"
        case .unknown(let error): return "\(name) ended; its status is unknown (\(error))"
        }
    }

    enum ChildStatus: Hashable, Sendable {
        case exited(Int32)
        case signaled(Int32)
        /// waitpid failed (SIGCHLD ignored, so the child was reaped by the kernel).
        case unknown(String)
    }

    /// Starts `argv` with stdio on /dev/null, descriptors >= 3 closed, a clean signal mask,
    /// default signal actions and its own process group. Returns the child's pid or strerror.
    private static func spawn(_ argv: [String], environment: [String]) -> Result<pid_t, SpawnError> {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        // Without this the command would inherit the terminal backend's and the links' sockets
        // and pipes (a wake pipe held open keeps a reader from seeing EOF).
        _ = alertSpawnCloseFrom(&actions, 3)

        // livetop's threads block signals for its signal watcher, and a spawned process inherits
        // the mask and ignored signals: reset both so the command behaves as from a shell.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        // Its own group: the timeout kills what a script started too.
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        let cArguments = argv.map { strdup($0.replacingOccurrences(of: "\0", with: "")) } + [nil]
        let cEnvironment = environment.map { strdup($0) } + [nil]
        defer {
            cArguments.forEach { free($0) }
            cEnvironment.forEach { free($0) }
        }
        var pid: pid_t = 0
        let program = argv[0]
        let result = program.contains("/")
            ? posix_spawn(&pid, program, &actions, &attributes, cArguments, cEnvironment)
            : posix_spawnp(&pid, program, &actions, &attributes, cArguments, cEnvironment)
        guard result == 0 else { return .failure(SpawnError(code: result)) }
        return .success(pid)
    }

    private struct SpawnError: Error, CustomStringConvertible {
        var code: Int32
        var description: String { String(cString: strerror(code)) }
    }
}

/// Waits for one child and kills it on timeout without ever signalling a reused pid: the child
/// is reaped only after `exited` is set under the lock, and the timer kills only before that.
private final class ChildWatch: @unchecked Sendable {
    private let lock = NSLock()
    private var exited = false
    private var killed = false

    var killedByTimeout: Bool { lock.withLock { killed } }

    func killIfRunning(_ pid: pid_t) {
        lock.withLock {
            guard !exited else { return }
            killed = true
            kill(-pid, SIGKILL)
            kill(pid, SIGKILL)
        }
    }

    /// Blocks until the child ends, then reaps it.
    func wait(for pid: pid_t) -> AlertCommand.ChildStatus {
        // Wait without reaping (WNOWAIT): the pid stays ours until the flag is set.
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) != 0 {
            guard errno == EINTR else { break }
        }
        lock.withLock { exited = true }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { return .unknown(String(cString: strerror(errno))) }
        }
        // The W* macros are not imported: exit code in bits 8-15 when the low 7 bits are 0,
        // else the terminating signal in the low 7 bits.
        let low = status & 0x7F
        return low == 0 ? .exited((status >> 8) & 0xFF) : .signaled(low)
    }
}
