/// A panel's border with its title in the top edge: `┌ services ✖ ──────┐` (ASCII `+ services X ------+`).
/// The title lives in the edge so a bordered panel costs no extra row for it, and the level symbol
/// beside the title tells which panel holds a bad value without colour (NO_COLOR).
struct PanelFrame {
    var title: String
    /// The worst level inside the panel: its symbol after the title, the title coloured with `Style.level`.
    var level: Level? = nil
    /// Focused: the title reversed (cyan bold, like ValueTile's focused title) and the border cyan.
    var focused = false
    /// Right-aligned in the top edge when there is room, muted (e.g. "no data yet", "stale").
    var note: String? = nil
    /// Right-aligned in the top edge before the note, in the warn colour: what the panel is missing
    /// (`▲ 5,000 evicted`, keys the store dropped from under its data).
    var warning: String? = nil
    var glyphs: Glyphs

    /// The title's look: warn and crit keep their colour when focused, so focus never hides a level.
    var titleStyle: Style {
        var style = level.map { $0 == .ok ? Style.title : Style.level($0) } ?? .title
        if focused {
            style.reverse = true
            style.bold = true
            if style.foreground == .default { style.foreground = .cyan }
        }
        return style
    }

    /// The area inside the frame `render(in:)` draws in `area`, known before drawing it.
    static func inner(of area: Rect) -> Rect {
        guard !area.isEmpty else { return area }
        return area.height >= 2 && area.width >= 4 ? area.inset(1) : area.splitTop(1).rest
    }

    /// Draws the border and title; returns the area inside. Areas under 2 rows or 4 columns get no
    /// border (it would leave no room inside): the title alone on the first row, and the rest is returned.
    @discardableResult
    func render(in area: Rect, into buffer: inout Buffer) -> Rect {
        guard !area.isEmpty else { return area }
        let symbol = level.map(glyphs.symbol) ?? ""
        let symbolStyle = level.map(Style.level) ?? .plain
        let symbolColumns = symbol.isEmpty ? 0 : TerminalText.width(symbol) + 1

        guard area.height >= 2, area.width >= 4 else {
            let row = area.splitTop(1).top
            let withSymbol = !symbol.isEmpty && area.width > symbolColumns
            let shown = TerminalText.truncate(title, to: area.width - (withSymbol ? symbolColumns : 0), ascii: glyphs.isASCII)
            let x = buffer.write(shown, x: area.x, y: area.y, style: titleStyle, clip: row)
            if withSymbol { buffer.write(" " + symbol, x: x, y: area.y, style: symbolStyle, clip: row) }
            return area.splitTop(1).rest
        }

        let f = glyphs.frame
        let edge = focused ? Style.color(.cyan) : .plain
        let rule = String(repeating: f.horizontal, count: area.width - 2)
        buffer.write(f.topLeft + rule + f.topRight, x: area.x, y: area.y, style: edge, clip: area)
        buffer.write(f.bottomLeft + rule + f.bottomRight, x: area.x, y: area.maxY - 1, style: edge, clip: area)
        for y in (area.y + 1)..<(area.maxY - 1) {
            buffer[area.x, y] = Cell(text: f.vertical, style: edge)
            buffer[area.maxX - 1, y] = Cell(text: f.vertical, style: edge)
        }

        // The title and symbol go between the corners, padded by a space each side; when even a
        // one-column title does not fit that way it goes in unpadded and without the symbol.
        let top = Rect(x: area.x + 1, y: area.y, width: area.width - 2, height: 1)
        let room = top.width - 2 - symbolColumns
        var x = top.x
        if room >= 1 {
            x = buffer.write(" " + TerminalText.truncate(title, to: room, ascii: glyphs.isASCII) + " ", x: x, y: top.y, style: titleStyle, clip: top)
            if !symbol.isEmpty {
                x = buffer.write(symbol, x: x, y: top.y, style: symbolStyle, clip: top)
                x = buffer.write(" ", x: x, y: top.y, style: edge, clip: top)
            }
        } else {
            x = buffer.write(TerminalText.truncate(title, to: top.width, ascii: glyphs.isASCII), x: x, y: top.y, style: titleStyle, clip: top)
        }

        // The warning, then the note left of it, each keeps one rule cell on each side, or is left out.
        var right = top.maxX - 1
        for (text, style) in [(warning, Style(foreground: .yellow, bold: true)), (note, Style.muted)] {
            guard let text, !text.isEmpty else { continue }
            let padded = " " + TerminalText.sanitize(text) + " "
            let textX = right - TerminalText.width(padded)
            guard textX > x else { continue }
            buffer.write(padded, x: textX, y: top.y, style: style, clip: top)
            right = textX - 1
        }
        return area.inset(1)
    }
}
