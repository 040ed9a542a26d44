/// The order of a bars panel's bars (`sort:` in the layout file, docs/layouts.md): by value,
/// largest first unless told otherwise, because a bar chart is read for its biggest entries and
/// those must be the ones left when `+N more` cuts the rest.
enum BarSort: Hashable, Sendable, CustomStringConvertible {
    /// `-value` (the default) or `value`: numbers, then values that are not numbers, then missing ones.
    case value(descending: Bool)
    /// `label` or `-label`: the labels with their digits read as numbers (`cpu2` before `cpu10`).
    case label(descending: Bool)
    /// `none`: as the document or the `values` list orders them.
    case none

    static let `default` = BarSort.value(descending: true)

    /// The spellings the layout file takes; nil for any other.
    init?(_ text: String) {
        switch text {
        case "-value": self = .value(descending: true)
        case "value", "+value": self = .value(descending: false)
        case "label", "+label": self = .label(descending: false)
        case "-label": self = .label(descending: true)
        case "none": self = .none
        default: return nil
        }
    }

    static let spellings = "-value (largest first, the default), value, label, -label or none"

    var description: String {
        switch self {
        case .value(let descending): return descending ? "-value" : "value"
        case .label(let descending): return descending ? "-label" : "label"
        case .none: return "none"
        }
    }
}
