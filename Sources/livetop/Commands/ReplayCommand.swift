import ArgumentParser
import Foundation

/// `livetop replay FILE`: plays a recording back through the same fold and screen (or headless).
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Play back a recording made with --record (or saved --headless output).",
        discussion: """
            Events are paced by their recorded times divided by --speed; --speed 0 plays as fast as \
            possible. Printed times are replay times; at --speed 0 every event keeps its recorded \
            time, and the dashboard's clock follows them. The dashboard stays on the last frame until q.
            """
    )

    @Argument(help: "The recording: JSON lines as --record or --headless write them.")
    var file: String

    @Option(help: ArgumentHelp("Times the recorded pace: 1 as recorded, 10 ten times faster, 0 as fast as possible.",
                               valueName: "x"))
    var speed: Double = 1

    @OptionGroup(title: "Output")
    var output: OutputOptions

    @OptionGroup(title: "Layout")
    var layout: LayoutOptions

    func validate() throws {
        guard speed == 0 || (speed >= 0.001 && speed <= 1_000_000) else {
            throw ValidationError("--speed must be 0 (as fast as possible) or between 0.001 and 1000000")
        }
        guard FileManager.default.isReadableFile(atPath: file) else { throw ValidationError("\(file): cannot read that file") }
    }

    func run() async throws {
        guard let replay = Replay(path: file, speed: speed) else { throw ValidationError("\(file): cannot open it") }
        let declared = try layout.load()
        if let declared, declared.sources.count != 1 {
            Diagnostics.error("a recording holds one feed; \(layout.layout ?? "the layout") has \(declared.sources.count) sources")
            throw ExitCode(64)
        }
        let configuration = output.storeConfiguration.applying(declared?.sources.first, history: declared?.history)
        let feed = Feed(name: declared?.sources.first?.name ?? "main", source: replay, configuration: configuration,
                        maxMessages: output.maxMessages, backlog: output.backlog)
        try await Viewer.show([feed], layout: declared, layoutPath: layout.layout, output: output, exitOnAlert: layout.exitOnAlert)
        if replay.skipped > 10 { Diagnostics.warn("\(file): \(replay.skipped) lines skipped in all") }
    }
}
