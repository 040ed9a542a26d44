import Foundation
import LiveModel

/// Engine.IO v4 and Socket.IO v5 packets, encoded and decoded. Pure: bytes in, values out.
///
/// Engine.IO: a packet is a type digit and its data (`0` open, `1` close, `2` ping, `3` pong,
/// `4` message, `5` upgrade, `6` noop); over HTTP polling a payload holds several, separated by
/// the record separator (0x1E), binary ones as `b` + base64. A `4` message carries a Socket.IO
/// packet: `0` connect, `1` disconnect, `2` event, `3` ack, `4` connect error, `5` binary event
/// (with a count of attachments that follow as binary packets), `6` binary ack; a namespace other
/// than `/` follows as `/name,`, then an optional ack id, then JSON.
package enum EngineIO {
    /// The server's `0` packet.
    package struct Handshake: Hashable, Sendable {
        package var sid: String
        package var upgrades: [String]
        package var pingInterval: Double
        package var pingTimeout: Double
        package var maxPayload: Int
    }

    package enum Packet: Hashable, Sendable {
        case open(Handshake)
        case close
        case ping(String)
        case pong(String)
        case message(String)
        case binary([UInt8])
        case upgrade
        case noop
    }

    /// The packets of one polling payload.
    package static func decodePayload(_ body: [UInt8]) throws(LinkError) -> [Packet] {
        try body.split(separator: 0x1E, omittingEmptySubsequences: true).map { (part) throws(LinkError) in try decode(Array(part)) }
    }

    /// Whether a polling answer is an Engine.IO v3 session opening: v3 frames each packet of a
    /// payload with its length, as text (`119:0{"sid":…}`) or, for binary-capable clients, as a
    /// type byte, the length's digits as bytes and 0xFF (`00 01 01 09 FF 0{"sid":…}`, as
    /// python-engineio 3.x answers); v4 has no lengths. A Socket.IO 2.x server answers livetop's
    /// `EIO=4` request this way (Node's engine.io 3.x), or refuses it with HTTP 400 and answers
    /// an `EIO=3` one this way (python-engineio 3.x).
    package static func isVersion3Opening(_ body: [UInt8]) -> Bool {
        var i = 0
        if let first = body.first, first <= 1 {
            // Binary framing: the type byte, one to ten digit bytes, then 0xFF.
            i = 1
            while i < body.count, body[i] <= 9 { i += 1 }
            guard i > 1, i <= 11, i < body.count, body[i] == 0xFF else { return false }
            i += 1
        } else {
            // Text framing: decimal digits, then a colon.
            while i < body.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(body[i]) { i += 1 }
            guard i > 0, i <= 10, i < body.count, body[i] == UInt8(ascii: ":") else { return false }
            i += 1
        }
        guard i + 1 < body.count, body[i] == UInt8(ascii: "0"), body[i + 1] == UInt8(ascii: "{") else { return false }
        let packet = Array(body[(i + 1)...].prefix(4096))
        return String(decoding: packet, as: UTF8.self).contains("\"sid\"")
    }

    /// One packet (a WebSocket text message, or one part of a payload; `b…` is base64 binary).
    package static func decode(_ bytes: [UInt8]) throws(LinkError) -> Packet {
        guard let type = bytes.first else { throw .io("Socket.IO: an empty Engine.IO packet") }
        let data = String(decoding: bytes.dropFirst(), as: UTF8.self)
        switch type {
        case UInt8(ascii: "0"):
            guard let object = try? JSONSerialization.jsonObject(with: Data(bytes.dropFirst())) as? [String: Any],
                  let sid = object["sid"] as? String else { throw .io("Socket.IO: a bad open packet: \(data.prefix(200))") }
            return .open(Handshake(sid: sid, upgrades: object["upgrades"] as? [String] ?? [],
                                   pingInterval: (object["pingInterval"] as? Double ?? 25_000) / 1000,
                                   pingTimeout: (object["pingTimeout"] as? Double ?? 20_000) / 1000,
                                   maxPayload: object["maxPayload"] as? Int ?? 1_000_000))
        case UInt8(ascii: "1"): return .close
        case UInt8(ascii: "2"): return .ping(data)
        case UInt8(ascii: "3"): return .pong(data)
        case UInt8(ascii: "4"): return .message(data)
        case UInt8(ascii: "5"): return .upgrade
        case UInt8(ascii: "6"): return .noop
        case UInt8(ascii: "b"):
            guard let decoded = Data(base64Encoded: data) else { throw .io("Socket.IO: bad base64 in a binary packet") }
            return .binary(Array(decoded))
        default:
            throw .io("Socket.IO: unknown Engine.IO packet type '\(Character(Unicode.Scalar(type)))'")
        }
    }
}

package enum SocketIO {
    package enum Packet: Hashable, Sendable {
        case connect(namespace: String, payload: String)
        case disconnect(namespace: String)
        /// An event's JSON array (`["name", args…]`), with the number of binary attachments that follow.
        case event(namespace: String, json: String, attachments: Int)
        case connectError(namespace: String, payload: String)
        /// Acks and anything else livetop does not act on.
        case other
    }

    package static func decode(_ text: String) throws(LinkError) -> Packet {
        var rest = Substring(text)
        guard let type = rest.popFirst() else { throw .io("Socket.IO: an empty packet") }
        var attachments = 0
        if type == "5" || type == "6" {
            guard let dash = rest.firstIndex(of: "-"), let n = Int(rest[..<dash]) else { throw .io("Socket.IO: a binary packet without its count") }
            attachments = n
            rest = rest[rest.index(after: dash)...]
        }
        var namespace = "/"
        if rest.first == "/" {
            let comma = rest.firstIndex(of: ",") ?? rest.endIndex
            namespace = String(rest[..<comma])
            rest = comma < rest.endIndex ? rest[rest.index(after: comma)...] : ""
        }
        while let c = rest.first, c.isNumber { rest = rest.dropFirst() }  // an ack id
        switch type {
        case "0": return .connect(namespace: namespace, payload: String(rest))
        case "1": return .disconnect(namespace: namespace)
        case "2", "5": return .event(namespace: namespace, json: String(rest), attachments: attachments)
        case "4": return .connectError(namespace: namespace, payload: String(rest))
        case "3", "6": return .other
        default: throw .io("Socket.IO: unknown packet type '\(type)'")
        }
    }

    /// `40` (or `40/ns,`) with the auth payload.
    package static func connect(namespace: String, auth: String?) -> String {
        "40" + prefix(namespace) + (auth ?? "")
    }

    /// `42["name",data]` (or `42/ns,[…]`).
    package static func event(namespace: String, name: String, json: String) -> String {
        "42" + prefix(namespace) + "[" + quoted(name) + "," + json + "]"
    }

    private static func prefix(_ namespace: String) -> String { namespace == "/" ? "" : namespace + "," }

    package static func quoted(_ text: String) -> String {
        String(decoding: JSONBody.serialize(text), as: UTF8.self)
    }

    /// The message livetop delivers for an event: `{"event":"name","args":[…]}`, binary
    /// attachments in place of their placeholders as `{"base64":"…"}`.
    package static func message(fromEvent json: String, attachments: [[UInt8]]) throws(LinkError) -> [UInt8] {
        let bytes = Array(json.utf8)
        var elements = JSONBody.parse(bytes) is [Any] ? JSONBody.elements(ofArray: bytes) : []
        guard !elements.isEmpty, let name = JSONBody.parse(elements[0]) as? String else {
            throw .io("Socket.IO: an event that is not [\"name\", …]: \(json.prefix(200))")
        }
        elements.removeFirst()
        if !attachments.isEmpty {
            elements = elements.map { element in
                guard let value = JSONBody.parse(element) else { return element }
                return JSONBody.serialize(fill(value, attachments))
            }
        }
        var out = Array(#"{"event":"#.utf8) + Array(quoted(name).utf8) + Array(#","args":["#.utf8)
        for (i, element) in elements.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out += element
        }
        out += Array("]}".utf8)
        return out
    }

    /// Replaces `{"_placeholder":true,"num":N}` with attachment N as `{"base64":"…"}`.
    private static func fill(_ value: Any, _ attachments: [[UInt8]]) -> Any {
        if let object = value as? [String: Any] {
            if object["_placeholder"] as? Bool == true, let n = object["num"] as? Int, attachments.indices.contains(n) {
                return ["base64": Data(attachments[n]).base64EncodedString()]
            }
            return object.mapValues { fill($0, attachments) }
        }
        if let array = value as? [Any] { return array.map { fill($0, attachments) } }
        return value
    }

    /// The message of a connect error (`44{"message":"…"}`).
    package static func errorMessage(_ payload: String) -> String {
        if let object = JSONBody.parse(Array(payload.utf8)) as? [String: Any], let message = object["message"] as? String { return message }
        return payload.isEmpty ? "refused" : payload
    }
}
