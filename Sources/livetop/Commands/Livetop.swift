import ArgumentParser
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `livetop`: a terminal dashboard for live data.
@main
struct Livetop: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "livetop",
        abstract: """
            A terminal dashboard for live data: WebSocket, SSE, long-poll, Socket.IO, Redis and streamed JSON feeds, \
            REST and Prometheus endpoints, commands, stdin and files, as panels or JSON lines.
            """,
        // `livetop URL` is how most runs start (watch is the default), so the first help a user
        // sees says so, and where watch's options are.
        usage: """
            livetop [watch] [<options>] [<urls> ...] [-- <command> ...]
              livetop <subcommand> [<options>]
            """,
        discussion: """
            Without a terminal on stdout (or with --headless) every message and state change is printed \
            as one JSON object per line, for jq.

            Every option of watch (headers, TLS, proxy, retry, transport, limits, output): livetop help watch
            """,
        version: version,
        subcommands: [Watch.self, Demo.self, Serve.self, Publish.self, ReplayCommand.self],
        defaultSubcommand: Watch.self
    )

    /// ArgumentParser's own entry point, after one step: the signals livetop relies on are
    /// unblocked first, before any thread exists to inherit the mask. A parent that blocked them
    /// (some supervisors, test harnesses) would otherwise leave livetop deaf to resizes (SIGWINCH),
    /// Ctrl-Z/fg and SIGINT/SIGTERM/SIGHUP.
    static func main() async {
        var signals = sigset_t()
        sigemptyset(&signals)
        for number in [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGWINCH, SIGTSTP, SIGCONT] { sigaddset(&signals, number) }
        pthread_sigmask(SIG_UNBLOCK, &signals, nil)
        let (arguments, program) = splitCommand(Array(CommandLine.arguments.dropFirst()))
        await Watch.$command.withValue(program) {
            do {
                var command = try parseAsRoot(arguments)
                if var asyncCommand = command as? AsyncParsableCommand {
                    try await asyncCommand.run()
                } else {
                    try command.run()
                }
            } catch {
                exit(reporting: error)
            }
        }
    }

    /// Ends with `error`'s exit status. Help and version go out as argument-parser writes them;
    /// an error is one line on stderr that starts `livetop:` like every other livetop message
    /// (argument-parser's own starts `Error:` and adds the usage).
    static func exit(reporting error: Error) -> Never {
        let code = exitCode(for: error)
        let message = fullMessage(for: error)
        guard code != .success, !message.isEmpty else { exit(withError: error) }
        var line = message.split(separator: "\n").first.map(String.init) ?? message
        if line.hasPrefix("Error: ") { line.removeFirst("Error: ".count) }
        FileHandle.standardError.write(Data("livetop: \(line)\n".utf8))
        Glibc.exit(code.rawValue)
    }

    /// `livetop [options] -- CMD ARGS`: what follows the first `--` is the command to run, taken
    /// whole (its own options included) before argument-parser sees the rest, which cannot hold a
    /// second list of positionals after the URLs. Other subcommands take no command.
    static func splitCommand(_ arguments: [String]) -> (arguments: [String], command: [String]) {
        let subcommands = Set(configuration.subcommands.map { $0._commandName }).subtracting([Watch._commandName]).union(["help"])
        if let first = arguments.first(where: { !$0.hasPrefix("-") }), subcommands.contains(first),
           arguments.firstIndex(of: first)! < (arguments.firstIndex(of: "--") ?? arguments.endIndex) {
            return (arguments, [])
        }
        guard let terminator = arguments.firstIndex(of: "--") else { return (arguments, []) }
        return (Array(arguments[..<terminator]), Array(arguments[(terminator + 1)...]))
    }
}
