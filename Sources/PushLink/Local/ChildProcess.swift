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
    /// Read ends of the child's stdout and stderr; the caller owns and closes them.
    public let stdout: CInt
    public let stderr: CInt
    public let name: String
    private let reaped = NIOLockedValueBox<Status?>(nil)

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

    /// Starts `argv` (a bare name is looked up on PATH). Throws a one-line reason when it cannot start.
    public init(_ argv: [String]) throws(LinkError) {
        guard let program = argv.first, !program.isEmpty else { throw LinkError.spawn("the command is empty") }
        name = program
        var out: [CInt] = [0, 0], err: [CInt] = [0, 0]
        guard pipe(&out) == 0 else { throw LinkError.spawn("cannot make a pipe for '\(program)': \(String(cString: strerror(errno)))") }
        guard pipe(&err) == 0 else {
            close(out[0]); close(out[1])
            throw LinkError.spawn("cannot make a pipe for '\(program)': \(String(cString: strerror(errno)))")
        }
        // livetop's ends are never inherited by later children.
        _ = fcntl(out[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(err[0], F_SETFD, FD_CLOEXEC)

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, out[1], 1)
        posix_spawn_file_actions_adddup2(&actions, err[1], 2)
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
        defer { cArguments.forEach { free($0) } }
        var child: pid_t = 0
        let result = posix_spawnp(&child, program.replacingNUL, &actions, &attributes, cArguments, environ)
        close(out[1])
        close(err[1])
        guard result == 0 else {
            close(out[0])
            close(err[0])
            if result == ENOENT { throw LinkError.spawn("command '\(program)' not found" + (program.contains("/") ? "" : " on PATH")) }
            throw LinkError.spawn("command '\(program)' could not start: \(String(cString: strerror(result)))")
        }
        pid = child
        stdout = out[0]
        stderr = err[0]
    }

    /// Waits for the child to end (blocking: call it off the cooperative pool) and reaps it.
    public func wait() -> Status {
        if let status = reaped.withLockedValue({ $0 }) { return status }
        var raw: Int32 = 0
        while waitpid(pid, &raw, 0) < 0 {
            guard errno == EINTR else { break }
        }
        // WIFEXITED / WEXITSTATUS / WTERMSIG are macros Swift does not import.
        let status: Status = (raw & 0x7f) == 0 ? .exited((raw >> 8) & 0xff) : .signaled(raw & 0x7f)
        reaped.withLockedValue { $0 = status }
        return status
    }

    /// Whether `wait()` has reaped the child.
    public var hasEnded: Bool { reaped.withLockedValue { $0 != nil } }

    /// Signals the child's whole process group (what a script started goes too).
    public func signalGroup(_ signal: Int32) {
        guard !hasEnded else { return }
        kill(-pid, signal)
    }
}

extension String {
    /// A C string ends at NUL: an argument holding one would lose its tail silently.
    fileprivate var replacingNUL: String { contains("\0") ? split(separator: "\0", omittingEmptySubsequences: false).joined(separator: "\u{FFFD}") : self }
}
