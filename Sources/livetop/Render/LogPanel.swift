import Foundation
import LiveModel

/// The newest messages, one line each; scrolled, the newest shown is `anchor` (a sequence
/// number), so messages arriving meanwhile do not slide it, and the title says so.
struct LogPanel {
    var log: MessageLog
    /// The sequence number of the newest message shown; nil follows the newest.
    var anchor: Int64? = nil
    /// Only lines containing this text (`/` on the focused log).
    var filter: String? = nil
    var focused = false
    var glyphs: Glyphs

    /// Lines of messages shown under the title.
    static func page(of area: Rect) -> Int { max(0, area.height - 1) }

    /// The log's oldest and newest sequence numbers, for the scroll keys.
    static func span(of log: MessageLog) -> (oldest: Int64, newest: Int64) {
        log.count == 0 ? (0, 0) : (log.entry(at: 0).seq, log.entry(at: log.count - 1).seq)
    }

    static func text(of entry: LogEntry) -> (String, Style) {
        switch entry.content {
        case .json(let t): return (t, .plain)
        case .text(let t, _): return (t, .muted)
        case .binary(let size, let hex): return ("<binary \(size) bytes: \(hex)>", .muted)
        }
    }

    /// The title's mark for a scrolled log: how many newer messages are below.
    static func scrolledMark(anchor: Int64?, newest: Int64) -> String {
        guard let anchor, anchor < newest else { return "" }
        return " SCROLLED, \(Format.grouped(newest - anchor)) newer below (End follows)"
    }

    func render(in area: Rect, into buffer: inout Buffer) {
        guard !area.isEmpty else { return }
        let titleStyle = focused ? Style(foreground: .cyan, bold: true, reverse: true) : Style.title
        let (_, newest) = Self.span(of: log)
        let title = "log (\(Format.grouped(Int64(log.total))) messages)" + (filter.map { " /\($0)" } ?? "")
            + Self.scrolledMark(anchor: anchor, newest: newest)
        buffer.write(TerminalText.truncate(title, to: area.width, ascii: glyphs.isASCII), x: area.x, y: area.y, style: titleStyle, clip: area)
        let room = Self.page(of: area)
        guard room > 0 else { return }
        let needle = filter?.lowercased()
        var lines: [(seq: Int64, text: String, style: Style)] = []
        var i = log.count - 1
        while i >= 0 && lines.count < room {
            let entry = log.entry(at: i)
            i -= 1
            if let anchor, entry.seq > anchor { continue }
            let (text, style) = Self.text(of: entry)
            if let needle, !text.lowercased().contains(needle) { continue }
            lines.append((entry.seq, text, style))
        }
        if lines.isEmpty, let filter {
            buffer.write(TerminalText.truncate("no lines match /\(filter)", to: area.width, ascii: glyphs.isASCII), x: area.x,
                         y: area.y + 1, style: .muted, clip: area)
        }
        for (row, line) in lines.reversed().enumerated() {
            let x = buffer.write("#\(line.seq) ", x: area.x, y: area.y + 1 + row, style: .muted, clip: area)
            buffer.write(TerminalText.truncate(line.text, to: max(0, area.maxX - x), ascii: glyphs.isASCII), x: x, y: area.y + 1 + row,
                         style: line.style, clip: area)
        }
    }
}
