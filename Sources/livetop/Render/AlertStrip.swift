import LiveModel

/// The alerts raised now, worst first, on one row above the status lines: level mark, panel,
/// pointer, value and for how long (`✖ services /services/api/status = down for 12s`).
struct AlertStrip {
    var alerts: [Alert]
    var now: Timestamp
    var glyphs: Glyphs

    func render(in area: Rect, into buffer: inout Buffer) {
        guard !area.isEmpty else { return }
        if alerts.isEmpty {
            buffer.write("no alerts", x: area.x, y: area.y, style: .muted, clip: area)
            return
        }
        var x = area.x
        for (i, alert) in alerts.enumerated() {
            let held = max(0, now - alert.since)
            let text = "\(glyphs.symbol(alert.level)) \(alert.panel) \(alert.pointer) = \(Format.value(alert.value)) for \(Format.duration(held))"
            let rest = alerts.count - i - 1
            let more = rest > 0 ? "  +\(rest) more" : ""
            if x > area.x && x + TerminalText.width(text) + TerminalText.width(more) > area.maxX {
                buffer.write("+\(alerts.count - i) more", x: x, y: area.y, style: .muted, clip: area)
                return
            }
            x = buffer.write(TerminalText.truncate(text, to: max(0, area.maxX - x), ascii: glyphs.isASCII), x: x, y: area.y,
                             style: Style.level(alert.level), clip: area)
            x += 2
        }
    }
}
