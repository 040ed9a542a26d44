import CompressNIO
import LinkWire
import LiveModel
import NIOCore

/// permessage-deflate (RFC 7692) as the server accepted it. livetop offers it on every WebSocket
/// connection (`--no-deflate` turns the offer off), inflates what the server compresses, and sends
/// its own few messages (`--send`, pings) uncompressed, which the RFC allows.
public struct PerMessageDeflate: Hashable, Sendable {
    /// The server starts every message with a fresh window: reset the inflater after each.
    public var serverNoContextTakeover = false
    public var clientNoContextTakeover = false
    /// The server's LZ77 window (8…15 bits); the inflater needs at least that much.
    public var serverMaxWindowBits = 15
    public var clientMaxWindowBits: Int?

    /// What the upgrade request offers: the default parameters, and that we accept any window the
    /// server asks us to use for our own messages.
    public static let offer = "permessage-deflate; client_max_window_bits"

    public init() {}

    /// The server's `Sec-WebSocket-Extensions` answer: nil when it accepted no extension; an error
    /// when it answered with one we did not offer, or with parameters RFC 7692 does not allow.
    public static func negotiated(_ header: String?, offered: Bool) throws(LinkError) -> PerMessageDeflate? {
        guard let header, !header.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
        let extensions = header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard extensions.count == 1, offered else {
            throw .upgradeInvalid("the server chose extensions livetop did not offer: \(header)")
        }
        var parts = extensions[0].split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.removeFirst().lowercased() == "permessage-deflate" else {
            throw .upgradeInvalid("the server chose an extension livetop did not offer: \(header)")
        }
        var result = PerMessageDeflate()
        var seen = Set<String>()
        for part in parts {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            let name = pair[0].lowercased()
            let value = pair.count > 1 ? pair[1].trimmingCharacters(in: ["\""]) : nil
            guard seen.insert(name).inserted else { throw .upgradeInvalid("permessage-deflate parameter \(name) given twice") }
            func bits() throws(LinkError) -> Int {
                guard let value, let n = Int(value), (8...15).contains(n) else {
                    throw .upgradeInvalid("permessage-deflate \(name) must be 8 to 15, not \(value ?? "missing")")
                }
                return n
            }
            switch name {
            case "server_no_context_takeover" where value == nil: result.serverNoContextTakeover = true
            case "client_no_context_takeover" where value == nil: result.clientNoContextTakeover = true
            case "server_max_window_bits": result.serverMaxWindowBits = try bits()
            case "client_max_window_bits": result.clientMaxWindowBits = try bits()
            default: throw .upgradeInvalid("unknown permessage-deflate parameter in the answer: \(part)")
            }
        }
        return result
    }
}

/// Inflates compressed messages, each bounded by the message limit: a message that would inflate
/// past it stops there (1009), so a compression bomb costs at most the limit in memory.
final class MessageInflater: MessageInflating {
    private let decompressor: ZlibDecompressor
    private let settings: PerMessageDeflate
    /// The four bytes RFC 7692 §7.2.2 has the sender strip from every message.
    private static let tail: [UInt8] = [0x00, 0x00, 0xFF, 0xFF]
    /// Bytes received compressed, and what they inflated to (the compression ratio).
    private(set) var compressedBytes = 0
    private(set) var inflatedBytes = 0

    init(_ settings: PerMessageDeflate) throws {
        self.settings = settings
        // zlib cannot inflate raw deflate with an 8-bit window; a 9-bit one reads it as well.
        decompressor = try ZlibDecompressor(algorithm: .deflate, windowSize: Int32(max(9, settings.serverMaxWindowBits)))
    }

    /// The message whose compressed payload is `compressed`, at most `limit` bytes.
    func inflate(_ compressed: ArraySlice<UInt8>, limit: Int) throws(LinkError) -> [UInt8] {
        var input = ByteBuffer()
        input.reserveCapacity(compressed.count + 4)
        input.writeBytes(compressed)
        input.writeBytes(Self.tail)
        let output: ByteBuffer
        do {
            output = try input.decompressStream(with: decompressor, maxSize: limit + 1)
        } catch let error as CompressNIOError where error == .bufferOverflow {
            throw .messageTooLarge(limit: limit)
        } catch {
            throw .closedByUs(code: 1007, reason: "invalid compressed data (\(error))")
        }
        guard output.readableBytes <= limit else { throw .messageTooLarge(limit: limit) }
        compressedBytes += compressed.count
        inflatedBytes += output.readableBytes
        if settings.serverNoContextTakeover { try? decompressor.reset() }
        return Array(output.readableBytesView)
    }
}
