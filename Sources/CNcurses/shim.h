// Shim for ncursesw from Swift 6.
//
// SwiftPM drops the -D flags pkg-config gives for ncursesw, so the wide-character
// API is switched on here, before curses.h. Macros that Swift cannot import
// (A_*, ACS_*, KEY_F, getmaxyx, COLOR_PAIR) and globals that Swift 6 strict
// concurrency rejects (stdscr, LINES, COLS) are wrapped in small functions.
#ifndef LIVETOP_CNCURSES_SHIM_H
#define LIVETOP_CNCURSES_SHIM_H

#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif

#include <locale.h>
#include <stddef.h>
#include <wchar.h>
#include <ncursesw/curses.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

// glibc hides these without _XOPEN_SOURCE; declare them so Swift sees them.
extern int wcwidth(wchar_t c);
extern int wcswidth(const wchar_t *s, size_t n);

static inline WINDOW *lt_stdscr(void) { return stdscr; }
static inline FILE *lt_stdout(void) { return stdout; }
static inline int lt_lines(void) { return LINES; }
static inline int lt_cols(void) { return COLS; }
static inline int lt_getmaxy(WINDOW *w) { int y, x; getmaxyx(w, y, x); (void)x; return y; }
static inline int lt_getmaxx(WINDOW *w) { int y, x; getmaxyx(w, y, x); (void)y; return x; }

static inline attr_t lt_color_pair(short n) { return (attr_t)COLOR_PAIR(n); }
static inline attr_t lt_a_normal(void) { return A_NORMAL; }
static inline attr_t lt_a_bold(void) { return A_BOLD; }
static inline attr_t lt_a_dim(void) { return A_DIM; }
static inline attr_t lt_a_reverse(void) { return A_REVERSE; }
static inline attr_t lt_a_underline(void) { return A_UNDERLINE; }
static inline attr_t lt_a_standout(void) { return A_STANDOUT; }

static inline int lt_key_resize(void) { return KEY_RESIZE; }
static inline int lt_key_up(void) { return KEY_UP; }
static inline int lt_key_down(void) { return KEY_DOWN; }
static inline int lt_key_left(void) { return KEY_LEFT; }
static inline int lt_key_right(void) { return KEY_RIGHT; }
static inline int lt_key_npage(void) { return KEY_NPAGE; }
static inline int lt_key_ppage(void) { return KEY_PPAGE; }
static inline int lt_key_home(void) { return KEY_HOME; }
static inline int lt_key_end(void) { return KEY_END; }
static inline int lt_key_btab(void) { return KEY_BTAB; }
static inline int lt_key_enter(void) { return KEY_ENTER; }
static inline int lt_key_backspace(void) { return KEY_BACKSPACE; }
static inline int lt_key_f(int n) { return KEY_F(n); }
static inline int lt_key_mouse(void) { return KEY_MOUSE; }

// The mouse, through ncurses (docs/keys.md, the mouse): ncurses reads from terminfo how the
// terminal reports it (SGR 1006 where XM says so, as xterm's entry does; X10 after kmous=\E[M, as
// screen's and tmux's do), sends the sequence that turns reporting on, and in endwin (every end,
// Ctrl-Z, the crash handler) the one that turns it off, on again after a resume. Only presses of
// the left button and the wheel are asked for; with mouseinterval(0) a press is reported at once
// instead of waiting to see whether it becomes a click. Returns 0 when the terminal has no mouse
// (no kmous): nothing was sent, and keys work as before.
static inline int lt_mouse_on(void) {
    mouseinterval(0);
    return mousemask(BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL) != 0;
}
static inline void lt_mouse_off(void) { mousemask(0, NULL); }
// After KEY_MOUSE: 1 a left press, 2 wheel up, 3 wheel down, 0 something else (a release, another
// button), -1 no event; the cell in *x, *y. Called until -1: events read in one go share one
// KEY_MOUSE and come out newest first.
static inline int lt_read_mouse(int *x, int *y) {
    MEVENT event;
    if (getmouse(&event) != OK) return -1;
    *x = event.x;
    *y = event.y;
    if (event.bstate & BUTTON4_PRESSED) return 2;
    if (event.bstate & BUTTON5_PRESSED) return 3;
    if (event.bstate & BUTTON1_PRESSED) return 1;
    return 0;
}

// ACS glyphs live in acs_map[], filled by initscr/newterm; valid only after that.
static inline chtype lt_acs_hline(void) { return ACS_HLINE; }
static inline chtype lt_acs_vline(void) { return ACS_VLINE; }
static inline chtype lt_acs_ulcorner(void) { return ACS_ULCORNER; }
static inline chtype lt_acs_urcorner(void) { return ACS_URCORNER; }
static inline chtype lt_acs_llcorner(void) { return ACS_LLCORNER; }
static inline chtype lt_acs_lrcorner(void) { return ACS_LRCORNER; }

static inline int lt_true(void) { return TRUE; }
static inline int lt_false(void) { return FALSE; }

// Draws one cell's cluster with attributes at (y, x); returns ERR/OK. setcchar keeps the first
// scalar and the zero-width ones after it (at most CCHARW_MAX); it drops the rest silently, so
// the caller passes only clusters it keeps whole (CursesBackend.Canvas.ncursesHolds).
static inline int lt_put_wide(WINDOW *w, int y, int x, const wchar_t *text, attr_t attrs, short pair) {
    cchar_t cell;
    if (setcchar(&cell, text, attrs, pair, NULL) == ERR) return ERR;
    return mvwadd_wch(w, y, x, &cell);
}

// A cluster ncurses cannot hold in one cell (more scalars than CCHARW_MAX, a part after the first
// that wcwidth calls spacing, as in 👍🏽 or 🇯🇵, or a width wcwidth does not agree with) is drawn by
// the caller over the placeholder ncurses holds: the terminal saves its cursor and attributes (sc),
// moves (cup), draws the cluster with the cell's attributes and restores them (rc), so ncurses'
// idea of the cursor and attributes stays true. Call after doupdate, which leaves attributes normal.
static inline FILE **lt_overwrite_out(void) { static FILE *out = NULL; return &out; }
static inline int lt_overwrite_putc(int c) { return fputc(c, *lt_overwrite_out()); }
static inline const char *lt_cap(const char *name) {
    char *s = tigetstr(name);
    return s == (char *)-1 ? NULL : s;
}
// True when the terminal has what lt_overwrite needs.
static inline int lt_can_overwrite(void) { return lt_cap("sc") && lt_cap("rc") && lt_cap("cup"); }
static inline int lt_overwrite(FILE *out, int y, int x, const char *utf8, attr_t attrs, short pair) {
    const char *sc = lt_cap("sc"), *rc = lt_cap("rc"), *cup = lt_cap("cup"), *sgr0 = lt_cap("sgr0");
    if (!sc || !rc || !cup) return ERR;
    *lt_overwrite_out() = out;
    tputs(sc, 1, lt_overwrite_putc);
    char *move = tiparm(cup, y, x);
    if (move) tputs(move, 1, lt_overwrite_putc);
    if (sgr0) tputs(sgr0, 1, lt_overwrite_putc);
    const char *mode;
    if ((attrs & A_BOLD) && (mode = lt_cap("bold"))) tputs(mode, 1, lt_overwrite_putc);
    if ((attrs & A_DIM) && (mode = lt_cap("dim"))) tputs(mode, 1, lt_overwrite_putc);
    if ((attrs & A_REVERSE) && (mode = lt_cap("rev"))) tputs(mode, 1, lt_overwrite_putc);
    short fg = -1, bg = -1;
    if (pair > 0 && pair_content(pair, &fg, &bg) == OK && fg >= 0 && (mode = lt_cap("setaf"))) {
        char *color = tiparm(mode, fg);
        if (color) tputs(color, 1, lt_overwrite_putc);
    }
    fputs(utf8, out);
    if (sgr0) tputs(sgr0, 1, lt_overwrite_putc);
    tputs(rc, 1, lt_overwrite_putc);
    return OK;
}

// Opens the terminal without initscr's exit(1) on a bad TERM: NULL means "no screen".
static inline SCREEN *lt_newterm_stdio(const char *term) { return newterm(term, stdout, stdin); }
// Keys from another file than stdin: /dev/tty while stdin carries the data (`cmd | livetop -`), as less and fzf do.
static inline SCREEN *lt_newterm_input(const char *term, FILE *input) { return newterm(term, stdout, input); }

// The terminal's size as the kernel knows it now; 0 if it cannot be asked.
static inline int lt_terminal_size(int fd, int *rows, int *cols) {
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) != 0 || ws.ws_row == 0 || ws.ws_col == 0) return 0;
    *rows = ws.ws_row;
    *cols = ws.ws_col;
    return 1;
}

// SIGWINCH can land on any thread, so it does not interrupt the UI thread's poll(). This
// handler writes a byte to a pipe the UI thread polls, then calls the handler ncurses installed
// (which marks the resize that the next wget_wch turns into KEY_RESIZE). The handler and its
// state are C so that the signal handler touches nothing but a file descriptor and a function.
// (Function-local statics: Swift's importer emits inline functions but not file-scope statics.
// Each Swift file that calls these gets its own copy, so only CursesBackend.swift may call them.)
static inline volatile sig_atomic_t *lt_winch_fd(void) { static volatile sig_atomic_t fd = -1; return &fd; }
static inline struct sigaction *lt_winch_previous(void) { static struct sigaction previous; return &previous; }

static inline void lt_winch_handler(int sig, siginfo_t *info, void *context) {
    int saved = errno;
    int fd = *lt_winch_fd();
    if (fd >= 0) { ssize_t ignored = write(fd, "w", 1); (void)ignored; }
    struct sigaction *previous = lt_winch_previous();
    if (previous->sa_flags & SA_SIGINFO) {
        if (previous->sa_sigaction) previous->sa_sigaction(sig, info, context);
    } else if (previous->sa_handler != SIG_DFL && previous->sa_handler != SIG_IGN) {
        previous->sa_handler(sig);
    }
    errno = saved;
}

// Chains the pipe-writing handler in front of the current SIGWINCH handler; returns 0 on success.
static inline int lt_forward_winch(int fd) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = lt_winch_handler;
    action.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&action.sa_mask);
    // Keep the old handler before installing ours, so a SIGWINCH landing in between (on another
    // thread) already finds it to pass on.
    if (sigaction(SIGWINCH, NULL, lt_winch_previous()) != 0) return -1;
    *lt_winch_fd() = fd;
    return sigaction(SIGWINCH, &action, NULL);
}

// Ctrl-Z. ncurses' own SIGTSTP handler calls endwin and stops the process from inside the
// signal handler, which is not async-signal-safe (ThreadSanitizer: "signal handler spoils
// errno"). ncurses installs it only where SIGTSTP is at its default, so this handler goes in
// first: it notes the request and wakes the UI thread, which gives the terminal back and stops
// the process itself (lt_stop_self). Same statics rule as above.
static inline volatile sig_atomic_t *lt_tstp_flag(void) { static volatile sig_atomic_t flag = 0; return &flag; }
static inline volatile sig_atomic_t *lt_tstp_fd(void) { static volatile sig_atomic_t fd = -1; return &fd; }

static inline void lt_tstp_handler(int sig) {
    (void)sig;
    int saved = errno;
    *lt_tstp_flag() = 1;
    int fd = *lt_tstp_fd();
    if (fd >= 0) { ssize_t ignored = write(fd, "z", 1); (void)ignored; }
    errno = saved;
}

// Installs the handler, waking `fd`; returns 0 on success. Call before newterm.
static inline int lt_catch_tstp(int fd) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = lt_tstp_handler;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    *lt_tstp_fd() = fd;
    return sigaction(SIGTSTP, &action, NULL);
}

// True (once) when Ctrl-Z asked for a stop since the last call.
static inline int lt_take_tstp(void) {
    if (!*lt_tstp_flag()) return 0;
    *lt_tstp_flag() = 0;
    return 1;
}

// Stops the process as Ctrl-Z would have (the default action of SIGTSTP), and returns once it
// is continued (fg), with the handler back in place.
static inline void lt_stop_self(void) {
    struct sigaction action, ours;
    memset(&action, 0, sizeof action);
    action.sa_handler = SIG_DFL;
    sigemptyset(&action.sa_mask);
    sigaction(SIGTSTP, &action, &ours);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTSTP);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    kill(getpid(), SIGTSTP);
    sigaction(SIGTSTP, &ours, NULL);
}

// Puts the default SIGTSTP action back (the dashboard has ended).
static inline void lt_release_tstp(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = SIG_DFL;
    sigemptyset(&action.sa_mask);
    sigaction(SIGTSTP, &action, NULL);
    *lt_tstp_fd() = -1;
}

// Puts back the handler ncurses had, before endwin/delscreen.
static inline void lt_restore_winch(void) {
    sigaction(SIGWINCH, lt_winch_previous(), NULL);
    *lt_winch_fd() = -1;
}

#endif
