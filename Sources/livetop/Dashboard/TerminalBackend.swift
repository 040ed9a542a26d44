/// Where frames go and keys come from. `CursesBackend` is the terminal; `TestBackend` keeps
/// everything in memory so keys, frame scheduling and the cell diff are tested without tmux.
/// Every call happens on the one thread that runs the dashboard's loop.
protocol TerminalBackend: AnyObject {
    /// Columns and rows.
    var size: (width: Int, height: Int) { get }
    /// The terminal cannot draw box, braille or block glyphs (no UTF-8 locale).
    var asciiOnly: Bool { get }
    /// The terminal shows colours (false under NO_COLOR, or when it has none).
    var colors: Bool { get }
    /// Draws a frame, sending only the cells that differ from the last one.
    func draw(_ buffer: Buffer)
    /// Forgets the last frame, so the next one is drawn whole.
    func invalidate()
    /// The next key already typed, without waiting; nil when there is none.
    func readKey() -> Key?
    /// Follows a resize whose signal was missed; true when the size changed.
    func followTerminalSize() -> Bool
    /// Sleeps until input, a wake-up or `milliseconds` pass; false when the terminal has gone.
    func wait(milliseconds: Int32) -> Bool
    /// Rings the terminal bell (an alert asked for it).
    func bell()
}
