import CNcurses
#if canImport(Glibc)
import Glibc
#endif

/// Writes frames into an ncurses window, each cell's grapheme cluster whole (docs/architecture.md,
/// "Text on the grid"). ncurses holds a cluster in a cell only when wcwidth agrees with
/// `TerminalText.width` on its first scalar and every later scalar is zero-width, in at most
/// CCHARW_MAX of them (é, ⌚️); setcchar would silently keep only the first scalar of 👍🏽, 🇯🇵
/// or 👨‍👩‍👧‍👦. Those are held in ncurses as a placeholder of the same width, and drawn over it
/// after each update (`lt_overwrite`); a row that ncurses redraws gets them again.
final class CursesCanvas {
    private let window: UnsafeMutablePointer<WINDOW>
    /// Where ncurses writes (the overwrites go the same way, after it).
    private let output: UnsafeMutablePointer<FILE>
    private let colors: Bool
    /// Clusters can be drawn over placeholders: a UTF-8 locale and a terminal with sc, rc and cup.
    /// Otherwise the placeholder is what shows (never a split cluster).
    private let overwrites: Bool
    private var previous: Buffer?
    /// The clusters drawn over placeholders now, by row and column.
    private var overlays: [Int: [Int: Cell]] = [:]

    init(window: UnsafeMutablePointer<WINDOW>, output: UnsafeMutablePointer<FILE>, colors: Bool, asciiOnly: Bool) {
        self.window = window
        self.output = output
        self.colors = colors
        overwrites = !asciiOnly && lt_can_overwrite() != 0
    }

    /// Forgets the last frame, so the next one is drawn whole.
    func invalidate() { previous = nil }

    /// True when ncurses keeps `scalars` whole in one cell `width` columns wide.
    static func ncursesHolds(_ scalars: [wchar_t], width: Int) -> Bool {
        guard let first = scalars.first, scalars.count <= Int(CCHARW_MAX), Int(wcwidth(first)) == width else { return false }
        return scalars.dropFirst().allSatisfy { wcwidth($0) == 0 }
    }

    /// Draws a frame, sending only what differs from the last one.
    func draw(_ buffer: Buffer) {
        let whole = previous.map { $0.width != buffer.width || $0.height != buffer.height } ?? true
        if whole {
            werase(window)
            overlays.removeAll()
        }
        var changedRows: [Bool] = overlays.isEmpty ? [] : Array(repeating: false, count: buffer.height)
        var text: [wchar_t] = []
        text.reserveCapacity(8)
        for change in buffer.changes(since: previous) {
            let (x, y, cell) = change
            let attributes = attributes(cell.style)
            let pair = colors ? Int16(cell.style.foreground.rawValue) : 0
            text.removeAll(keepingCapacity: true)
            for scalar in cell.text.unicodeScalars { text.append(wchar_t(bitPattern: scalar.value)) }
            let width = x + 1 < buffer.width && buffer[x + 1, y].text.isEmpty ? 2 : 1
            if text.count == 1 && text[0] < 0x80 || Self.ncursesHolds(text, width: width) {
                text.append(0)
                _ = lt_put_wide(window, Int32(y), Int32(x), &text, attributes, pair)
                if !overlays.isEmpty { forget(x: x, y: y, width: width) }
            } else {
                // U+FFFD in each column: not plain ASCII, so ncurses never prints it to move the cursor.
                var placeholder: [wchar_t] = [0xFFFD, 0]
                for column in x..<(x + width) {
                    _ = lt_put_wide(window, Int32(y), Int32(column), &placeholder, attributes, pair)
                }
                if !overlays.isEmpty { forget(x: x, y: y, width: width) }
                if overwrites {
                    if changedRows.isEmpty { changedRows = Array(repeating: false, count: buffer.height) }
                    overlays[y, default: [:]][x] = cell
                }
            }
            if !changedRows.isEmpty { changedRows[y] = true }
        }
        wnoutrefresh(window)
        doupdate()
        // ncurses may have redrawn any changed row, placeholders and all: draw their clusters again.
        if !overlays.isEmpty {
            for (y, row) in overlays where y < changedRows.count && changedRows[y] {
                for (x, cell) in row {
                    _ = lt_overwrite(output, Int32(y), Int32(x), cell.text, attributes(cell.style),
                                     colors ? Int16(cell.style.foreground.rawValue) : 0)
                }
            }
            fflush(output)
        }
        previous = buffer
    }

    /// The cells x..<x+width no longer show an overlaid cluster (a right half is never a change of
    /// its own, so a wide cell drops the overlay under its right half too).
    private func forget(x: Int, y: Int, width: Int) {
        guard var row = overlays[y] else { return }
        for column in x..<(x + width) { row[column] = nil }
        overlays[y] = row.isEmpty ? nil : row
    }

    private func attributes(_ style: Style) -> attr_t {
        var a = lt_a_normal()
        if style.bold { a |= lt_a_bold() }
        if style.dim { a |= lt_a_dim() }
        if style.reverse { a |= lt_a_reverse() }
        return a
    }
}
