/// Glyphs for UTF-8 terminals and their ASCII stand-ins (no UTF-8 locale, or --ascii).
struct Glyphs: Hashable, Sendable {
    /// No box, braille or block glyphs: what --ascii and a non-UTF-8 locale draw with.
    let isASCII: Bool
    let sparks: [String]
    let ellipsis: String
    let bullet: String
    let rule: String
    /// Frame corners and edges: top-left, top-right, bottom-left, bottom-right, horizontal, vertical.
    let frame: (topLeft: String, topRight: String, bottomLeft: String, bottomRight: String, horizontal: String, vertical: String)
    /// Marks the column a table is sorted by.
    let sortMarker: String
    /// Marks a value at `warn` and at `crit`, so levels read without colour (NO_COLOR).
    let warn: String
    let crit: String
    /// Filled and empty parts of a gauge's bar.
    let barFull: String
    let barEmpty: String

    static let unicode = Glyphs(isASCII: false, sparks: ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"], ellipsis: "…", bullet: "●", rule: "─",
                                frame: ("┌", "┐", "└", "┘", "─", "│"), sortMarker: "▾", warn: "▲", crit: "✖", barFull: "█", barEmpty: "░")
    static let ascii = Glyphs(isASCII: true, sparks: ["_", ".", "-", "~", "=", "+", "*", "#"], ellipsis: "~", bullet: "*", rule: "-",
                              frame: ("+", "+", "+", "+", "-", "|"), sortMarker: "v", warn: "!", crit: "X", barFull: "#", barEmpty: ".")

    /// The mark for a level ("" for ok).
    func symbol(_ level: Level) -> String {
        switch level {
        case .ok: return ""
        case .warn: return warn
        case .crit: return crit
        }
    }

    /// Marks the column a table is sorted by in reverse (a second click on its header).
    var reversedSortMarker: String { isASCII ? "^" : "▴" }

    static func == (a: Glyphs, b: Glyphs) -> Bool { a.isASCII == b.isASCII }
    func hash(into hasher: inout Hasher) { hasher.combine(isASCII) }
}
