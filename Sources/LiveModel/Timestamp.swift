/// Wall-clock time as nanoseconds since the Unix epoch. The store never reads a clock:
/// every time it knows arrives inside an event.
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var nanoseconds: Int64

    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }
    public init(seconds: Double) { self.nanoseconds = Int64((seconds * 1e9).rounded()) }
    public init(milliseconds: Int64) { self.nanoseconds = milliseconds * 1_000_000 }

    public var seconds: Double { Double(nanoseconds) / 1e9 }
    public var milliseconds: Int64 { nanoseconds / 1_000_000 }

    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.nanoseconds < b.nanoseconds }
    /// Saturates instead of trapping: a countdown from a hostile recording must not crash the UI.
    public static func + (a: Timestamp, seconds: Double) -> Timestamp {
        let delta = (seconds * 1e9).isNaN ? 0 : min(max(seconds * 1e9, -9e18), 9e18)
        let (sum, overflow) = a.nanoseconds.addingReportingOverflow(Int64(delta))
        return Timestamp(nanoseconds: overflow ? (delta > 0 ? .max : .min) : sum)
    }
    /// Seconds from `b` to `a`.
    public static func - (a: Timestamp, b: Timestamp) -> Double { Double(a.nanoseconds - b.nanoseconds) / 1e9 }

    /// RFC 3339 in UTC with milliseconds, e.g. `2026-11-26T17:27:53.123Z`.
    public var rfc3339: String {
        var out: [UInt8] = []
        out.reserveCapacity(24)
        writeRFC3339(into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    public func writeRFC3339(into out: inout [UInt8]) {
        let ms = nanoseconds >= 0 ? nanoseconds / 1_000_000 : (nanoseconds - 999_999) / 1_000_000
        var days = ms >= 0 ? ms / 86_400_000 : (ms - 86_399_999) / 86_400_000
        let msOfDay = ms - days * 86_400_000
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
        days += 719_468
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let doe = days - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func put(_ v: Int64, _ width: Int) {
            var digits = [UInt8](repeating: UInt8(ascii: "0"), count: width)
            var x = v
            for i in stride(from: width - 1, through: 0, by: -1) {
                digits[i] = UInt8(ascii: "0") + UInt8(x % 10)
                x /= 10
            }
            out.append(contentsOf: digits)
        }
        put(year, 4); out.append(UInt8(ascii: "-"))
        put(month, 2); out.append(UInt8(ascii: "-"))
        put(day, 2); out.append(UInt8(ascii: "T"))
        put(msOfDay / 3_600_000, 2); out.append(UInt8(ascii: ":"))
        put(msOfDay / 60_000 % 60, 2); out.append(UInt8(ascii: ":"))
        put(msOfDay / 1000 % 60, 2); out.append(UInt8(ascii: "."))
        put(msOfDay % 1000, 3); out.append(UInt8(ascii: "Z"))
    }

    /// Reads the form `writeRFC3339` writes (`2026-11-26T17:27:53.123Z`; the fraction may have
    /// 0 to 9 digits, the zone may be `Z` or `+hh:mm`). Nil for anything else.
    public init?(rfc3339 text: some Collection<UInt8>) {
        if let parsed = text.withContiguousStorageIfAvailable({ Timestamp(rfc3339Bytes: $0) }) {
            guard let parsed else { return nil }
            self = parsed
        } else {
            guard let parsed = Array(text).withUnsafeBufferPointer({ Timestamp(rfc3339Bytes: $0) }) else { return nil }
            self = parsed
        }
    }

    /// `init(rfc3339:)` over bytes in memory (a recording's line), without copying them.
    public init?(rfc3339Bytes b: UnsafeBufferPointer<UInt8>) {
        func digits(_ at: Int, _ n: Int) -> Int64? {
            guard at + n <= b.count else { return nil }
            var v: Int64 = 0
            for i in at..<(at + n) {
                guard b[i] >= UInt8(ascii: "0"), b[i] <= UInt8(ascii: "9") else { return nil }
                v = v * 10 + Int64(b[i] - UInt8(ascii: "0"))
            }
            return v
        }
        guard b.count >= 20, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: " "),
              b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"),
              let year = digits(0, 4), let month = digits(5, 2), let day = digits(8, 2),
              let hour = digits(11, 2), let minute = digits(14, 2), let second = digits(17, 2),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        var i = 19
        var fraction: Int64 = 0
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            var scale: Int64 = 100_000_000
            let first = i
            while i < b.count, b[i] >= UInt8(ascii: "0"), b[i] <= UInt8(ascii: "9") {
                fraction += Int64(b[i] - UInt8(ascii: "0")) * scale
                scale /= 10
                i += 1
            }
            guard i > first, i - first <= 9 else { return nil }
        }
        var offset: Int64 = 0
        if i < b.count, b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
            i += 1
        } else if i + 6 == b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-"), b[i + 3] == UInt8(ascii: ":"),
                  let h = digits(i + 1, 2), let m = digits(i + 4, 2) {
            offset = (h * 60 + m) * 60 * (b[i] == UInt8(ascii: "-") ? -1 : 1)
            i += 6
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        // Days since 1970-01-01 from the civil date (Howard Hinnant's algorithm).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset
        // Years outside about 1678–2262 do not fit in 64-bit nanoseconds: not a time here.
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return nil }
        let (total, overflow2) = scaled.addingReportingOverflow(fraction)
        guard !overflow2 else { return nil }
        self.nanoseconds = total
    }

    public var description: String { rfc3339 }
}
