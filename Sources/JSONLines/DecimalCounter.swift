/// A count in decimal ASCII, counted up in place: a line's `seq` without formatting an integer,
/// in a fixed tuple so that neither counting nor copying it touches the heap.
struct DecimalCounter: Sendable {
    /// Right-aligned digits; `start` is the first one in use.
    private var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
    private var start = 23

    init() {
        withUnsafeMutableBytes(of: &digits) { $0[23] = UInt8(ascii: "0") }
    }

    mutating func increment() {
        withUnsafeMutableBytes(of: &digits) { d in
            var i = 23
            while i >= start {
                if d[i] != UInt8(ascii: "9") {
                    d[i] += 1
                    return
                }
                d[i] = UInt8(ascii: "0")
                i -= 1
            }
            // All nines: one digit more (24 digits outlast any Int64 count).
            start -= 1
            d[start] = UInt8(ascii: "1")
        }
    }

    func write(into out: inout [UInt8]) {
        withUnsafeBytes(of: digits) { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: $0[start...])) }
    }
}
