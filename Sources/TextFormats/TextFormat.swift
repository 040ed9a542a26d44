/// How a source's lines (or documents) become messages.
public enum TextFormat: String, CaseIterable, Sendable {
    /// JSON when it is JSON; else logfmt for lines that look like it, Prometheus exposition for
    /// documents that look like it (or say so in their Content-Type); else text.
    case auto
    /// JSON passed through (compacted; a UTF-8 BOM dropped); anything else is text.
    case json
    /// `key=value key2="quoted value" flag` lines, one object per line.
    case logfmt
    /// Whitespace tables under a header line: vmstat, iostat -x, df -P, ps, free.
    case columns
    /// The Prometheus text exposition format (0.0.4) and OpenMetrics text: one object per body.
    case prometheus
    /// Every line a text message.
    case text

    /// The format a command-line argument names, case-insensitively (`--format columns`).
    public init(argument: String) throws(TextFormatError) {
        guard let format = TextFormat(rawValue: argument.lowercased()) else { throw .unknownFormat(argument) }
        self = format
    }
}
