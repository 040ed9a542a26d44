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

    /// Columns a grapheme cluster takes, as terminals draw it (docs/architecture.md, "Text on the
    /// grid"): 2 for East Asian Wide and Fullwidth characters, for a cluster with an emoji in
    /// emoji presentation (👍🏽, 👨‍👩‍👧‍👦) or an emoji with VS16 (❤️), and for a regional-indicator
    /// pair (🇯🇵); 0 for what draws nothing alone (a combining mark, ZWJ, a variation selector, a
    /// format character), so that it is never written by itself; else 1.
    static func width(of character: Character) -> Int {
        if character.isASCII { return 1 }
        let scalars = character.unicodeScalars
        var iterator = scalars.makeIterator()
        guard let first = iterator.next() else { return 0 }
        guard let second = iterator.next() else { return width(ofScalar: first) }
        if TerminalText.isRegionalIndicator(first) { return TerminalText.isRegionalIndicator(second) ? 2 : 1 }
        if width(ofScalar: first) == 0 { return 0 }  // a lone mark, or ZWJ + VS: nothing to draw on
        for s in scalars {
            if s.properties.isEmojiPresentation && !TerminalText.isRegionalIndicator(s) { return 2 }
            if s.value == 0xFE0F && first.properties.isEmoji { return 2 }
        }
        return width(ofScalar: first)
    }

    static func isRegionalIndicator(_ s: Unicode.Scalar) -> Bool { (0x1F1E6...0x1F1FF).contains(s.value) }

    /// The width of one scalar standing alone (the base of a cluster).
    static func width(ofScalar scalar: Unicode.Scalar) -> Int {
        let v = scalar.value
        if v < 0x300 { return v == 0xAD || v >= 0x20 && !(0x7F...0x9F).contains(v) ? 1 : 0 }
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format, .lineSeparator, .paragraphSeparator, .control: return 0
        default: break
        }
        // Hangul medial vowels and final consonants join the syllable before them.
        if (0x1160...0x11FF).contains(v) || (0xD7B0...0xD7FF).contains(v) { return 0 }
        // A lone regional indicator is one letter; only a pair is a (wide) flag.
        if scalar.properties.isEmojiPresentation { return TerminalText.isRegionalIndicator(scalar) ? 1 : 2 }
        return isEastAsianWide(v) ? 2 : 1
    }

    /// East_Asian_Width W or F (Unicode 15.1 EastAsianWidth.txt), less the emoji that
    /// `isEmojiPresentation` already covers.
    static func isEastAsianWide(_ v: UInt32) -> Bool {
        if v < 0x1100 { return false }
        switch v {
        case 0x1100...0x115F, 0x2329...0x232A, 0x2E80...0x303E, 0x3041...0x3247, 0x3250...0x4DBF, 0x4E00...0xA4C6,
             0xA960...0xA97C, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE10...0xFE19, 0xFE30...0xFE6B, 0xFF01...0xFF60,
             0xFFE0...0xFFE6, 0x16FE0...0x16FE4, 0x16FF0...0x16FF1, 0x17000...0x18CD5, 0x18D00...0x18D08,
             0x1AFF0...0x1B2FB, 0x1F200...0x1F202, 0x1F210...0x1F23B, 0x1F240...0x1F248, 0x1F250...0x1F251,
             0x1F260...0x1F265, 0x20000...0x2FFFD, 0x30000...0x3FFFD:
            return true
        default:
            return false
        }
    }

    /// The most scalars a cluster may have to be drawn as itself; past it (stacked combining
    /// marks, "Zalgo" text) a terminal's cell cannot hold it and it is drawn as `placeholder`.
    static let maximumClusterScalars = 16
    /// Drawn, one column wide, in place of a cluster a terminal cannot draw.
    static let placeholder = "\u{FFFD}"

    /// What a cell holds for a cluster of width > 0: the cluster itself, without a trailing ZWJ
    /// (which would join it to the next cell's emoji in some terminals); `placeholder` for a
    /// cluster too long for a cell, or one whose base is unassigned (no terminal agrees on its width).
    static func cellText(_ character: Character) -> String {
        if character.isASCII { return String(character) }
        let scalars = character.unicodeScalars
        var count = 0
        var last: Unicode.Scalar = " "
        for s in scalars {
            count += 1
            last = s
        }
        if count > maximumClusterScalars || scalars.first?.properties.generalCategory == .unassigned { return placeholder }
        guard last.value == 0x200D else { return String(character) }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars.dropLast())
        while view.last?.value == 0x200D { view.removeLast() }
        return String(view)
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
