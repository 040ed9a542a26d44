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
    /// Lines the log is scrolled back.
    var logScroll = 0
    /// Only panels whose key contains this text (typing after `/`).
    var filter = ""
    var editingFilter = false
    var ascii = false
    /// Upsert table sorted by this column.
    var sortColumn: Int?
    /// Shown on the status line, e.g. that a replay has reached its end.
    var notice: String?
}
