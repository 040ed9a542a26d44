import ArgumentParser

/// Files a client run writes besides its output.
struct FileOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Write the link's log (connects, errors, fallbacks) to this file.", valueName: "file"))
    var logFile: String?

    @Option(help: ArgumentHelp("Write every message and state change to this file as JSON lines, for 'livetop replay'.",
                               valueName: "file"))
    var record: String?

    func openRecording() throws -> Recording? {
        guard let record else { return nil }
        guard let recording = Recording(path: record) else { throw ValidationError("--record \(record): cannot write to it") }
        return recording
    }
}
