import Foundation
import LiveModel

/// Number and time formats for small spaces.
enum Format {
    static func number(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e12 { return String(Int64(v)) }
        let a = abs(v)
        if a >= 1e6 || a < 1e-3 { return String(format: "%.3g", v) }
        // The feed's own short form when it has one (21.4 stays 21.4, not 21.400).
        let shortest = "\(v)"
        if shortest.count <= 8 { return shortest }
        return String(format: a >= 100 ? "%.1f" : "%.3f", v)
    }

    /// `3,333`: a count a reader takes in at a glance.
    static func grouped(_ n: Int64) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    static func rate(_ r: Double) -> String {
        // Below one a second (a command sampled every 2 s) the rate is a fraction, not 0.
        r >= 1e6 ? String(format: "%.2fM msg/s", r / 1e6) : r >= 1e4 ? String(format: "%.1fk msg/s", r / 1e3)
            : r > 0 && r < 0.95 ? String(format: "%.1f msg/s", r) : String(format: "%.0f msg/s", r)
    }

    /// A held time: `12s`, `3m`, `2h`.
    static func duration(_ s: Double) -> String {
        s < 60 ? "\(Int(s))s" : s < 3600 ? "\(Int(s / 60))m" : "\(Int(s / 3600))h"
    }

    /// A number through a printf-style format from a layout (`%.1f ms`); the plain form when
    /// there is none. Integer conversions get the value rounded.
    static func number(_ v: Double, format: String?) -> String {
        guard let format else { return number(v) }
        if conversion(in: format) == "d" || conversion(in: format) == "i" {
            return String(format: format, v.isFinite && abs(v) < 9e18 ? Int(v.rounded()) : 0)
        }
        return String(format: format, v)
    }

    /// The conversion letter of a printf-style format's one directive (`f` in `%.1f%%`).
    static func conversion(in format: String) -> Character? {
        var chars = Array(format)[...]
        while let i = chars.firstIndex(of: "%") {
            chars = chars[(i + 1)...]
            if chars.first == "%" {
                chars = chars.dropFirst()
                continue
            }
            return chars.first { !"-+ #0123456789.".contains($0) }
        }
        return nil
    }

    /// A value through a layout's format: numbers formatted, anything else as `value(_:)`.
    static func value(_ v: JSONValue, format: String?) -> String {
        guard format != nil, let n = v.numberValue else { return value(v) }
        return number(n, format: format)
    }

    static func age(_ s: Double) -> String {
        s < 1 ? "<1s ago" : s < 60 ? "\(Int(s))s ago" : s < 3600 ? "\(Int(s / 60))m ago" : "\(Int(s / 3600))h ago"
    }

    static func value(_ v: JSONValue) -> String {
        switch v {
        case .string(let s): return s
        case .int(let i): return String(i)
        case .double(let d): return number(d)
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .array(let a): return a.count <= 8 ? v.jsonText : "[\(a.count) items]"
        case .object(let o): return o.count <= 4 ? v.jsonText : "{\(o.count) keys}"
        }
    }
}
