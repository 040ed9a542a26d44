import LiveModel

/// One line of a recording (README "JSON lines") read back, owning its bytes: what
/// `RecordingParser.entry` gives for a line that is not invalid.
public enum RecordingEntry: Equatable, Sendable {
    case message(time: Int64, transport: Transport, payload: [UInt8], isBinary: Bool)
    case state(LinkState, time: Int64)

    /// When the line was written, in nanoseconds since 1970.
    public var time: Int64 {
        switch self {
        case .message(let time, _, _, _), .state(_, let time): return time
        }
    }
}
