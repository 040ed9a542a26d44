/// A click or a wheel notch, as the terminal backend reads it: which, and the cell under the
/// pointer (column and row from 0, as the screen's `Buffer` counts them). It reaches `KeyMap` as
/// a `Key`, so clicks go through the same actions as keys and a `TestBackend` can script them.
struct MouseEvent: Hashable, Sendable {
    enum Button: Hashable, Sendable {
        /// The left button went down (livetop acts on the press: no double-click wait).
        case press
        case wheelUp, wheelDown
    }

    var button: Button
    var x: Int
    var y: Int

    init(_ button: Button, x: Int, y: Int) {
        self.button = button
        self.x = x
        self.y = y
    }
}
