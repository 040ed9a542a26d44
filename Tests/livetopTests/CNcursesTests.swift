import CNcurses
#if canImport(Glibc)
import Glibc
#endif
import Testing

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
}
