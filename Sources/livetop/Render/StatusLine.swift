import Foundation
import LiveModel

/// The bottom row: state glyph and word, transport, URL, msg/s, age of the last message, and
/// when not open the error with a live countdown. Green open, yellow connecting/waiting, red failed.
/// A fallback or a gap (messages the server no longer had) is shown in yellow with its reason for
/// `transitionShownFor`; after that a gap stays counted (`1 gap (15 missed)`), and so do repeats
/// dropped (`2 repeats dropped`), so a later look still sees them.
struct StatusLine {
    static let transitionShownFor = 10.0

    var status: ConnectionStatus
    var stats: MessageStats
    var now: Timestamp
    var paused: Bool
    /// While paused: how many messages arrived since (they are folded, not shown).
    var arrivedWhilePaused: Int64? = nil
    var notice: String? = nil
    var glyphs: Glyphs
    /// The source's name, when there are several.
    var name: String? = nil
    /// Alerts raised now, and the worst of their levels.
    var alerts = 0
    var worstAlert: Level? = nil
    /// The store's key limit: keys evicted past it are said (`--max-keys`).
    var maxKeys: Int? = nil

    func render(in area: Rect, into buffer: inout Buffer) {
        guard !area.isEmpty else { return }
        buffer.fill(area, with: Cell(text: " ", style: Style(reverse: true)))
        var color: Style.Color
        switch status.phase {
        case .open: color = .green
        case .failed: color = .red
        case .closed, .idle: color = .default
        case .connecting, .waiting: color = .yellow
        }
        // A source silent past its expect: never a green "open".
        var word = status.word
        if status.staleSince != nil, status.phase == .open {
            word = "stale"
            color = .yellow
        }
        var x = area.x
        if let name {
            x = buffer.write(TerminalText.truncate(name, to: 16, ascii: glyphs.isASCII) + " ", x: x, y: area.y,
                             style: Style(bold: true, reverse: true), clip: area)
        }
        x = buffer.write(glyphs.bullet + " " + word, x: x, y: area.y,
                         style: Style(foreground: color, bold: true, reverse: true), clip: area)
        if alerts > 0, let level = worstAlert {
            let text = " \(glyphs.symbol(level)) \(alerts) alert" + (alerts == 1 ? "" : "s")
            x = buffer.write(text, x: x, y: area.y, style: Style(foreground: Style.level(level).foreground, bold: true, reverse: true), clip: area)
        }
        if paused {
            let arrived = arrivedWhilePaused.map { $0 > 0 ? " (+\(Format.grouped($0)) new, p shows them)" : "" } ?? ""
            x = buffer.write(" PAUSED" + arrived, x: x, y: area.y, style: Style(foreground: .magenta, bold: true, reverse: true), clip: area)
        }
        var parts: [String] = []
        if let t = status.transport {
            // Open on `poll`, the summary says how often: "polling every 1 s".
            parts.append(status.phase == .open && t == .poll ? status.summary(at: now) : t.rawValue)
        }
        parts.append(Format.rate(stats.rate(at: now)))
        if let age = stats.age(at: now) { parts.append("last " + Format.age(age)) }
        var transition: String?
        // What the store had to drop: the screen may be missing rows or values, and says so.
        var evicted: String?
        if stats.evictions > 0 {
            evicted = "\(Format.grouped(stats.evictions)) keys evicted" + (maxKeys.map { " (--max-keys \(Format.grouped(Int64($0))))" } ?? "")
        }
        if let since = status.staleSince {
            parts.append("silent \(Format.duration(max(0, now - since))) (expect \(Format.duration(status.staleExpected)))")
        }
        if let notice {
            // The source has ended: how it ended, then what to do.
            if status.phase == .closed, status.closedReason != nil { parts.append(status.summary(at: now)) }
            parts.append(notice)
        } else {
            if case .open = status.phase {} else if status.phase != .idle { parts.append(status.summary(at: now)) }
            if let last = status.lastTransition, now - last.at < Self.transitionShownFor {
                transition = last.kind == .note ? last.reason : "\(last.kind.rawValue): \(last.reason)"
            } else {
                if status.gaps > 0 {
                    let missed = status.missed > 0 ? " (\(Format.grouped(Int64(status.missed))) missed)" : ""
                    parts.append((status.gaps == 1 ? "1 gap" : "\(status.gaps) gaps") + missed)
                }
                if status.repeats > 0 {
                    parts.append("\(Format.grouped(Int64(status.repeats))) repeat\(status.repeats == 1 ? "" : "s") dropped")
                }
            }
        }
        let info = " " + parts.joined(separator: "  ")
        x = buffer.write(TerminalText.truncate(info, to: max(0, area.maxX - x), ascii: glyphs.isASCII), x: x, y: area.y,
                         style: Style(reverse: true), clip: area)
        if let evicted {
            x = buffer.write(TerminalText.truncate("  " + evicted, to: max(0, area.maxX - x), ascii: glyphs.isASCII), x: x,
                             y: area.y, style: Style(foreground: .yellow, bold: true, reverse: true), clip: area)
        }
        if let transition {
            x = buffer.write(TerminalText.truncate("  " + transition, to: max(0, area.maxX - x), ascii: glyphs.isASCII), x: x,
                             y: area.y, style: Style(foreground: .yellow, bold: true, reverse: true), clip: area)
        }
        // The URL takes what is left, shortened from the left so the path stays visible.
        if let url = status.url, area.maxX - x > 8 {
            let room = area.maxX - x - 2
            let shown = TerminalText.width(url) <= room ? url : glyphs.ellipsis + String(url.suffix(max(1, room - 1)))
            buffer.write(shown, x: area.maxX - TerminalText.width(shown) - 1, y: area.y, style: Style(dim: true, reverse: true), clip: area)
        }
    }
}
