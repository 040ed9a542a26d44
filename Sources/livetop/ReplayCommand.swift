import ArgumentParser
import Foundation

/// `livetop replay FILE`: plays a recording back through the same fold and screen (or headless).
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Play back a recording made with --record (or saved --headless output).",
        discussion: """
            Events are paced by their recorded times divided by --speed; --speed 0 plays as fast as \
            possible. Printed times are replay times. The dashboard stays on the last frame until q.
            """
    )

    @Argument(help: "The recording: JSON lines as --record or --headless write them.")
    var file: String

    @Option(help: ArgumentHelp("Times the recorded pace: 1 as recorded, 10 ten times faster, 0 as fast as possible.",
                               valueName: "x"))
    var speed: Double = 1

    @OptionGroup(title: "Output")
    var output: OutputOptions

    func validate() throws {
        guard speed == 0 || (speed >= 0.001 && speed <= 1_000_000) else {
            throw ValidationError("--speed must be 0 (as fast as possible) or between 0.001 and 1000000")
        }
        guard FileManager.default.isReadableFile(atPath: file) else { throw ValidationError("\(file): cannot read that file") }
    }

    func run() async throws {
        guard let replay = Replay(path: file, speed: speed) else { throw ValidationError("\(file): cannot open it") }
        try await Viewer.show(replay, output: output, recording: nil)
        if replay.skipped > 10 { Diagnostics.warn("\(file): \(replay.skipped) lines skipped in all") }
    }
}
