import ArgumentParser
import LiveModel
import PushLink

/// A length of time between two things (`--every`): `2s`, `500ms`, `1.5` (seconds), `1m`, `1h`.
/// Above zero and at most a day; anything else is not an interval (a usage error, exit 64).
struct Interval: Hashable, Sendable, ExpressibleByArgument, CustomStringConvertible {
    /// The longest interval accepted.
    static let longest: Duration = .seconds(86_400)

    var duration: Duration

    init(_ duration: Duration) { self.duration = duration }

    /// nil unless `seconds` is above zero and at most `longest`.
    init?(seconds: Double) {
        guard seconds.isFinite, seconds > 0, seconds <= Self.longest.seconds else { return nil }
        let nanoseconds = Int64((seconds * 1e9).rounded())
        guard nanoseconds > 0 else { return nil }
        duration = .nanoseconds(nanoseconds)
    }

    init?(argument: String) {
        let text = argument.trimmingCharacters(in: .whitespaces).lowercased()
        var number = Substring(text)
        var unit = 1.0
        for (suffix, seconds) in [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)] where text.hasSuffix(suffix) {
            number = number.dropLast(suffix.count)
            unit = seconds
            break
        }
        // Digits and at most one point: no signs, exponents, "inf" or "nan".
        guard !number.isEmpty, number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
              number.filter({ $0 == "." }).count <= 1, let amount = Double(number) else { return nil }
        self.init(seconds: amount * unit)
    }

    var seconds: Double { duration.seconds }

    /// `1s`, `500ms`, `1.5s`.
    var description: String {
        let (seconds, attoseconds) = duration.components
        if attoseconds == 0 { return "\(seconds)s" }
        if attoseconds % 1_000_000_000_000_000 == 0 { return "\(seconds * 1000 + attoseconds / 1_000_000_000_000_000)ms" }
        return "\(Double(seconds) + Double(attoseconds) / 1e18)s"
    }
}
