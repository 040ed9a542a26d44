import Foundation
import LinkWire
import LiveModel
import PushLink
import TextFormats
import Yams

/// Reads layout files: YAML that declares the feeds and the panels of a dashboard.
///
/// ```yaml
/// history: 300              # optional: samples kept per numeric value, 10...3600 (memory: 16 bytes a sample per number)
/// sources:                  # optional; without it there is one source named "main"
///   - name: demo            # required, unique; panels refer to sources by name
///     url: ws://127.0.0.1:9000/   # optional: without it, the next URL on the command line
///     headers: ["X-Key: v"] # 'Name: value' strings
///     bearer_env: TOKEN     # environment variable holding a bearer token
///     protocols: [chat]     # WebSocket subprotocols: a string or a list
///     origin: https://x
///     send: ['{"op":"sub"}']  # messages sent after connecting: a string or a list
///     transport: auto       # auto, websocket, sse, stream, longpoll or poll
///     fold: merge           # merge, replace, append or upsert:/pointer
///     select: /data         # the part of each message that is folded (a JSON pointer)
///     time: /ts             # the member holding each message's time (RFC 3339, or seconds/ms since 1970):
///                           #   charts and the log place the message there, not at its arrival
///     poll_cursor: query:cursor,header:X-Next-Cursor
///     poll_items: /results  # a JSON pointer
///     sse_url: http://…     # fallback endpoints
///     poll_url: http://…
///   - name: host            # a source on this host instead of a url:
///     command: [vmstat, -n, "1"]  #   a command (argv, no shell; [sh, -c, "…"] for one), each stdout line a message
///     every: 2s             #   with every: run it that often, its whole output one message (an http url: poll interval)
///     timeout: 10s          #   with every: a run still going after this is killed (default 2 × every, at least 10s)
///     restart: true         #   a command that exits is run again (on the backoff)
///     parse: columns        #   auto, json, logfmt, columns, prometheus or text
///     expect: 5s            #   silence longer than this shows the source stale
///   - name: log
///     file: /var/log/app.log  # a file followed as tail -F follows it
/// rows:                     # required: at least one row with at least one panel
///   - height: 2             # relative height, 1...100, default 1
///     panels:
///       - kind: chart       # required: tile, chart, gauge, bars, table, log or text
///         title: CPU        # default: from the values (their last tokens, an expression's text cut
///                           #   to 32 characters, rate(…) with rate: true), "rows", "log" or "text"
///         source: demo      # a source name; default: the first source
///         width: 2          # relative width, 1...100, default 1
///         value: /cpu_pct   # a pointer pattern (`*` matches every key); `values` and
///         values: [/a, /b]  #   `series` are the same key with a list; give one of the three.
///                           #   tile, gauge, chart, bars: required; text: at most one
///                           #   bars: one bar per value; a value that is an object (or array)
///                           #   gives one bar per member, labelled by its key
///         value: "/mem/used / /mem/total * 100"  # or an expression (see `Expression`): pointers,
///                           #   numbers, + - * /, parentheses, unary -, rate(/p) and delta(/p);
///                           #   a value is one when it holds a space, ( or a backtick, or starts
///                           #   with -, a digit or a dot. Pointers in it end at a space or ), so
///                           #   operators take spaces; a key with spaces goes in backticks:
///                           #   "rate(`/node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"}`) * 100"
///         rate: true        # tile, gauge, chart, table: every value as its per-second rate
///         delta: true       #   (counters; a reset gives none), or its change since the sample before; not both
///         rows: /services   # table: the object (or array) holding the rows; default the root
///         columns:          # table: keys, or {key, title, format, thresholds, rate, delta}
///           - status
///           - {key: latency_ms, title: latency, format: "%.0f ms", thresholds: {warn: 200}}
///           - {key: rx_bytes, rate: true, format: "%.0f B/s"}   # a column's own rate or delta
///           - {key: cpu, spark: true}   # the value's recent history as a sparkline (10 cells; or spark: 20)
///         sort: -latency_ms # table: a column key; a leading '-' sorts descending
///         sort: -value      # bars: -value (largest first, the default), value, label, -label or none
///         key: {title: host} # table: the column of row names renamed (or `key: host`); `key: false` hides it
///         series:           # chart: an entry may be a mapping with its colour:
///           - {value: /cpu, color: red}   #   red, green, yellow, blue, magenta, cyan, white, gray, default
///           - /mem          #   (the others keep the palette's colour for their place)
///         color: green      # chart: the colour of the series whose entries name none
///         min: 0            # gauge, chart, bars: the range (bars: default 0 and the greatest value)
///         max: 100
///         format: "%.1f%%"  # tile, gauge, chart, bars: one of %d %i %f %e %g with flags, width, precision
///         baseline: 8       # tile: the value a sparkline's lowest glyph stands for (default 0;
///                           #   values below it move it down to their min)
///         thresholds: {warn: 80, crit: 95}          # numbers: warn and/or crit
///         thresholds: {up: ok, degraded: warn, down: crit}  # states: ok, warn or crit
///         alert: {level: crit, for: 5s, bell: true, command: [notify-send, livetop], timeout: 10s, stale: 30s}
///                           # level: warn (default) or crit; for: how long it must hold (0);
///                           # command: argv, never a shell line; timeout: kills it (10s)
///         filter: /event    # log: only messages with a value here
///         text: hello       # text: fixed text (or one `value`)
/// ```
///
/// Durations are seconds or strings such as `500ms`, `1.5s`, `2m`, `1h`. Unknown keys, and keys
/// that do not apply to a panel's kind, are warnings, so a file written for a newer livetop
/// still loads; everything else that is wrong is a `LayoutError` naming the line and column.
enum LayoutFile {
    /// Parses a layout; warnings are one-line strings "FILE:LINE:COL: unknown key 'x' in panel (ignored)".
    static func parse(_ text: String, file: String) throws(LayoutError) -> (layout: Layout, warnings: [String]) {
        var reader = LayoutReader(file: file, text: text)
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw reader.syntaxError(error, in: text)
        } catch {
            throw LayoutError(file: file, message: "invalid YAML: \(error)")
        }
        guard let root, root.null == nil else {
            throw LayoutError(file: file, message: "the layout is empty; it needs 'rows' with panels")
        }
        let layout = try reader.layout(root)
        return (layout, reader.warnings)
    }

    /// Whether a value's text is an expression rather than a pointer pattern: it holds a space,
    /// `(` or a backtick, or starts with `-`, a digit or `.` (`LayoutEncoder` writes a pattern
    /// that would read so in backticks).
    static func readsAsExpression(_ text: String) -> Bool {
        text.contains { $0.isWhitespace || $0 == "(" || $0 == "`" } || text.first.map { $0 == "-" || $0 == "." || $0.isASCIIDigit } == true
    }

    /// Reads and parses the file at `path` (an unreadable file is a LayoutError without location).
    static func load(path: String) throws(LayoutError) -> (layout: Layout, warnings: [String]) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw LayoutError(file: path, message: "no such file")
        }
        guard !isDirectory.boolValue else { throw LayoutError(file: path, message: "is a directory, not a layout file") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LayoutError(file: path, message: "cannot be read (check its permissions)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw LayoutError(file: path, message: "is not UTF-8 text")
        }
        return try parse(text, file: path)
    }
}
