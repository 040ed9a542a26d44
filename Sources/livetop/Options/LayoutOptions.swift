import ArgumentParser

/// A declared dashboard, the same for a URL, `demo` and `replay`.
struct LayoutOptions: ParsableArguments {
    @Option(help: ArgumentHelp("A layout file (YAML): sources, panels in rows, thresholds and alerts. 'L' reloads it.",
                               valueName: "file"))
    var layout: String?

    @Flag(help: "End with exit status 3 as soon as an alert is raised (for scripts and CI checks).")
    var exitOnAlert = false

    /// The layout file read and checked: its warnings go to stderr; an error is one line with the
    /// file, line and column, and exit status 64.
    func load() throws -> Layout? {
        guard let layout else { return nil }
        return try Self.load(path: layout)
    }

    static func load(path: String) throws -> Layout {
        do {
            let (parsed, warnings) = try LayoutFile.load(path: path)
            warnings.forEach { Diagnostics.warn($0) }
            return parsed
        } catch {
            Diagnostics.error(error.description)
            throw ExitCode(64)
        }
    }
}
