import Foundation
import LinkWire
import LiveModel
import PushLink
import TextFormats
import Yams

/// A mapping's entries in file order, looked up by key. Null values (`title:`) count as absent.
struct Fields {
    let entries: [(name: String, key: Node, value: Node)]

    subscript(name: String) -> Node? {
        guard let value = entries.first(where: { $0.name == name })?.value, value.null == nil else { return nil }
        return value
    }

    func key(_ name: String) -> Node? { entries.first { $0.name == name }?.key }
}

/// One pass over the composed YAML tree: builds the `Layout`, collects warnings, and throws the
/// first error with the place of the node it is about.
struct LayoutReader {
    let file: String
    /// The file's lines, to place an error inside a quoted string (an expression's column).
    let lines: [Substring]
    /// Warnings found so far (kept, not thrown).
    var found: [LayoutError] = []

    init(file: String, text: String) {
        self.file = file
        lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
    }

    /// In file order, though unknown keys are found before keys that do not apply to a kind.
    var warnings: [String] {
        func place(_ warning: LayoutError) -> (Int, Int) { (warning.location?.line ?? 0, warning.location?.column ?? 0) }
        return found.sorted { place($0) < place($1) }.map(\.description)
    }

    // MARK: Layout

    mutating func layout(_ root: Node) throws(LayoutError) -> Layout {
        let top = try fields(root, expected: "a mapping with 'rows' at the top level", place: "at the top level", known: ["history", "sources", "rows"])
        let history = try top["history"].map { (node) throws(LayoutError) in try integer(node, "history", in: 10...3600) }
        let sources = try sources(top["sources"])
        guard let rowsNode = top["rows"] else {
            // A sampler config is the file a new user is most likely to try first.
            let keys = Set(root.mapping?.keys.compactMap { $0.string } ?? [])
            let sampler = ["runcharts", "sparklines", "barcharts", "gauges", "textboxes", "asciiboxes"].filter(keys.contains)
            if !sampler.isEmpty {
                let named = sampler.map { "'\($0)'" }
                let list = named.count == 1 ? named[0] : named.dropLast().joined(separator: ", ") + " and " + named.last!
                throw error("a layout needs 'rows'; \(list) \(named.count == 1 ? "is a key" : "are keys") of sampler's format, not livetop's: "
                            + "panels go in rows (kind: chart, gauge, bars, tile or text; see docs/layouts.md)", at: root)
            }
            throw error("a layout needs 'rows'", at: root)
        }
        let rowNodes = try list(rowsNode, "rows")
        guard !rowNodes.isEmpty else { throw error("'rows' is empty; expected at least one row with panels", at: rowsNode) }
        var rows: [Layout.Row] = []
        for rowNode in rowNodes { rows.append(try row(rowNode, sources: sources)) }
        return Layout(sources: sources, rows: rows, history: history)
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
