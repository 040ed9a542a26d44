import ArgumentParser

/// A duration as users write one: `2s`, `500ms`, `1.5` (seconds), `1m`, `1h`. Above 0, at most a day.
struct Interval: Hashable, Sendable, ExpressibleByArgument, CustomStringConvertible {
    let duration: Duration

    init(_ duration: Duration) { self.duration = duration }

    init?(argument: String) {
        let text = argument.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        var number = Substring(text)
        var scale = 1.0
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            number = number.dropLast(suffix.count)
            scale = factor
            break
        }
        guard let value = Double(number), value.isFinite else { return nil }
        let seconds = value * scale
        guard seconds > 0, seconds <= 86_400 else { return nil }
        duration = .milliseconds(Int64((seconds * 1000).rounded()))
        guard duration > .zero else { return nil }
    }

    var seconds: Double { Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18 }

    var description: String {
        let ms = Int64((seconds * 1000).rounded())
        if ms % 1000 != 0 { return "\(ms)ms" }
        let s = ms / 1000
        return s % 3600 == 0 ? "\(s / 3600)h" : s % 60 == 0 && s >= 60 ? "\(s / 60)m" : "\(s)s"
    }
    var defaultValueDescription: String { description }
}

import Foundation
