import Dispatch
import Foundation
import LiveModel
import PushLink

#if canImport(Glibc)
import Glibc
#endif

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
    /// The commands' timeouts and early answers, on a queue of their own: on Linux the global
    /// dispatch queues are also Swift's task pool (one thread per core), and a timeout must fire
    /// on time however busy that pool is (measured: a 0.3 s kill that had not fired after 25 s
    /// while the tests kept both threads busy).
    private static let timers = DispatchQueue(label: "livetop.alert-command-timers")

    static func run(_ argv: [String], alert: Alert, timeout: Double, completion: @escaping @Sendable (String?) -> Void) {
        run(argv, change: .raised(alert), timeout: timeout, completion: completion)
    }

    /// The command for a change: `command` for a raise, `on_clear` for a clear (LIVETOP_ALERT_STATE
    /// `cleared`, LIVETOP_ALERT_VALUE the value that ended it).
    static func run(_ argv: [String], change: AlertChange, timeout: Double, completion: @escaping @Sendable (String?) -> Void) {
        let alert: Alert, state: String
        switch change {
        case .raised(let a): (alert, state) = (a, "raised")
        case .cleared(var a, let value):
            a.value = value
            (alert, state) = (a, "cleared")
        }
        guard let program = argv.first, !program.isEmpty else {
            timers.async { completion("alert command is empty") }
            return
        }
        let name = "alert command '\(program)'"
        let child: ChildProcess
        do {
            // stdin, stdout and stderr on /dev/null, its own process group, a clean signal mask.
            child = try ChildProcess(argv, environment: Self.environment(for: alert, state: state), output: .discarded)
        } catch {
            timers.async { completion("\(name) could not start: \(error)") }
            return
        }
        let killed = KilledFlag()
        if !timeout.isNaN, timeout < 1e9 {
            timers.asyncAfter(deadline: .now() + max(0, timeout)) {
                // Only while it runs: an ended child's pid may be someone else's by now. The flag
                // is set before the signal: the waiting thread can see the exit before this one
                // runs again, and must read it as the timeout's.
                killed.set(true)
                if !child.signalGroup(SIGKILL) { killed.set(false) }
            }
        }
        let thread = Thread {
            let status = child.wait()
            completion(Self.reason(name, status: status, killedByTimeout: killed.isSet, timeout: timeout))
        }
        thread.name = "livetop alert command"
        thread.stackSize = 256 * 1024
        thread.start()
    }

    /// livetop's environment without any LIVETOP_ALERT_* it inherited, plus this alert's.
    static func environment(for alert: Alert, state: String = "raised") -> [String] {
        var result = ProcessInfo.processInfo.environment
            .filter { !$0.key.hasPrefix("LIVETOP_ALERT_") }
            .map { "\($0.key)=\($0.value)" }
        let added = [
            ("LEVEL", alert.level.description),
            ("VALUE", alert.value.jsonText),
            ("POINTER", alert.pointer),
            ("SOURCE", alert.source),
            ("PANEL", alert.panel),
            ("STATE", state),
        ]
        // A C string ends at NUL: a key with one (legal in JSON) would lose its tail silently.
        result += added.map { "LIVETOP_ALERT_\($0.0)=\($0.1.replacingOccurrences(of: "\0", with: "\u{FFFD}"))" }
        return result
    }

    /// The one-line reason for a status, or nil for exit status 0.
    static func reason(_ name: String, status: ChildProcess.Status, killedByTimeout: Bool, timeout: Double) -> String? {
        switch status {
        case .exited(0): return nil
        case .exited(let code): return "\(name) exited with status \(code)"
        case .signaled(SIGKILL) where killedByTimeout: return "\(name) was killed after \(Format.number(timeout)) s (timeout)"
        case .signaled(let signal): return "\(name) ended by signal \(signal)"
        }
    }
}

/// Set when the timeout killed the command (its SIGKILL then reads as the timeout's).
private final class KilledFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set(_ on: Bool) { lock.withLock { value = on } }
    var isSet: Bool { lock.withLock { value } }
}
