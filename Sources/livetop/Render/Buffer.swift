/// A rectangle of the screen, in cells.
struct Rect: Hashable, Sendable {
    var x: Int, y: Int, width: Int, height: Int

    var isEmpty: Bool { width <= 0 || height <= 0 }
    var maxX: Int { x + width }
    var maxY: Int { y + height }

    /// The rectangle without a margin of `n` cells on every side.
    func inset(_ n: Int) -> Rect { Rect(x: x + n, y: y + n, width: max(0, width - 2 * n), height: max(0, height - 2 * n)) }

    /// Splits off the top `rows` rows.
    func splitTop(_ rows: Int) -> (top: Rect, rest: Rect) {
        let r = min(max(0, rows), height)
        return (Rect(x: x, y: y, width: width, height: r), Rect(x: x, y: y + r, width: width, height: height - r))
    }

    /// Splits off the bottom `rows` rows.
    func splitBottom(_ rows: Int) -> (rest: Rect, bottom: Rect) {
        let r = min(max(0, rows), height)
        return (Rect(x: x, y: y, width: width, height: height - r), Rect(x: x, y: y + height - r, width: width, height: r))
    }
}

/// One cell: the text of one whole grapheme cluster (or "" for the right half of a wide one) and
/// its style. A cluster of up to 15 UTF-8 bytes (every letter, 👍🏽, 🇯🇵, ❤️) is stored inline
/// by String, so a cell costs no allocation; only longer ones (👨‍👩‍👧‍👦) do.
struct Cell: Hashable, Sendable {
    var text: String
    var style: Style
    static let blank = Cell(text: " ", style: .plain)
}

/// The whole screen as cells. Widgets draw into it; the terminal backend compares it with the
/// previous frame and sends only the difference (ratatui's Buffer).
struct Buffer: Hashable, Sendable {
    let width: Int
    let height: Int
    private(set) var cells: [Cell]

    init(width: Int, height: Int, fill: Cell = .blank) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: fill, count: self.width * self.height)
    }

    var area: Rect { Rect(x: 0, y: 0, width: width, height: height) }

    subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
        set {
            guard x >= 0, y >= 0, x < width, y < height else { return }
            let i = y * width + x
            // Never half a wide character: writing over either half blanks the other, as a terminal
            // does, so that every row's cells still add up to the screen's width.
            if cells[i].text.isEmpty, !newValue.text.isEmpty, x > 0 { cells[i - 1] = Cell(text: " ", style: cells[i - 1].style) }
            if x + 1 < width, cells[i + 1].text.isEmpty, !cells[i].text.isEmpty {
                cells[i + 1] = Cell(text: " ", style: cells[i + 1].style)
            }
            cells[i] = newValue
        }
    }

    /// Writes sanitized text at (x, y), clipped to `clip`, a grapheme cluster a cell; wide characters
    /// are never cut in half.
    /// Returns the column after the last cell written.
    @discardableResult
    mutating func write(_ text: String, x: Int, y: Int, style: Style = .plain, clip: Rect? = nil) -> Int {
        let bounds = clip ?? area
        guard y >= bounds.y, y < bounds.maxY, y < height else { return x }
        var col = x
        for character in TerminalText.sanitize(text) {
            let w = TerminalText.width(of: character)
            if w == 0 { continue }  // sanitize keeps combining marks attached; a lone zero-width char is dropped
            if col + w > bounds.maxX { break }
            if col >= bounds.x {
                let text = TerminalText.cellText(character)
                self[col, y] = Cell(text: text, style: style)
                // The placeholder for a cluster no cell can hold is narrow: a blank after it keeps the width.
                if w == 2 { self[col + 1, y] = Cell(text: text == TerminalText.placeholder ? " " : "", style: style) }
            }
            col += w
        }
        return col
    }

    /// Fills a rectangle with one cell.
    mutating func fill(_ rect: Rect, with cell: Cell = .blank) {
        for y in max(0, rect.y)..<min(height, rect.maxY) {
            for x in max(0, rect.x)..<min(width, rect.maxX) { self[x, y] = cell }
        }
    }

    /// The cells to send to a terminal that shows `previous`: every cell that differs (all of them
    /// when there is no previous frame or its size differs), skipping the right halves of wide
    /// characters, which the terminal fills itself.
    func changes(since previous: Buffer?) -> [(x: Int, y: Int, cell: Cell)] {
        let whole = previous.map { $0.width != width || $0.height != height } ?? true
        var out: [(x: Int, y: Int, cell: Cell)] = []
        for y in 0..<height {
            for x in 0..<width {
                let cell = cells[y * width + x]
                if !whole, let previous, previous.cells[y * width + x] == cell { continue }
                if cell.text.isEmpty { continue }
                out.append((x, y, cell))
            }
        }
        return out
    }

    /// The rows as plain strings (for tests and tmux-free snapshots).
    var lines: [String] {
        (0..<height).map { y in (0..<width).map { self[$0, y].text }.joined() }
    }
}
