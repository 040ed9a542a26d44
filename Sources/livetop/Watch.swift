import ArgumentParser
import Foundation
import Logging
import PushLink

/// `livetop [options] URL`: connects to a feed and shows it.
struct Watch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Connect to a live feed and show it (the default command).",
        discussion: """
            Headless output (no terminal on stdout, or --headless) is one JSON object per line: \
            state changes ("type":"state") and messages ("type":"message" with "data", "text" or "base64"). \
            Exit status: 0 after a normal end, 1 on a failure, 64 on a usage error.
            """
    )

    @Argument(help: "The feed: a ws://, wss://, http:// or https:// URL.")
    var url: String

    @OptionGroup(title: "Connection")
    var connection: ConnectionOptions

    @OptionGroup(title: "Output")
    var output: OutputOptions

    @OptionGroup(title: "Files")
    var files: FileOptions

    mutating func validate() throws {
        do {
            _ = try FeedURL(url)
        } catch {
            throw ValidationError(error.description)
        }
    }

    func run() async throws {
        let feed = try FeedURL(url)
        if (feed.scheme == .http || feed.scheme == .https) && connection.transport == "websocket" {
            throw ValidationError("--transport websocket needs a ws:// or wss:// URL")
        }
        let link = try connection.makeLink(url: feed, logFile: files.logFile)
        try await Viewer.show(link, output: output, recording: try files.openRecording())
    }
}
