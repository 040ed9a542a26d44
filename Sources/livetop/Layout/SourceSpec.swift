import LinkWire
import LiveModel
import PushLink
import TextFormats

/// One feed of a layout: a name and the same per-feed options as the command line, as the same
/// types (`LayoutFile` parses them with the command line's initialisers). Options left out take
/// the command line's values.
struct SourceSpec: Hashable, Sendable {
    var name: String
    /// nil: the next URL given on the command line (how `livetop demo` binds its own server).
    /// Read as the command line's URLs are (`SourceAddress`): a feed, `-`, a file.
    var url: SourceAddress?
    var headers: [Header] = []
    var bearerEnv: String?
    var protocols: [String] = []
    var origin: String?
    var send: [String] = []
    var transport: TransportChoice?
    var fold: FoldRule?
    var select: JSONPointer?
    /// The member of each message (from its root, before `select`) that holds its time.
    var time: JSONPointer?
    var pollCursor: PollCursor.Convention?
    var pollItems: JSONPointer?
    var sseURL: HTTPEndpoint?
    var pollURL: HTTPEndpoint?
    /// A command run on this host instead of a URL (argv, no shell): `command: [vmstat, -n, "1"]`.
    var command: [String]?
    /// A file followed instead of a URL (`tail -F`).
    var file: String?
    /// A command's sampling interval; an http(s) URL's polling interval.
    var every: Interval?
    /// A sampled command's run timeout.
    var timeout: Interval?
    var restart: Bool?
    var parse: TextFormat?
    /// How often the source should speak; longer silence shows it stale.
    var expect: Interval?
    var location = SourceLocation(line: 0, column: 0)
}
