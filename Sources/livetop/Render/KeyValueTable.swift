import Foundation

/// A titled table of keys and values; rows that do not fit are summarised ("+12 more").
struct KeyValueTable {
    var title: String
    var pairs: [(key: String, value: String)]
    var focused = false
    var glyphs: Glyphs

    func render(in area: Rect, into buffer: inout Buffer) {
        guard !area.isEmpty else { return }
        let titleStyle = focused ? Style(foreground: .cyan, bold: true, reverse: true) : Style.title
        buffer.write(TerminalText.truncate(title, to: area.width, ascii: glyphs.isASCII), x: area.x, y: area.y, style: titleStyle, clip: area)
        let keyWidth = min(max(4, pairs.map { TerminalText.width($0.key) }.max() ?? 4), max(4, area.width / 2))
        let capacity = area.height - 1
        let overflow = pairs.count > capacity
        let shown = overflow ? max(0, capacity - 1) : pairs.count
        for (i, pair) in pairs.prefix(shown).enumerated() {
            let y = area.y + 1 + i
            buffer.write(TerminalText.truncate(pair.key, to: keyWidth, ascii: glyphs.isASCII), x: area.x, y: y, style: .muted, clip: area)
            let valueX = area.x + keyWidth + 1
            buffer.write(TerminalText.truncate(pair.value, to: max(0, area.maxX - valueX), ascii: glyphs.isASCII),
                         x: valueX, y: y, clip: area)
        }
        if overflow && capacity > 0 {
            buffer.write("+\(pairs.count - shown) more", x: area.x, y: area.y + capacity, style: .muted, clip: area)
        }
    }
}
