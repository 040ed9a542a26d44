import Foundation

/// A sparkline of the last values, newest at the right, scaled from a baseline (zero unless the
/// layout declares `baseline:`) to their max, so that 8.4..9.51 reads as the small change it is
/// instead of filling the height. Values below the baseline (negative data) move it down to their
/// min. Values at the baseline draw the lowest glyph.
struct Sparkline {
    var values: [Double]
    var glyphs: Glyphs
    var style: Style = .color(.cyan)
    var baseline: Double = 0

    func render(in area: Rect, into buffer: inout Buffer) {
        guard !area.isEmpty, !values.isEmpty else { return }
        let shown = values.suffix(area.width)
        let (lo, hi) = Self.range(of: shown, baseline: baseline)
        var x = area.maxX - shown.count
        for v in shown {
            let level = hi > lo && v.isFinite ? Int(((v - lo) / (hi - lo) * Double(glyphs.sparks.count - 1)).rounded()) : 0
            buffer[x, area.y] = Cell(text: glyphs.sparks[max(0, min(glyphs.sparks.count - 1, level))], style: style)
            x += 1
        }
    }

    /// The values the lowest and highest glyph stand for: the baseline (or the min, when values
    /// go below it) and the max. Values that are not finite are left out.
    static func range(of values: some Collection<Double>, baseline: Double) -> (low: Double, high: Double) {
        let finite = values.filter(\.isFinite)
        let base = baseline.isFinite ? baseline : 0
        return (min(base, finite.min() ?? base), finite.max() ?? base)
    }
}
