/// The time a server gives a message, read from what the transport carries (docs/transports.md,
/// "Server time"). Pure: text in, nanoseconds since the Unix epoch out, nil when it holds no time.
/// A message with a server time is shown where it happened (charts, log, headless `server_time`),
/// so a replayed backlog is history, not now.
public enum ServerTime {
    /// An SSE event ID that holds a time:
    /// - Nchan's `SECONDS:TAG` (`1765063800:3`: the publish second, and the message's place in it);
    /// - livetop serve's `SEQ@MILLISECONDS` (`42@1765063800123`: the message number, then its time).
    /// Any other ID (a plain counter, a UUID) holds none.
    public static func eventID(_ id: String) -> Int64? {
        let utf8 = id.utf8
        guard let separator = utf8.firstIndex(where: { $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: "@") }) else { return nil }
        guard let first = digits(utf8[..<separator]), let second = digits(utf8[utf8.index(after: separator)...]) else { return nil }
        return utf8[separator] == UInt8(ascii: ":") ? plausible(seconds: first) : plausible(milliseconds: second)
    }

    /// Unix milliseconds (the reference server's `X-Message-Times`, one per message, comma-separated).
    public static func milliseconds(list: String) -> [Int64?] {
        list.split(separator: ",", omittingEmptySubsequences: false).map { item in
            digits(item.utf8.filter { $0 != 0x20 }).flatMap { plausible(milliseconds: $0) }
        }
    }

    /// An HTTP-date (`Last-Modified`: Nchan stamps each message with its publish second).
    public static func httpDate(_ text: String) -> Int64? {
        RetryAfter.httpDate(text).flatMap { $0 > 0 && $0 < 1e11 ? Int64(($0 * 1e9).rounded()) : nil }
    }

    /// Decimal digits only (at most 18, so they fit), nil for anything else.
    private static func digits(_ bytes: some Collection<UInt8>) -> Int64? {
        guard !bytes.isEmpty, bytes.count <= 18 else { return nil }
        var v: Int64 = 0
        for b in bytes {
            guard b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") else { return nil }
            v = v * 10 + Int64(b - UInt8(ascii: "0"))
        }
        return v
    }

    /// Seconds that are a time between 1973 and 5138 (not a small counter that looks like one).
    private static func plausible(seconds: Int64) -> Int64? {
        seconds >= 100_000_000 && seconds < 100_000_000_000 ? seconds * 1_000_000_000 : nil
    }

    private static func plausible(milliseconds: Int64) -> Int64? {
        milliseconds >= 100_000_000_000 && milliseconds < 100_000_000_000_000 ? milliseconds * 1_000_000 : nil
    }
}
