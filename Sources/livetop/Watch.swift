import ArgumentParser
import LiveModel

/// `livetop [options] URL`: connects to a feed and shows it.
struct Watch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Connect to a live feed and show it (the default command)."
    )

    @Argument(help: "The feed: ws://, wss://, http:// or https:// URL.")
    var url: String

    @Option(help: ArgumentHelp("How each message changes the document: merge, replace, append or upsert:/POINTER.",
                               valueName: "rule"))
    var fold: String = "merge"

    @Option(help: ArgumentHelp("Fold only the part of each message at this JSON pointer, e.g. /data.", valueName: "pointer"))
    var select: String?

    mutating func validate() throws {
        guard FoldRule(fold) != nil else {
            throw ValidationError("--fold must be merge, replace, append or upsert:/POINTER, not '\(fold)'")
        }
        if let select, JSONPointer(select) == nil {
            throw ValidationError("--select must be a JSON pointer such as /data, not '\(select)'")
        }
    }

    func run() async throws {
        throw CleanExit.message("livetop \(Livetop.version): the link to \(url) is not built yet")
    }
}
