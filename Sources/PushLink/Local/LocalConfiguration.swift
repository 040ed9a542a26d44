import LinkWire
import LiveModel
import TextFormats

/// What a local source reads and how: a command, livetop's stdin, or a followed file.
public struct LocalConfiguration: Sendable {
    public enum Source: Hashable, Sendable, CustomStringConvertible {
        /// argv, run without a shell (`sh -c` only when the user writes it).
        case command([String])
        case stdin
        /// A path followed as `tail -F` follows it.
        case file(String)

        public var description: String {
            switch self {
            case .command(let argv): return argv.map { $0.contains(" ") || $0.isEmpty ? "'\($0)'" : $0 }.joined(separator: " ")
            case .stdin: return "stdin"
            case .file(let path): return path
            }
        }

        public var transport: Transport {
            switch self {
            case .command: return .command
            case .stdin: return .stdin
            case .file: return .file
            }
        }
    }

    public var source: Source
    /// A command only: run it every `every` (start to start), each run's whole stdout one message,
    /// as sampler's `sample:` does. nil: run it once and read its stdout line by line.
    public var every: Duration?
    /// A sampled run still going after this is killed (with its process group).
    public var runTimeout: Duration?
    /// A streaming command that ended is run again on the backoff (`--restart`); without it the
    /// source ends with the command.
    public var restart = false
    /// How lines (or a sampled run's output) that are not JSON become fields (`--parse`).
    public var format = TextFormat.auto
    /// The longest line (or sampled output) kept; a longer one is left out and counted.
    public var maxMessageBytes = 16 << 20
    public var backoff = Backoff()
    /// How often the source should speak (`expect:`); longer silence is reported as `stale`.
    public var expect: Duration?
    /// A stopped command's process group gets SIGTERM, then SIGKILL after this.
    public var killGrace: Duration = .seconds(2)
    /// A followed file is looked at this often once its end is reached (rotation, truncation, growth).
    public var followInterval: Duration = .milliseconds(200)
    /// A followed file starts this far before its end (`tail -F` starts with the last lines).
    public var fileTail = 64 << 10

    /// The timeout a sampled run gets unless one is given: twice the interval, at least 10 s.
    public var effectiveRunTimeout: Duration {
        runTimeout ?? max(.seconds(10), (every ?? .zero) * 2)
    }

    public init(source: Source) { self.source = source }
}
