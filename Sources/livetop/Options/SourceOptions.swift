import ArgumentParser
import PushLink
import TextFormats

/// How a source on this host is read (a command, stdin, a file), and how often any source should speak.
struct SourceOptions: ParsableArguments {
    @Option(help: ArgumentHelp("""
        With a command: run it every interval (2s, 500ms, 1m), its whole output one message (as sampler samples). \
        With an http(s) URL that answers at once: poll it that often (default 1s).
        """, valueName: "interval"))
    var every: Interval?

    @Option(help: ArgumentHelp("With --every: a run still going after this is killed with its process group (default: twice --every, at least 10s).",
                               valueName: "interval"))
    var timeout: Interval?

    @Flag(help: "A command that exits is run again (on the reconnect backoff) instead of ending the source.")
    var restart = false

    @Option(help: ArgumentHelp("How text that is not JSON becomes fields: auto, json, logfmt, columns, prometheus or text.",
                               valueName: "format"))
    var parse = TextFormat.auto

    @Option(help: ArgumentHelp("The source should speak at least this often (5s); longer silence shows it stale.", valueName: "interval"))
    var expect: Interval?

    func validate() throws {
        if timeout != nil && every == nil { throw ValidationError("--timeout is for a command run --every interval") }
    }

    /// These options with a layout source's own over them.
    func overridden(by spec: SourceSpec) -> SourceOptions {
        var options = self
        if let every = spec.every { options.every = every }
        if let timeout = spec.timeout { options.timeout = timeout }
        if let restart = spec.restart { options.restart = restart }
        if let parse = spec.parse { options.parse = parse }
        if let expect = spec.expect { options.expect = expect }
        return options
    }

    /// A local source's configuration from these options and the connection's limits.
    func configuration(_ source: LocalConfiguration.Source, connection: ConnectionOptions) -> LocalConfiguration {
        var c = LocalConfiguration(source: source)
        if case .command = source { c.every = every?.duration }
        c.runTimeout = timeout?.duration
        c.restart = restart
        c.format = parse
        c.maxMessageBytes = connection.limits.maxMessage.bytes
        c.backoff = connection.retry.backoff
        c.expect = expect?.duration
        return c
    }
}

extension TextFormat: ExpressibleByArgument {
    public var defaultValueDescription: String { rawValue }
}
