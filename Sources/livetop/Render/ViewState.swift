/// What the person has chosen to see; changed by keys, never by the feed (apart from `notice`,
/// which the loop sets when the source has ended and the screen is held).
struct ViewState: Hashable, Sendable {
    var paused = false
    var showHelp = false
    /// `e`: the event panel, every state change, gap, note and error, whole.
    var showEvents = false
    /// Lines the event panel is scrolled back from its newest.
    var eventScroll = 0
    /// Index of the focused panel, if any.
    var focus: Int?
    var zoomed = false
    /// Panels by index: a scrolled table's first row shown (absent: the top, following).
    var rowOffsets: [Int: Int] = [:]
    /// Panels by index: a scrolled log's newest message shown, by sequence number, so that
    /// messages arriving meanwhile do not slide it (absent: following the newest).
    var logAnchors: [Int: Int64] = [:]
    /// Only panels whose title contains this text (typing after `/` with no table or log focused).
    var filter = ""
    /// Panels by index: only the rows (or log lines) containing this text (`/` on a focused table or log).
    var rowFilters: [Int: String] = [:]
    var editingFilter = false
    /// The panel whose rows the filter being typed applies to; nil: the panels by title.
    var filterTarget: Int?
    var ascii = false
    /// The terminal shows no colour (NO_COLOR, or a terminal without colours): what colour
    /// tells apart elsewhere is drawn with marks (a chart's series).
    var noColor = false
    /// Tables by panel index: the column `s`/`S` sorts by (as the table shows its columns).
    var sortColumns: [Int: Int] = [:]
    /// Tables whose sort column's order is turned round (a click on the header already sorted by).
    var sortReversed: Set<Int> = []
    /// Shown on the status line, e.g. that a replay has reached its end.
    var notice: String?
}
