import Testing
@testable import livetop

/// The decisions `Viewer` joins: which output a run gets, and the exit status it ends with.
@Suite struct ViewerTests {
    static func terminal(stdin: Bool = true, stdout: Bool = true, stderr: Bool = true, tty: Bool = true) -> OutputMode.Terminal {
        OutputMode.Terminal(stdinIsTerminal: stdin, stdoutIsTerminal: stdout, stderrIsTerminal: stderr, ttyReadable: tty)
    }

    struct ModeCase: Sendable, CustomTestStringConvertible {
        var name: String
        var headless = false
        var readsStdin = false
        var terminal: OutputMode.Terminal
        var expected: OutputMode
        var testDescription: String { name }
    }

    @Test(arguments: [
        ModeCase(name: "a terminal", terminal: terminal(), expected: .dashboard(keysFromTTY: false)),
        ModeCase(name: "--headless on a terminal", headless: true, terminal: terminal(), expected: .jsonLines),
        ModeCase(name: "stdout a pipe", terminal: terminal(stdout: false), expected: .jsonLines),
        ModeCase(name: "stdin not a terminal: no keys", terminal: terminal(stdin: false), expected: .jsonLines),
        // `cmd | livetop -`: keys from /dev/tty, which needs stderr on the terminal too.
        ModeCase(name: "data on stdin, keys from /dev/tty", readsStdin: true, terminal: terminal(stdin: false),
                 expected: .dashboard(keysFromTTY: true)),
        ModeCase(name: "data on stdin, no /dev/tty", readsStdin: true, terminal: terminal(stdin: false, tty: false), expected: .jsonLines),
        ModeCase(name: "data on stdin, stderr redirected", readsStdin: true, terminal: terminal(stdin: false, stderr: false),
                 expected: .jsonLines),
        ModeCase(name: "data on stdin, --headless", headless: true, readsStdin: true, terminal: terminal(), expected: .jsonLines),
    ])
    func theOutputModeFollowsTheTerminal(_ c: ModeCase) {
        #expect(OutputMode.choose(headless: c.headless, readsStdin: c.readsStdin, terminal: c.terminal) == c.expected)
    }

    static let outcomes: [(RunOutcome, Int32)] = [
        (RunOutcome(succeeded: true, alerted: false, recordingFailure: nil), 0),
        (RunOutcome(succeeded: false, alerted: false, recordingFailure: nil), 1),
        (RunOutcome(succeeded: true, alerted: true, recordingFailure: nil), 3),
        (RunOutcome(succeeded: false, alerted: true, recordingFailure: nil), 3),
        (RunOutcome(succeeded: true, alerted: false, recordingFailure: "--record f: a write failed"), 74),
        (RunOutcome(succeeded: false, alerted: true, recordingFailure: "--record f: a write failed"), 74),
    ]

    @Test(arguments: outcomes)
    func theExitStatusSaysTheWorstOfTheRun(_ outcome: RunOutcome, _ status: Int32) {
        #expect(outcome.exitStatus == status)
    }
}
