import ArgumentParser
import Foundation
import LinkWire
import LiveModel
import Logging
import PushLink
import TextFormats

/// How to reach a feed: the options websocat and curl users expect, in groups the help titles.
/// `publish` shares the groups that apply to it (`PublishConnectionOptions`).
struct ConnectionOptions: ParsableArguments {
    @OptionGroup(title: "Connection")
    var session: SessionOptions

    @OptionGroup(title: "Headers")
    var headers: HeaderOptions

    @OptionGroup(title: "TLS")
    var tls: TLSOptions

    @OptionGroup(title: "Proxy")
    var proxy: ProxyOptions

    @OptionGroup(title: "Reconnecting")
    var retry: RetryOptions

    @OptionGroup(title: "Transport")
    var transport: TransportOptions

    @OptionGroup(title: "Limits")
    var limits: LimitOptions

    /// These options with a layout source's own over them; checked as the command line is (the
    /// layout file parsed its values with the same initialisers).
    func overridden(by spec: SourceSpec) throws -> ConnectionOptions {
        var options = self
        if !spec.headers.isEmpty { options.headers.header = spec.headers }
        if let bearerEnv = spec.bearerEnv { options.headers.bearerEnv = bearerEnv }
        if !spec.protocols.isEmpty { options.session.protocols = spec.protocols }
        if let origin = spec.origin { options.session.origin = origin }
        if !spec.send.isEmpty { options.session.send = spec.send }
        options.transport.override(with: spec)
        do {
            // Of a source's own values only bearer_env has a check the layout file cannot make.
            try options.headers.validate()
        } catch let error as ValidationError {
            Diagnostics.error("source '\(spec.name)': \(error.message)")
            throw ExitCode(64)
        }
        return options
    }

    /// The link these options describe, logging to `logFile` when one is given.
    /// `every`: how often a plain REST resource is polled (`--every`, a source's `every:`); `expect`: how often it should speak.
    func makeLink(url: FeedURL, every: Duration? = nil, expect: Duration? = nil, format: TextFormat = .auto,
                  logger: Logger) throws -> Link {
        var configuration = try linkConfiguration(url: url)
        configuration.format = format
        if let every { configuration.pollInterval = every }
        configuration.expect = expect
        tls.warnIfInsecure("this feed")
        return Link(configuration, logger: logger)
    }

    /// The links' logger: to `logFile` when one is given (one file for every source, each line
    /// naming its source), else nowhere.
    static func logger(file logFile: String?) throws -> Logger {
        guard let logFile else { return Logger(label: "livetop.link", factory: { _ in SwiftLogNoOpLogHandler() }) }
        do {
            let handler = try FileLogHandler(label: "livetop.link", path: logFile)
            return Logger(label: "livetop.link", factory: { _ in handler })
        } catch {
            throw ValidationError("--log-file \(logFile): cannot write to it")
        }
    }

    func linkConfiguration(url: FeedURL) throws -> LinkConfiguration {
        var c = LinkConfiguration(url: url)
        c.headers = headers.fields()
        try session.apply(to: &c)
        tls.apply(to: &c)
        c.proxies = try proxy.settings()
        retry.apply(to: &c)
        try transport.apply(to: &c)
        limits.apply(to: &c)
        return c
    }
}
