/// The header Nchan puts before every message of a WebSocket that selected its `ws+meta.nchan`
/// subprotocol: `id: TIME:TAG\n`, an optional `content-type: TYPE\n`, a blank line, then the
/// message (docs/transports.md, "Nchan"). Pure.
package enum NchanMetaHeader {
    /// The subprotocol livetop offers (first: Nchan only looks at the start of the header).
    package static let subprotocol = "ws+meta.nchan"
    /// Nchan writes the header into 512 bytes; a message whose blank line is not within this many
    /// is not one of Nchan's.
    package static let longest = 1024

    package struct Parsed: Hashable {
        package var id: String
        package var contentType: String?
        /// Bytes of the header, the blank line included: the message starts after them.
        package var length: Int
    }

    /// The header at the start of `message`, or nil if it does not start with one.
    package static func parse(_ message: some Collection<UInt8>) -> Parsed? {
        var id: String?
        var contentType: String?
        var line: [UInt8] = []
        var consumed = 0
        for b in message.prefix(longest) {
            consumed += 1
            guard b == 0x0A else {
                line.append(b)
                continue
            }
            if line.isEmpty {
                guard let id else { return nil }
                return Parsed(id: id, contentType: contentType, length: consumed)
            }
            if line.starts(with: "id: ".utf8) {
                id = String(decoding: line.dropFirst(4), as: UTF8.self)
            } else if line.starts(with: "content-type: ".utf8) {
                contentType = String(decoding: line.dropFirst(14), as: UTF8.self)
            } else if id == nil {
                return nil  // the id comes first
            }
            line.removeAll(keepingCapacity: true)
        }
        return nil
    }
}
