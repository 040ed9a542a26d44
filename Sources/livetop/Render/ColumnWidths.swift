/// How a table's columns share its width: each wants its natural width (its widest text, capped
/// by the caller); when they do not all fit, the widest give way first, down to `least` cells
/// (a few characters and `…`), and columns are dropped from the right only when not even that
/// fits. So a 5,000-character value shortens its column instead of pushing it off the screen.
enum ColumnWidths {
    static let least = 4

    /// The widths of the columns shown (the first `count` of `natural`), with one cell between
    /// neighbours; their sum plus the gaps is at most `width`. At least one column is shown
    /// (cut to `width`) when there is any.
    static func fit(_ natural: [Int], in width: Int, least: Int = least) -> [Int] {
        guard !natural.isEmpty, width > 0 else { return natural.isEmpty ? [] : [0] }
        let wanted = natural.map { max(0, $0) }
        let floors = wanted.map { min($0, least) }
        // As many columns as fit at their least width.
        var count = 0
        var used = 0
        for floor in floors {
            let next = used + (count > 0 ? 1 : 0) + floor
            if next > width { break }
            used = next
            count += 1
        }
        guard count > 1 else { return [min(wanted[0], width)] }
        let room = width - (count - 1)
        let shown = Array(wanted.prefix(count))
        if shown.reduce(0, +) <= room { return shown }
        // The highest level L where min(natural, max(floor, L)) still fits, then the rest of the room
        // one cell each to the columns still short of their natural width, from the left.
        func widths(at level: Int) -> [Int] { (0..<count).map { min(shown[$0], max(floors[$0], level)) } }
        var low = 0, high = shown.max() ?? 0
        while low < high {
            let mid = (low + high + 1) / 2
            if widths(at: mid).reduce(0, +) <= room { low = mid } else { high = mid - 1 }
        }
        var result = widths(at: low)
        var spare = room - result.reduce(0, +)
        for i in 0..<count where spare > 0 && result[i] < shown[i] {
            result[i] += 1
            spare -= 1
        }
        return result
    }
}
