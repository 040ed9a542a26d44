import LiveModel

// Stand-in for livetop's Replay (a file reader with a clock), of which RecordingParser needs only
// `Entry`. It mirrors Sources/livetop/Recording/Replay.swift; if RecordingParser starts to need more of
// livetop, this target stops building and says so.
enum Replay {
    enum Entry: Equatable {
        case message(time: Int64, transport: Transport, payload: [UInt8], isBinary: Bool)
        case state(LinkState, time: Int64)
    }
}
