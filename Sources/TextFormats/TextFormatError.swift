/// Why a text format could not be set up, with a one-line description for the status line or
/// the command line.
public struct TextFormatError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Reason: Sendable, Equatable {
        case unknownFormat(String)
    }

    private let reason: Reason

    private init(_ reason: Reason) { self.reason = reason }

    /// A `--format` argument that names no format.
    public static func unknownFormat(_ argument: String) -> TextFormatError { TextFormatError(.unknownFormat(argument)) }

    public var description: String {
        switch reason {
        case .unknownFormat(let argument):
            let choices = TextFormat.allCases.map(\.rawValue).joined(separator: ", ")
            return "unknown format '\(argument)' (choose one of \(choices))"
        }
    }
}
