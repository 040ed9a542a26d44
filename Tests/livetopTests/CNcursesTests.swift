import CNcurses
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
@testable import livetop

/// Proves the ncursesw shim links and that its wrappers return what the C macros do.
@Suite(.serialized) struct CNcursesTests {
    @Test func macroWrappersMatchTheCDefinitions() {
        // Values fixed by ncurses' curses.h (NCURSES_ATTR_SHIFT = 8).
        #expect(lt_color_pair(3) == 3 << 8)
        #expect(lt_a_normal() == 0)
        #expect(lt_a_standout() == 1 << 16)
        #expect(lt_a_underline() == 1 << 17)
        #expect(lt_a_reverse() == 1 << 18)
        #expect(lt_a_dim() == 1 << 20)
        #expect(lt_a_bold() == 1 << 21)
        #expect(lt_key_resize() == 0o632)
        #expect(lt_key_down() == 0o402 && lt_key_up() == 0o403)
        #expect(lt_key_npage() == 0o522 && lt_key_ppage() == 0o523)
        #expect(lt_key_btab() == 0o541)
        #expect(lt_key_f(1) == 0o411)
        #expect(lt_true() == 1 && lt_false() == 0)
    }

    @Test func wideCharacterWidthsComeFromWcwidth() {
        setlocale(LC_ALL, "C.UTF-8")
        #expect(wcwidth(wchar_t(UnicodeScalar("a").value)) == 1)
        #expect(wcwidth(wchar_t(0x4E2D)) == 2)  // 中
        #expect(wcwidth(wchar_t(0x0301)) == 0)  // combining acute accent
    }

    @Test func aScreenOpensWithoutATerminalAndReportsItsSize() throws {
        // newterm on /dev/null with a known TERM: no tty needed, and no exit(1) on failure.
        setenv("LINES", "24", 1)
        setenv("COLUMNS", "80", 1)
        defer {
            unsetenv("LINES")
            unsetenv("COLUMNS")
        }
        let out = try #require(fopen("/dev/null", "w"))
        let input = try #require(fopen("/dev/null", "r"))
        defer {
            fclose(out)
            fclose(input)
        }
        let screen = try #require(newterm("xterm-256color", out, input))
        defer {
            endwin()
            delscreen(screen)
        }
        let window = try #require(lt_stdscr())
        #expect(lt_lines() == 24 && lt_cols() == 80)
        #expect(lt_getmaxy(window) == 24 && lt_getmaxx(window) == 80)
        #expect(lt_acs_hline() != 0 && lt_acs_vline() != 0)
        // Drawing a wide character through the shim succeeds.
        var text: [wchar_t] = [wchar_t(0x4E2D), 0]
        #expect(lt_put_wide(window, 0, 0, &text, lt_a_bold(), 0) == OK)
        // A bad terminal type is a nil screen, not an exit.
        #expect(newterm("no-such-terminal-type", out, input) == nil)
    }

    /// The whole cluster reaches the terminal: é and ⌚️ in ncurses' own cell (read back with
    /// getcchar), 👍🏽, 🇯🇵 and 👨‍👩‍👧‍👦 (which setcchar would cut to their first scalar) drawn over
    /// a placeholder; the bytes ncurses and the canvas wrote hold each one whole.
    @Test func wholeClustersReachTheTerminal() throws {
        setlocale(LC_ALL, "C.UTF-8")
        setenv("LINES", "5", 1)
        setenv("COLUMNS", "30", 1)
        defer {
            unsetenv("LINES")
            unsetenv("COLUMNS")
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ncurses-\(UUID().uuidString)").path
        defer { unlink(path) }
        let out = try #require(fopen(path, "w"))
        let input = try #require(fopen("/dev/null", "r"))
        defer { fclose(input) }
        let screen = try #require(newterm("xterm-256color", out, input))
        let window = try #require(lt_stdscr())
        let canvas = CursesBackend.Canvas(window: window, output: out, colors: false, asciiOnly: false)
        var buffer = Buffer(width: 30, height: 5)
        buffer.write("e\u{301} ⌚️ 👍🏽 🇯🇵 👨‍👩‍👧‍👦 end", x: 1, y: 1)
        canvas.draw(buffer)
        var cell = cchar_t()
        #expect(mvwin_wch(window, 1, 1, &cell) == OK)
        var chars = [wchar_t](repeating: 0, count: Int(CCHARW_MAX) + 1)
        var attributes: attr_t = 0
        var pair: Int16 = 0
        #expect(getcchar(&cell, &chars, &attributes, &pair, nil) == OK)
        #expect(Array(chars.prefix(2)) == [0x65, 0x301])
        #expect(!CursesBackend.Canvas.ncursesHolds([0x1F44D, 0x1F3FD], width: 2) && CursesBackend.Canvas.ncursesHolds([0x231A, 0xFE0F], width: 2))
        // The next frame changes only "end": the clusters are not sent again, nor lost.
        buffer.write("END", x: 19, y: 1)
        canvas.draw(buffer)
        endwin()
        delscreen(screen)
        fclose(out)
        let bytes = try String(decoding: Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
        for cluster in ["e\u{301}", "⌚️", "👍🏽", "🇯🇵", "👨‍👩‍👧‍👦", "END"] {
            #expect(bytes.contains(cluster), "\(cluster) not written whole")
        }
        #expect(!bytes.contains("👨\u{200D}\u{1B}"), "a split family")
    }
}
