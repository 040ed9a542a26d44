/// An in-memory terminal, as ratatui's `TestBackend`: frames land in a buffer, keys come from a
/// script, and `wait` moves a virtual clock instead of sleeping. The dashboard's loop runs on it
/// unchanged, so keys, frame scheduling and the cell diff are unit-tested without a terminal.
final class TestBackend: TerminalBackend {
    private(set) var width: Int
    private(set) var height: Int
    let asciiOnly: Bool
    /// What the terminal shows now.
    private(set) var screen: Buffer
    private var previous: Buffer?
    /// Frames drawn, and the cells each one sent (what a real terminal would have been written).
    private(set) var frames = 0
    private(set) var cellsWritten: [Int] = []
    private(set) var bells = 0
    /// Keys the loop will read, in order.
    var keys: [Key] = []
    /// Seconds on the virtual clock; `wait` advances it by what it was asked to sleep, or less
    /// when `wakeAfter` says something arrives sooner.
    private(set) var now = 0.0
    /// The next wake-up (a key or a burst) the test has scheduled, in virtual seconds.
    var wakeAfter: Double?
    /// Every sleep the loop asked for, in milliseconds.
    private(set) var waits: [Int32] = []
    /// Colours are dropped as under NO_COLOR.
    let colors: Bool

    init(width: Int, height: Int, asciiOnly: Bool = false, colors: Bool = true) {
        self.width = width
        self.height = height
        self.asciiOnly = asciiOnly
        self.colors = colors
        screen = Buffer(width: width, height: height)
    }

    var size: (width: Int, height: Int) { (width, height) }

    func draw(_ buffer: Buffer) {
        let changes = buffer.changes(since: previous)
        if previous == nil || previous?.width != buffer.width || previous?.height != buffer.height {
            screen = Buffer(width: buffer.width, height: buffer.height)
        }
        for change in changes {
            var cell = change.cell
            if !colors { cell.style.foreground = .default }
            screen[change.x, change.y] = cell
            // A wide cluster covers the next column too, as a terminal's does.
            if change.x + 1 < buffer.width, buffer[change.x + 1, change.y].text.isEmpty {
                screen[change.x + 1, change.y] = Cell(text: "", style: cell.style)
            }
        }
        cellsWritten.append(changes.count)
        frames += 1
        previous = buffer
    }

    func invalidate() { previous = nil }

    func readKey() -> Key? { keys.isEmpty ? nil : keys.removeFirst() }

    func resize(width: Int, height: Int) {
        self.width = width
        self.height = height
        keys.append(.resize)
    }

    func followTerminalSize() -> Bool { false }

    func wait(milliseconds: Int32) -> Bool {
        waits.append(milliseconds)
        let asked = milliseconds < 0 ? 3600 : Double(milliseconds) / 1000
        if let wake = wakeAfter, wake - now < asked {
            now = max(now, wake)
            wakeAfter = nil
        } else {
            now += asked
        }
        return true
    }

    func bell() { bells += 1 }
}
