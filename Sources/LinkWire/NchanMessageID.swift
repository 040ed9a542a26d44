/// A message id as Nchan gives it (docs/transports.md, "Nchan"): `TIME:TAG`, the second the
/// message was published in and its place within that second (0, 1, 2, … and 0 again in the next
/// second). WebSocket (`ws+meta.nchan`) and EventSource carry it whole (`id: 1796599918:5`);
/// long-poll carries it as validators, `Last-Modified` (the second) and `Etag` (the tag).
///
/// Pure and Foundation-free (the fuzz package compiles it without NIO).
public struct NchanMessageID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Seconds since 1970.
    public var time: Int64
    /// The message's place within its second.
    public var tag: Int

    public init(time: Int64, tag: Int) {
        self.time = time
        self.tag = tag
    }

    /// Times an Nchan id can hold (2001 to 2286): a `partition:offset` or `ms:count` id of some
    /// other server does not pass for one.
    package static let times: ClosedRange<Int64> = 1_000_000_000...9_999_999_999
    /// Nchan keeps a tag in 16 bits.
    package static let tags: ClosedRange<Int> = 0...32_767

    /// `TIME:TAG` for one channel. A multiplexed id (`TIME:[3],-,1`) is not one sequence, and any
    /// other text is not Nchan's: nil.
    public init?(_ text: some StringProtocol) {
        let utf8 = Array(text.utf8)
        guard let colon = utf8.firstIndex(of: UInt8(ascii: ":")),
              let time = Self.number(utf8[..<colon], limit: Self.times.upperBound), Self.times.contains(time),
              let tag = Self.number(utf8[(colon + 1)...], limit: Int64(Self.tags.upperBound))
        else { return nil }
        self.init(time: time, tag: Int(tag))
    }

    /// The id a long-poll answer's validators name: `Last-Modified` (an IMF-fixdate) with a bare
    /// `Etag` tag, or an `Etag` holding the whole id (`nchan_msg_in_etag_only`).
    public init?(lastModified: String?, etag: String?) {
        guard var etag else { return nil }
        if etag.hasPrefix("\""), etag.hasSuffix("\""), etag.count >= 2 { etag = String(etag.dropFirst().dropLast()) }
        if let whole = NchanMessageID(etag) {
            self = whole
            return
        }
        guard let lastModified, let time = Self.httpDate(lastModified), Self.times.contains(time),
              let tag = Self.number(Array(etag.utf8)[...], limit: Int64(Self.tags.upperBound))
        else { return nil }
        self.init(time: time, tag: Int(tag))
    }

    public var description: String { "\(time):\(tag)" }

    public static func < (a: NchanMessageID, b: NchanMessageID) -> Bool { (a.time, a.tag) < (b.time, b.tag) }

    /// ASCII digits only, at most `limit`.
    private static func number(_ digits: ArraySlice<UInt8>, limit: Int64) -> Int64? {
        guard !digits.isEmpty, digits.count <= 19 else { return nil }
        var value: Int64 = 0
        for d in digits {
            guard d >= 0x30 && d <= 0x39 else { return nil }
            value = value * 10 + Int64(d - 0x30)
            if value > limit { return nil }
        }
        return value
    }

    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Seconds since 1970 for an IMF-fixdate (`Sun, 06 Dec 2026 23:31:58 GMT`, RFC 9110 §5.6.7),
    /// the only form nginx writes.
    package static func httpDate(_ text: String) -> Int64? {
        let parts = text.split(separator: " ")
        guard parts.count == 6, parts[5] == "GMT", let month = months.firstIndex(of: String(parts[2])),
              let day = Int64(parts[1]), let year = Int64(parts[3]), (1...31).contains(day), (1970...9999).contains(year)
        else { return nil }
        let clock = parts[4].split(separator: ":")
        guard clock.count == 3, let h = Int64(clock[0]), let m = Int64(clock[1]), let s = Int64(clock[2]),
              (0...23).contains(h), (0...59).contains(m), (0...60).contains(s)
        else { return nil }
        return days(year: year, month: Int64(month) + 1, day: day) * 86_400 + h * 3600 + m * 60 + s
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
    private static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
