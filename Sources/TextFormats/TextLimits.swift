/// The bounds every format keeps to, whatever the input. Hostile input is normal: past a limit a
/// line is left as text (or, in Prometheus bodies, one sample is skipped and counted); no limit
/// makes the parser fail or take more than linear time.
public struct TextLimits: Sendable, Equatable {
    /// A `logfmt` or `columns` line longer than this is not parsed (it stays a text message).
    public var maxLineBytes: Int = 1 << 20
    /// A header with more columns than this is not a header (that line stays text); a data row
    /// with more fields joins the rest into its last column, as it does for a shorter header.
    public var maxColumns: Int = 10_000
    /// A Prometheus sample whose key (name and labels as written) is longer than this is skipped
    /// and counted.
    public var maxKeyBytes: Int = 4096
    /// JSON nested deeper than this (objects and arrays open at once) is left as text.
    public var maxJSONDepth: Int = 512
    /// How many distinct header lines `columns` remembers per source (to skip repeated headers);
    /// past it the oldest are forgotten.
    public var maxRememberedHeaders: Int = 64

    public init() {}
}
