/// Keys and what they do, drawn over the panels: `KeyMap`'s own list.
struct HelpOverlay {
    static var lines: [String] { KeyMap.helpLines }

    func render(in area: Rect, into buffer: inout Buffer) {
        let lines = Self.lines
        let width = min(area.width, (lines.map { TerminalText.width($0) }.max() ?? 20) + 4)
        let height = min(area.height, lines.count + 2)
        let box = Rect(x: area.x + (area.width - width) / 2, y: area.y + (area.height - height) / 2, width: width, height: height)
        buffer.fill(box, with: Cell(text: " ", style: Style(reverse: true)))
        buffer.write(" livetop keys", x: box.x, y: box.y, style: Style(bold: true, reverse: true), clip: box)
        for (i, line) in lines.prefix(max(0, height - 2)).enumerated() {
            buffer.write(TerminalText.truncate("  " + line, to: box.width, ascii: false), x: box.x, y: box.y + 1 + i,
                         style: Style(reverse: true), clip: box)
        }
    }
}
