import Foundation
import LiveModel

/// A value tile: the key, the value, and for numbers a sparkline with min and max.
struct ValueTile {
    var title: String
    var value: String
    var history: History?
    var focused = false
    var glyphs: Glyphs

    static let height = 3

    func render(in area: Rect, into buffer: inout Buffer) {
        guard !area.isEmpty else { return }
        let titleStyle = focused ? Style(foreground: .cyan, bold: true, reverse: true) : Style.title
        buffer.write(TerminalText.truncate(title, to: area.width, ascii: glyphs.isASCII), x: area.x, y: area.y, style: titleStyle, clip: area)
        if area.height > 1 {
            buffer.write(TerminalText.truncate(value, to: area.width, ascii: glyphs.isASCII), x: area.x, y: area.y + 1, clip: area)
        }
        if area.height > 2, let history, history.values.count > 1, let lo = history.min, let hi = history.max {
            let range = " \(Format.number(lo))..\(Format.number(hi))"
            let rangeWidth = TerminalText.width(range)
            let sparkWidth = max(1, area.width - (rangeWidth < area.width / 2 ? rangeWidth : 0))
            Sparkline(values: history.values, glyphs: glyphs).render(in: Rect(x: area.x, y: area.y + 2, width: sparkWidth, height: 1), into: &buffer)
            if sparkWidth < area.width {
                buffer.write(range, x: area.x + sparkWidth, y: area.y + 2, style: .muted, clip: area)
            }
        }
    }
}
