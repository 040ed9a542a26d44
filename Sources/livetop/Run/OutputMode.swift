#if canImport(Glibc)
import Glibc
#endif

/// How a run shows its sources: the dashboard when it has a terminal to draw on and keys to read,
/// JSON lines otherwise, or with `--headless` (README, "Usage"). A dashboard that then
/// cannot open the terminal falls back to JSON lines (`FeedRun`).
enum OutputMode: Equatable {
    /// The dashboard. `keysFromTTY`: stdin carries a source's data, so keys come from the
    /// terminal itself (/dev/tty), as less and fzf read them.
    case dashboard(keysFromTTY: Bool)
    case jsonLines

    /// What the process is attached to.
    struct Terminal: Equatable {
        var stdinIsTerminal: Bool
        var stdoutIsTerminal: Bool
        var stderrIsTerminal: Bool
        /// /dev/tty can be opened for reading.
        var ttyReadable: Bool

        static func current() -> Terminal {
            Terminal(stdinIsTerminal: isatty(0) == 1, stdoutIsTerminal: isatty(1) == 1, stderrIsTerminal: isatty(2) == 1,
                     ttyReadable: access("/dev/tty", R_OK) == 0)
        }
    }

    /// `readsStdin`: a source reads livetop's stdin (`-`), so the keys must come from elsewhere.
    static func choose(headless: Bool, readsStdin: Bool, terminal: Terminal) -> OutputMode {
        let keyboard = readsStdin ? terminal.ttyReadable && terminal.stderrIsTerminal : terminal.stdinIsTerminal
        return !headless && terminal.stdoutIsTerminal && keyboard ? .dashboard(keysFromTTY: readsStdin) : .jsonLines
    }
}
