import Foundation
import LiveModel

/// `Retry-After` (RFC 9110 §10.2.3) on a 429 or 503: how long the server asks us to stay away.
/// Pure: the answer's own headers in, a wait out.
package enum RetryAfter {
    /// The longest wait honoured: a value beyond it (a typo, or a hostile server) waits this long.
    package static let longest: Duration = .seconds(3600)

    /// The wait `value` asks for: delay-seconds (`120`), or an HTTP-date counted from the answer's
    /// own `Date` header, the server's clock against itself, so a client clock that is off does not
    /// matter. nil when it cannot be read (or is a date without a `Date` to count from): the
    /// usual backoff applies then.
    package static func delay(_ value: String, date: String?) -> Duration? {
        let text = value.trimmingCharacters(in: .whitespaces)
        if !text.isEmpty, text.allSatisfy(\.isASCIIDigit) {
            guard let seconds = Int64(text) else { return longest }  // more digits than Int64 holds
            return min(.seconds(seconds), longest)
        }
        guard let until = httpDate(text), let date, let now = httpDate(date) else { return nil }
        let seconds = until - now
        return seconds <= 0 ? .zero : min(.milliseconds(Int64((seconds * 1000).rounded())), longest)
    }

    /// Seconds since 1970 for an HTTP-date: IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), or the
    /// obsolete RFC 850 and asctime forms recipients must still accept.
    package static func httpDate(_ text: String) -> Double? {
        // asctime pads a one-digit day with a space: "Sun Nov  6 08:49:37 1994".
        let text = text.split(separator: " ").joined(separator: " ")
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date.timeIntervalSince1970 }
        }
        return nil
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
