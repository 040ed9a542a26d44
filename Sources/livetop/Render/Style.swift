/// How a cell looks. Colours carry meaning (green open, yellow waiting, red failed); the
/// backend drops them under NO_COLOR.
struct Style: Hashable, Sendable {
    enum Color: UInt8, Hashable, Sendable { case `default`, red, green, yellow, blue, magenta, cyan, white, gray }

    var foreground: Color = .default
    var bold = false
    var dim = false
    var reverse = false

    static let plain = Style()
    static let title = Style(bold: true)
    static let muted = Style(dim: true)
    static func color(_ c: Color, bold: Bool = false) -> Style { Style(foreground: c, bold: bold) }
}

extension Style {
    /// How a value at `level` is drawn: yellow for warn, red for crit (the glyph beside it
    /// carries the same meaning without colour).
    static func level(_ level: Level) -> Style {
        switch level {
        case .ok: return .plain
        case .warn: return Style(foreground: .yellow, bold: true)
        case .crit: return Style(foreground: .red, bold: true)
        }
    }
}
