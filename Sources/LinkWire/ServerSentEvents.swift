/// An incremental parser for `text/event-stream` (WHATWG HTML, "Server-sent events", §9.2.6):
/// lines end with CR, LF or CRLF (a CR at the end of one chunk may pair with an LF at the start of
/// the next), a leading BOM is dropped, comments are ignored, `data` lines join with LF, an `id`
/// containing NUL is ignored, `retry` takes ASCII digits only, and an event is dispatched at a
/// blank line only if it has data. An event still open when the stream ends is discarded.
public struct ServerSentEvents: Sendable {
    public struct Event: Hashable, Sendable {
        public var type: String
        public var data: [UInt8]
        /// The last event ID after this event (what `Last-Event-ID` should send on reconnect).
        public var lastEventID: String
        /// The ID this event carried in an `id` field of its own (nil: it carried none, and
        /// `lastEventID` is an earlier event's): only such an ID names this event.
        public var id: String? = nil
    }

    /// The stream's last event ID so far.
    public private(set) var lastEventID = ""
    /// The reconnection time the server asked for, in milliseconds.
    public private(set) var retry: Int?
    /// Bytes of one line, and of one event's data, at most (a hostile stream costs bounded
    /// memory). Past it the parser stops and says so in `overLimit`.
    public let maxLineBytes: Int
    /// What passed `maxLineBytes` ("line", "event"), once something did; nothing more is parsed.
    public private(set) var overLimit: String?

    private var line: [UInt8] = []
    private var data: [UInt8] = []
    private var hasData = false
    private var eventType = ""
    private var pendingID: String?
    private var skipLF = false
    /// Bytes of a leading UTF-8 BOM seen so far; nil once the start of the stream is past. A BOM
    /// can arrive split over reads, so its bytes are held until it is whole or proves not to be one.
    private var bomBytesSeen: Int? = 0

    public init(maxLineBytes: Int = 16 << 20) { self.maxLineBytes = maxLineBytes }

    private static let bom: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// Feeds bytes; calls `dispatch` for each complete event.
    public mutating func feed(_ bytes: UnsafeBufferPointer<UInt8>, dispatch: (Event) -> Void) {
        var i = 0
        if var seen = bomBytesSeen {
            // A UTF-8 BOM at the very start is not part of the first line.
            while i < bytes.count && seen < 3 && bytes[i] == Self.bom[seen] {
                seen += 1
                i += 1
            }
            if seen == 3 {
                bomBytesSeen = nil
            } else if i < bytes.count {
                // Not a BOM: the bytes held belong to the first line (none of them ends a line).
                for b in Self.bom[..<seen] { append(b) }
                bomBytesSeen = nil
            } else {
                bomBytesSeen = seen
            }
        }
        while i < bytes.count && overLimit == nil {
            let b = bytes[i]
            i += 1
            if skipLF {
                skipLF = false
                if b == 0x0A { continue }
            }
            if b == 0x0D || b == 0x0A {
                skipLF = b == 0x0D
                endLine(dispatch)
                continue
            }
            append(b)
        }
    }

    private mutating func append(_ b: UInt8) {
        // Room for the field name ("data: ") besides a message of the largest size.
        guard line.count < maxLineBytes + 6 else {
            overLimit = "line"
            return
        }
        line.append(b)
    }

    public mutating func feed(_ bytes: [UInt8], dispatch: (Event) -> Void) {
        bytes.withUnsafeBufferPointer { feed($0, dispatch: dispatch) }
    }

    /// The stream ended: an event without its blank line is discarded.
    public mutating func finish() {
        line.removeAll()
        resetEvent()
        skipLF = false
    }

    private mutating func endLine(_ dispatch: (Event) -> Void) {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty {
            let own = pendingID
            if let id = pendingID { lastEventID = id }
            pendingID = nil
            if hasData {
                dispatch(Event(type: eventType.isEmpty ? "message" : eventType, data: data, lastEventID: lastEventID,
                               id: own.flatMap { $0.isEmpty ? nil : $0 }))
            }
            resetEvent()
            return
        }
        if line[0] == UInt8(ascii: ":") { return }  // a comment
        let colon = line.firstIndex(of: UInt8(ascii: ":"))
        let name = colon.map { Array(line[..<$0]) } ?? line
        var valueStart = colon.map { $0 + 1 } ?? line.count
        if valueStart < line.count && line[valueStart] == 0x20 { valueStart += 1 }
        let value = line[valueStart...]
        switch String(decoding: name, as: UTF8.self) {
        case "data":
            guard data.count + (hasData ? 1 : 0) + value.count <= maxLineBytes else {
                overLimit = "event"
                return
            }
            if hasData { data.append(0x0A) }
            data.append(contentsOf: value)
            hasData = true
        case "event":
            eventType = String(decoding: value, as: UTF8.self)
        case "id":
            if !value.contains(0) { pendingID = String(decoding: value, as: UTF8.self) }
        case "retry":
            if !value.isEmpty && value.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let ms = Int(String(decoding: value, as: UTF8.self)) {
                retry = ms
            }
        default:
            break  // unknown fields are ignored
        }
    }

    private mutating func resetEvent() {
        data.removeAll(keepingCapacity: true)
        hasData = false
        eventType = ""
    }
}
