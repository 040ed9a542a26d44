import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#endif

/// glibc's posix_spawn_file_actions_addclosefrom_np (2.34+), which Swift's Glibc module does not export.
@_silgen_name("posix_spawn_file_actions_addclosefrom_np")
private func spawnCloseFrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ from: Int32) -> Int32

/// A command livetop started: argv without a shell, in a process group of its own, stdin on
/// /dev/null, and its stdout and stderr on pipes whose read ends livetop holds.
///
/// Written on posix_spawn rather than Foundation's `Process` or swift-subprocess because the
/// three things a dashboard needs are spawn attributes: its own process group (so `q`, SIGTERM
/// and a timeout end what a script started too), a clean signal mask (livetop's threads block
/// signals for its watcher, and a child inherits the mask), and no descriptor of livetop's
/// leaking into it (a held pipe end keeps another reader from ever seeing EOF).
public final class ChildProcess: Sendable {
    public let pid: pid_t
    /// Read ends of the child's stdout and stderr (-1 when discarded); the caller owns and closes them.
    public let stdout: CInt
    public let stderr: CInt
    public let name: String
    /// Set once the child has ended, before it is reaped: a signal is sent only while this is
    /// false, so a pid the kernel has handed to another process is never signalled.
    private let state = NIOLockedValueBox<(ended: Bool, status: Status?)>((false, nil))

    /// How the child ended.
    public enum Status: Hashable, Sendable, CustomStringConvertible {
        case exited(Int32)
        case signaled(Int32)

        public var description: String {
            switch self {
            case .exited(let code): return "exited with status \(code)"
            case .signaled(let signal): return "ended by signal \(signal)" + (signal == SIGKILL ? " (SIGKILL)" : signal == SIGTERM ? " (SIGTERM)" : "")
            }
        }
    }

    /// Where the child's stdout and stderr go.
    public enum Output: Sendable {
        /// Pipes whose read ends are `stdout` and `stderr`.
        case pipes
        /// /dev/null: the child must never write on the dashboard's terminal (an alert's command).
        case discarded
    }

    /// The child could not be started: `code` is posix_spawn's errno.
    public struct SpawnFailure: Error, Sendable, CustomStringConvertible {
        public let program: String
        public let code: Int32
        public var description: String { String(cString: strerror(code)) }
        /// One line for a status line: "command 'x' not found on PATH".
        public var line: String {
            code == ENOENT ? "command '\(program)' not found" + (program.contains("/") ? "" : " on PATH")
                : "command '\(program)' could not start: \(description)"
        }
    }

    /// Starts `argv` (a bare name is looked up on PATH) with `environment` ("NAME=value"; nil:
    /// livetop's own). Throws when it cannot start.
    public init(_ argv: [String], environment: [String]? = nil, output: Output = .pipes) throws(SpawnFailure) {
        let program = argv.first ?? ""
        name = program
        guard !program.isEmpty else { throw SpawnFailure(program: program, code: ENOENT) }
        var out: [CInt] = [-1, -1], err: [CInt] = [-1, -1]
        if output == .pipes {
            guard pipe(&out) == 0 else { throw SpawnFailure(program: program, code: errno) }
            guard pipe(&err) == 0 else {
                let code = errno
                close(out[0]); close(out[1])
                throw SpawnFailure(program: program, code: code)
            }
            // livetop's ends are never inherited by later children.
            _ = fcntl(out[0], F_SETFD, FD_CLOEXEC)
            _ = fcntl(err[0], F_SETFD, FD_CLOEXEC)
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        if output == .pipes {
            posix_spawn_file_actions_adddup2(&actions, out[1], 1)
            posix_spawn_file_actions_adddup2(&actions, err[1], 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        }
        _ = spawnCloseFrom(&actions, 3)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        let cArguments = argv.map { strdup($0.replacingNUL) } + [nil]
        let cEnvironment = environment.map { $0.map { strdup($0.replacingNUL) } + [nil] }
        defer {
            cArguments.forEach { free($0) }
            cEnvironment?.forEach { free($0) }
        }
        var child: pid_t = 0
        let result = cEnvironment.map { env in posix_spawnp(&child, program.replacingNUL, &actions, &attributes, cArguments, env) }
            ?? posix_spawnp(&child, program.replacingNUL, &actions, &attributes, cArguments, environ)
        if output == .pipes {
            close(out[1])
            close(err[1])
        }
        guard result == 0 else {
            if output == .pipes {
                close(out[0])
                close(err[0])
            }
            throw SpawnFailure(program: program, code: result)
        }
        pid = child
        stdout = out[0]
        stderr = err[0]
    }

    /// Waits for the child to end (blocking: call it off the cooperative pool) and reaps it.
    public func wait() -> Status {
        if let status = state.withLockedValue({ $0.status }) { return status }
        // Wait without reaping (WNOWAIT): the pid stays the child's until `ended` is set.
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) != 0 {
            guard errno == EINTR else { break }
        }
        state.withLockedValue { $0.ended = true }
        var raw: Int32 = 0
        while waitpid(pid, &raw, 0) < 0 {
            guard errno == EINTR else { break }
        }
        // WIFEXITED / WEXITSTATUS / WTERMSIG are macros Swift does not import: the exit code is
        // in bits 8-15 when the low 7 bits are 0, else the terminating signal is in the low 7 bits.
        let status: Status = (raw & 0x7f) == 0 ? .exited((raw >> 8) & 0xff) : .signaled(raw & 0x7f)
        state.withLockedValue { $0.status = status }
        return status
    }

    /// Whether the child has ended.
    public var hasEnded: Bool { state.withLockedValue { $0.ended } }

    /// Signals the child's whole process group (what a script started goes too), unless the
    /// child has ended; true when it was sent.
    @discardableResult
    public func signalGroup(_ signal: Int32) -> Bool {
        state.withLockedValue { s -> Bool in
            guard !s.ended else { return false }
            kill(-pid, signal)
            kill(pid, signal)  // in case it left its group
            return true
        }
    }
}

extension String {
    /// A C string ends at NUL: an argument holding one would lose its tail silently.
    fileprivate var replacingNUL: String { contains("\0") ? split(separator: "\0", omittingEmptySubsequences: false).joined(separator: "\u{FFFD}") : self }
}
