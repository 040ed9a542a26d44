import NIOCore

// RESP on NIO's buffers. The codec itself works on plain bytes, so the fuzzing build
// (Fuzz/Package.swift) compiles it without SwiftNIO.

extension RESPValue {
    /// Appends the value in RESP2 form.
    public func write(to buffer: inout ByteBuffer) {
        buffer.writeBytes(encoded)
    }

    /// Appends a command of bulk strings (see `encodeCommand`).
    public static func writeCommand(_ words: [some Collection<UInt8>], to buffer: inout ByteBuffer) {
        var out: [UInt8] = []
        encodeCommand(words, into: &out)
        buffer.writeBytes(out)
    }
}

extension RESPDecoder {
    /// Takes the first complete value off `buffer`, or returns nil (consuming nothing) when the
    /// bytes so far are a correct start of one. Throws for bytes that cannot start or continue a
    /// value; the connection cannot be read any further after that.
    public func decode(_ buffer: inout ByteBuffer) throws(RESPError) -> RESPValue? {
        let result = buffer.withUnsafeReadableBytes { raw in Result { () throws(RESPError) in try decode(raw) } }
        guard let (value, consumed) = try result.get() else { return nil }
        buffer.moveReaderIndex(forwardBy: consumed)
        return value
    }
}
