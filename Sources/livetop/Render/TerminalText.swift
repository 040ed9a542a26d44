/// Text from the feed is untrusted: before it reaches the grid, every control character,
/// escape sequence and bidi control is replaced by a visible escape, so nothing from the feed
/// can move the cursor, change colours, set the title or reorder the line. Widths are measured
/// per grapheme cluster (what the terminal draws as one character).
enum TerminalText {
    /// `ESC[31m` becomes `\e[31m`, a tab `\t`, other controls `\x07`, `\u{202E}`, and so on.
    static func sanitize(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isUnsafe) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            guard isUnsafe(scalar) else {
                out.unicodeScalars.append(scalar)
                continue
            }
            switch scalar.value {
            case 0x1B: out += "\\e"
            case 0x09: out += "\\t"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0..<0x80: out += "\\x" + hex(scalar.value, 2)
            default: out += "\\u{" + hex(scalar.value, 4) + "}"
            }
        }
        return out
    }

    /// C0 controls, DEL, C1 controls, bidi embedding/override/isolate controls, and line/paragraph separators.
    static func isUnsafe(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x00..<0x20, 0x7F...0x9F, 0x202A...0x202E, 0x2066...0x2069, 0x2028, 0x2029, 0x200E, 0x200F, 0x061C: return true
        default: return false
        }
    }

    /// Columns a grapheme takes: 2 for East Asian wide and fullwidth characters and emoji
    /// presentation, 0 for a lone combining mark, else 1.
    static func width(of character: Character) -> Int {
        guard let first = character.unicodeScalars.first else { return 0 }
        if character.unicodeScalars.contains(where: { $0.properties.isEmojiPresentation })
            || character.unicodeScalars.contains(where: { $0.value == 0xFE0F }) && first.properties.isEmoji {
            return 2
        }
        if first.properties.generalCategory == .nonspacingMark || first.properties.generalCategory == .enclosingMark { return 0 }
        switch first.value {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
             0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x20000...0x3FFFD:
            return 2
        default:
            return 1
        }
    }

    /// Display width of a whole string (after sanitizing).
    static func width(_ text: String) -> Int { sanitize(text).reduce(0) { $0 + width(of: $1) } }

    /// The longest prefix that fits in `columns`, with "…" when cut (or "~" in ASCII mode).
    static func truncate(_ text: String, to columns: Int, ascii: Bool = false) -> String {
        let clean = sanitize(text)
        guard width(clean) > columns else { return clean }
        guard columns > 0 else { return "" }
        var out = ""
        var used = 0
        for c in clean {
            let w = width(of: c)
            if used + w > columns - 1 { break }
            out.append(c)
            used += w
        }
        return out + (ascii ? "~" : "…")
    }

    /// Lines of at most `columns`, broken at spaces where one is near, else mid-word; the text's
    /// own line breaks are kept (and only those: other controls are shown escaped).
    static func wrap(_ text: String, to columns: Int) -> [String] {
        guard columns > 0 else { return [] }
        var lines: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = ""
            var used = 0
            var lastSpace: String.Index?
            for c in sanitize(String(paragraph)) {
                let w = width(of: c)
                if used + w > columns {
                    if let space = lastSpace {
                        let rest = String(line[line.index(after: space)...])
                        lines.append(String(line[..<space]))
                        line = rest
                        used = width(rest)
                    } else {
                        lines.append(line)
                        line = ""
                        used = 0
                    }
                    lastSpace = nil
                }
                if c == " " { lastSpace = line.endIndex }
                line.append(c)
                used += w
            }
            lines.append(line)
        }
        return lines
    }

    private static func hex(_ v: UInt32, _ digits: Int) -> String {
        let s = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, digits - s.count)) + s
    }
}
