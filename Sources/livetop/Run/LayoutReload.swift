/// `L` on the dashboard: the layout file read again while the sources run.
enum LayoutReload {
    /// Its sources must be the running ones (their links are running); panels, thresholds and
    /// alerts may change.
    static func load(path: String, sources: (specs: [SourceSpec], history: Int?)) -> Result<(layout: Layout, warnings: [String]), LayoutError> {
        do {
            let (layout, warnings) = try LayoutFile.load(path: path)
            // Links and stores are running with the sources' options: any change needs a restart.
            func unplaced(_ specs: [SourceSpec]) -> [SourceSpec] {
                specs.map { var spec = $0; spec.location = SourceLocation(line: 0, column: 0); return spec }
            }
            guard unplaced(layout.sources) == unplaced(sources.specs), layout.history == sources.history else {
                return .failure(LayoutError(file: path, location: nil,
                                            message: "its sources or history changed; restart livetop to apply them"))
            }
            return .success((layout, warnings))
        } catch {
            return .failure(error)
        }
    }
}
