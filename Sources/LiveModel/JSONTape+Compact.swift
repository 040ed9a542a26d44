extension JSONTape {
    /// Writes the value at `index` as compact JSON that is also safe on a terminal: numbers keep
    /// their original text, strings without escapes or unsafe characters are copied as they are,
    /// the rest are decoded and written again with DEL, C1 and bidi controls escaped. Duplicate
    /// keys that were shadowed are left out, so the output has each key once (the last).
    public mutating func writeCompact(_ index: Int = 0, in bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        let t = self[index]
        switch t.kind {
        case .object:
            out.append(UInt8(ascii: "{"))
            var k = index + 1
            var first = true
            while k < Int(t.end) {
                let next = Int(self[k + 1].end)
                if self[k].kind == .key {
                    if !first { out.append(UInt8(ascii: ",")) }
                    first = false
                    writeCompact(k, in: bytes, into: &out)
                    out.append(UInt8(ascii: ":"))
                    writeCompact(k + 1, in: bytes, into: &out)
                }
                k = next
            }
            out.append(UInt8(ascii: "}"))
        case .array:
            out.append(UInt8(ascii: "["))
            var e = index + 1
            while e < Int(t.end) {
                if e > index + 1 { out.append(UInt8(ascii: ",")) }
                writeCompact(e, in: bytes, into: &out)
                e = Int(self[e].end)
            }
            out.append(UInt8(ascii: "]"))
        case .string, .key, .shadowedKey:
            let raw = UnsafeBufferPointer(rebasing: bytes[Int(t.start)..<Int(t.start + t.length)])
            if !t.escaped && !JSONTape.containsUnsafeText(raw) {
                out.append(UInt8(ascii: "\""))
                out.append(contentsOf: raw)
                out.append(UInt8(ascii: "\""))
            } else {
                JSONValue.writeString(string(index, in: bytes), into: &out)
            }
        case .int, .double, .true, .false, .null:
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[Int(t.start)..<Int(t.start + t.length)]))
        }
    }

    /// DEL, a C1 control, or a bidi control in raw string bytes (see `hasUnsafeText`).
    static func containsUnsafeText(_ raw: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        while i < raw.count {
            let b = raw[i]
            if b == 0x7F { return true }
            if b == 0xC2 && i + 1 < raw.count && raw[i + 1] <= 0x9F { return true }
            if b == 0xE2 && i + 2 < raw.count {
                let b1 = raw[i + 1], b2 = raw[i + 2]
                if (b1 == 0x80 && (0xAA...0xAE).contains(b2)) || (b1 == 0x81 && (0xA6...0xA9).contains(b2)) { return true }
            }
            i += 1
        }
        return false
    }
}
