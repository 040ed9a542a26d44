import Foundation

/// glibc's posix_spawn_file_actions_addclosefrom_np (2.34+), which Swift's Glibc module does not export.
@_silgen_name("posix_spawn_file_actions_addclosefrom_np")
private func spawnCloseFrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ from: Int32) -> Int32

extension TestEnvironment {
    /// Starts `argv` with posix_spawn, for processes that Foundation's `Process` handles badly
    /// (daemons that close their inherited descriptors, servers that outlive their client):
    /// - stdin is /dev/null; stdout and stderr go to the given files (/dev/null when nil);
    /// - nothing else of this process is inherited: a listening socket of another test's server
    ///   kept by a child would keep that port bound after the test closed it;
    /// - nothing blocked and default signal actions: the test's threads block most signals, and a
    ///   child inherits the mask (tmux and livetop would never see SIGWINCH, SIGHUP or SIGTERM);
    /// - `newProcessGroup`: a group of its own, so `kill(-pid, …)` reaches the workers it forks.
    /// Returns the PID; the caller waits for it.
    public static func spawn(_ argv: [String], stdout: String? = nil, stderr: String? = nil,
                             newProcessGroup: Bool = false) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderr ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
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
        var flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
        if newProcessGroup {
            posix_spawnattr_setpgroup(&attributes, 0)
            flags |= POSIX_SPAWN_SETPGROUP
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))
        let cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        var pid: pid_t = 0
        guard let path = argv.first, posix_spawn(&pid, path, &actions, &attributes, cArgs, environ) == 0 else {
            throw MissingTool(description: "\(argv.first ?? "a program") did not start")
        }
        return pid
    }
}

extension TestEnvironment {
    /// Waits for child `pid` to exit and reaps it, returning its raw wait status, without holding
    /// a thread of Swift's cooperative pool: that pool has one thread per core (two here), and
    /// every async task of every test running in parallel (in-process servers, links, deadlines)
    /// needs one. A waitpid there stalled them all for as long as the child took.
    public static func waitForExit(_ pid: pid_t) async -> Int32 {
        await withCheckedContinuation { continuation in
            offPool {
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                continuation.resume(returning: status)
            }
        }
    }

    /// Runs blocking work (waiting for a process, escalating a stop) on a thread of its own, for
    /// the reason `waitForExit` gives.
    public static func offPool(_ work: @escaping @Sendable () -> Void) {
        Thread { work() }.start()
    }
}

extension TestEnvironment {
    /// A process's peak resident memory (VmHWM) in KiB, while it runs.
    public static func peakResidentKiB(_ pid: pid_t) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return nil }
        return line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Int($0) }
    }

    /// The tests run under a sanitizer (`LIVETOP_SANITIZER`, set by Scripts/test.sh for the
    /// ThreadSanitizer run), whose shadow memory makes memory figures meaningless.
    public static var underSanitizer: Bool { ProcessInfo.processInfo.environment["LIVETOP_SANITIZER"] != nil }
}
