/// How a cell looks. Colours carry meaning (green open, yellow waiting, red failed); the
/// backend drops them under NO_COLOR.
struct Style: Hashable, Sendable {
    enum Color: UInt8, Hashable, Sendable, CaseIterable {
        case `default`, red, green, yellow, blue, magenta, cyan, white, gray

        /// A colour as a layout names it (`color: red`); `grey` is `gray`, `default` the
        /// terminal's own foreground. Nil for any other name.
        init?(name: String) {
            if name == "grey" { self = .gray; return }
            guard let color = Self.allCases.first(where: { $0.name == name }) else { return nil }
            self = color
        }

        var name: String { self == .default ? "default" : "\(self)" }
    }

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
    /// How a value at `level` is drawn: green for ok (a value its thresholds judged fine, as
    /// btop and sampler show it), yellow for warn, red for crit (the glyph beside warn and crit
    /// carries the same meaning without colour). A value with no thresholds has no level and
    /// stays plain.
    static func level(_ level: Level) -> Style {
        switch level {
        case .ok: return Style(foreground: .green)
        case .warn: return Style(foreground: .yellow, bold: true)
        case .crit: return Style(foreground: .red, bold: true)
        }
    }
}
