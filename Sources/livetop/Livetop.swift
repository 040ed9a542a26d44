import ArgumentParser

/// `livetop`: a terminal dashboard for live data.
@main
struct Livetop: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "livetop",
        abstract: "A terminal dashboard for live data: WebSocket, SSE and long-poll feeds as panels or JSON lines.",
        discussion: """
            Without a terminal on stdout (or with --headless) every message and state change is printed \
            as one JSON object per line, for jq.
            """,
        version: version,
        subcommands: [Watch.self, Demo.self, Serve.self, ReplayCommand.self],
        defaultSubcommand: Watch.self
    )
}
