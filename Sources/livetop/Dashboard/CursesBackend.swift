import CNcurses
#if canImport(Glibc)
import Glibc
#endif

/// The terminal: with its `Canvas` (which draws the cells, below), the only code that talks to
/// ncurses, and this the only file that imports CNcurses. It writes
/// only the cells that changed. Every call happens on the one thread that created it, which
/// sleeps in `wait(milliseconds:)` until a key, a resize, a `wake` or the timeout.
final class CursesBackend: TerminalBackend {
    private let screen: OpaquePointer
    private let window: UnsafeMutablePointer<WINDOW>
    private let canvas: Canvas
    /// The locale is not UTF-8: draw ASCII only.
    let asciiOnly: Bool
    /// Colours are shown: not under NO_COLOR, and the terminal has them.
    let colors: Bool
    /// Wakes `wait(milliseconds:)` from another thread.
    let wake: WakePipe
    /// Where keys come from: stdin, or /dev/tty while stdin is the data.
    private let input: CInt
    private let tty: UnsafeMutablePointer<FILE>?
    /// The terminal reports clicks and the wheel (asked for, and its terminfo has a mouse).
    let mouse: Bool

    /// Opens the terminal; nil (instead of exiting, as initscr would) when TERM is unusable, or
    /// when `keysFromTTY` and there is no /dev/tty to read keys from. `mouse`: ask the terminal to
    /// report clicks and the wheel (false: --no-mouse, the terminal's own selection works).
    init?(keysFromTTY: Bool = false, mouse: Bool = true) {
        setlocale(LC_ALL, "")
        let codeset = String(cString: nl_langinfo(nl_item(CODESET)))
        asciiOnly = codeset.uppercased().replacingOccurrences(of: "-", with: "") != "UTF8"
        guard let wake = WakePipe() else { return nil }
        if keysFromTTY {
            guard let tty = fopen("/dev/tty", "r") else { return nil }
            self.tty = tty
            input = fileno(tty)
        } else {
            tty = nil
            input = STDIN_FILENO
        }
        // Ctrl-Z is handled here, not by ncurses (see lt_catch_tstp); before newterm, so that
        // ncurses leaves SIGTSTP alone.
        _ = lt_catch_tstp(wake.writeEnd)
        guard let screen = tty.map({ lt_newterm_input(getenv("TERM"), $0) }) ?? lt_newterm_stdio(getenv("TERM")),
              let window = lt_stdscr() else {
            lt_release_tstp()
            if let tty { fclose(tty) }
            return nil
        }
        self.screen = screen
        self.window = window
        self.wake = wake
        // ncurses has installed its SIGWINCH handler; put one in front that also wakes the poll.
        _ = lt_forward_winch(wake.writeEnd)
        // A lone Esc is a key here, not the start of a sequence to wait a second for.
        set_escdelay(25)
        cbreak()
        noecho()
        keypad(window, true)
        curs_set(0)
        self.mouse = mouse && lt_mouse_on() != 0
        let noColor = getenv("NO_COLOR").map { String(cString: $0).isEmpty == false } ?? false
        colors = !noColor && has_colors()
        canvas = Canvas(window: window, output: lt_stdout(), colors: colors, asciiOnly: asciiOnly)
        if colors {
            start_color()
            use_default_colors()
            let map: [(Style.Color, Int16)] = [(.red, Int16(COLOR_RED)), (.green, Int16(COLOR_GREEN)), (.yellow, Int16(COLOR_YELLOW)),
                                               (.blue, Int16(COLOR_BLUE)), (.magenta, Int16(COLOR_MAGENTA)), (.cyan, Int16(COLOR_CYAN)),
                                               (.white, Int16(COLOR_WHITE)), (.gray, Int16(COLOR_WHITE))]
            for (color, value) in map { init_pair(Int16(color.rawValue), value, -1) }
        }
    }

    var size: (width: Int, height: Int) { (Int(lt_getmaxx(window)), Int(lt_getmaxy(window))) }

    /// Draws a frame, sending only what differs from the last one (the bottom-right cell too:
    /// ncurses places it without scrolling, though its call reports ERR).
    func draw(_ buffer: Buffer) { canvas.draw(buffer) }

    func bell() { beep() }

    /// Forgets the last frame, so the next one is drawn whole (after a resize or Ctrl-Z).
    func invalidate() { canvas.invalidate() }

    /// Sleeps until input on the terminal, a wake-up, a resize or `milliseconds` pass
    /// (a negative value waits without limit). False when the terminal has gone (hung up or
    /// closed): polling it again would return at once, forever.
    func wait(milliseconds: Int32) -> Bool {
        var fds = [pollfd(fd: input, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: wake.readEnd, events: Int16(POLLIN), revents: 0)]
        _ = poll(&fds, 2, milliseconds)
        wake.drain()
        if lt_take_tstp() != 0 { suspend() }
        return fds[0].revents & Int16(POLLHUP | POLLERR | POLLNVAL) == 0
    }

    /// Ctrl-Z: gives the shell the terminal as it was, stops, and on `fg` asks for a whole frame
    /// (ncurses takes its modes back on the next update).
    private func suspend() {
        endwin()
        lt_stop_self()
        resumed = true
        invalidate()
    }

    /// Continued after Ctrl-Z: the next key read is a resize, so the loop draws a whole frame.
    private var resumed = false
    /// Mouse events read with one KEY_MOUSE and not yet handed out, oldest first.
    private var pendingMouse: [Key] = []

    /// Catches a resize whose signal was missed (it can land while no key read runs): compares
    /// the kernel's size with the screen's and resizes the screen. True when it did.
    func followTerminalSize() -> Bool {
        var rows: Int32 = 0, cols: Int32 = 0
        guard lt_terminal_size(STDOUT_FILENO, &rows, &cols) == 1 else { return false }
        let (width, height) = size
        guard Int(rows) != height || Int(cols) != width else { return false }
        resizeterm(rows, cols)
        invalidate()
        return true
    }

    /// The next key already typed, without waiting; nil when there is none. Input that is no key
    /// of ours (a mouse release, an unknown function key) is skipped, not taken for the end of
    /// input: ncurses may hold more bytes already read, which no poll() would wake for.
    func readKey() -> Key? {
        if resumed {
            resumed = false
            return .resize
        }
        if !pendingMouse.isEmpty { return pendingMouse.removeFirst() }
        wtimeout(window, 0)
        for _ in 0..<256 {
            var ch: wint_t = 0
            let result = wget_wch(window, &ch)
            if result == ERR { return nil }
            if let key = key(result, ch) { return key }
        }
        return nil
    }

    private func key(_ result: Int32, _ ch: wint_t) -> Key? {
        if result == KEY_CODE_YES {
            switch Int32(ch) {
            case lt_key_up(): return .up
            case lt_key_down(): return .down
            case lt_key_left(): return .left
            case lt_key_right(): return .right
            case lt_key_ppage(): return .pageUp
            case lt_key_npage(): return .pageDown
            case lt_key_home(): return .home
            case lt_key_end(): return .end
            case lt_key_btab(): return .backTab
            case lt_key_enter(): return .enter
            case lt_key_backspace(): return .backspace
            case lt_key_resize(): return .resize
            case lt_key_mouse():
                // Events that came in one read (two clicks, a click and a wheel notch) are queued
                // behind a single KEY_MOUSE, newest first: read them all, or all but the newest
                // are lost.
                var events: [Key] = []
                for _ in 0..<64 {
                    var x: Int32 = 0, y: Int32 = 0
                    let kind = lt_read_mouse(&x, &y)
                    if kind < 0 { break }
                    switch kind {
                    case 1: events.append(.mouse(MouseEvent(.press, x: Int(x), y: Int(y))))
                    case 2: events.append(.mouse(MouseEvent(.wheelUp, x: Int(x), y: Int(y))))
                    case 3: events.append(.mouse(MouseEvent(.wheelDown, x: Int(x), y: Int(y))))
                    default: break  // a release, another button
                    }
                }
                pendingMouse += events.reversed()
                return pendingMouse.isEmpty ? nil : pendingMouse.removeFirst()
            default: return nil
            }
        }
        switch ch {
        case 9: return .tab
        case 10, 13: return .enter
        case 27: return .escape
        case 127, 8: return .backspace
        default: return Unicode.Scalar(UInt32(ch)).map { .character(Character($0)) }
        }
    }

    /// Gives the terminal back as it was.
    func end() {
        // endwin turns mouse reporting off too; said here so that no path depends on it alone.
        if mouse { lt_mouse_off() }
        lt_restore_winch()
        lt_release_tstp()
        endwin()
        delscreen(screen)
    }

    /// For a crash: restores the terminal from a signal handler (best effort).
    static func emergencyRestore() { endwin() }

    /// A crash must not leave the terminal raw: fatal signals restore it before dying.
    static func restoreTerminalOnCrash() {
        for sig in [SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE] {
            signal(sig) { number in
                CursesBackend.emergencyRestore()
                signal(number, SIG_DFL)
                raise(number)
            }
        }
    }
}

extension CursesBackend {
    /// Writes frames into an ncurses window, each cell's grapheme cluster whole (docs/architecture.md,
    /// "Text on the grid"). ncurses holds a cluster in a cell only when wcwidth agrees with
    /// `TerminalText.width` on its first scalar and every later scalar is zero-width, in at most
    /// CCHARW_MAX of them (é, ⌚️); setcchar would silently keep only the first scalar of 👍🏽, 🇯🇵
    /// or 👨‍👩‍👧‍👦. Those are held in ncurses as a placeholder of the same width, and drawn over it
    /// after each update (`lt_overwrite`); a row that ncurses redraws gets them again.
    final class Canvas {
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
}
