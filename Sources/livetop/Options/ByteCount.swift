import ArgumentParser

/// `--max-message`: a byte count with binary K, M or G (`65536`, `512K`, `16M`), at most 1G.
struct ByteCount: Hashable, Sendable, ExpressibleByArgument, CustomStringConvertible {
    let bytes: Int

    init(bytes: Int) { self.bytes = bytes }

    init?(argument: String) {
        let units: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30]
        var digits = Substring(argument)
        var unit = 1
        if let last = argument.last?.uppercased().first, let u = units[last] {
            unit = u
            digits = digits.dropLast()
        }
        guard let n = Int(digits), n > 0, n <= (1 << 30) / unit else { return nil }
        bytes = n * unit
    }

    var description: String {
        for (suffix, unit) in [("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)] where bytes % unit == 0 { return "\(bytes / unit)\(suffix)" }
        return String(bytes)
    }
    var defaultValueDescription: String { description }
}
