import ArgumentParser
import Foundation
import Logging
import PushLink
import TextFormats

/// How to reach the feed: the options websocat and curl users expect.
struct ConnectionOptions: ParsableArguments {
    @Option(name: [.customShort("H"), .long], help: ArgumentHelp("A request header, 'Name: value' (repeatable).", valueName: "header"))
    var header: [String] = []

    @Option(help: ArgumentHelp("Send 'Authorization: Bearer <value of VAR>'; the token is never printed.", valueName: "VAR"))
    var bearerEnv: String?

    @Option(name: .customLong("protocol"), help: ArgumentHelp("A WebSocket subprotocol to offer (repeatable).", valueName: "name"))
    var protocols: [String] = []

    @Option(help: ArgumentHelp("The Origin header.", valueName: "origin"))
    var origin: String?

    @Option(help: ArgumentHelp("A text message to send after every connect and reconnect (repeatable, in order).", valueName: "text"))
    var send: [String] = []

    @Option(help: ArgumentHelp("Send this file's contents after every connect, after the --send messages (repeatable).", valueName: "file"))
    var sendFile: [String] = []

    @Option(help: ArgumentHelp("Trust the certificates in this PEM file, besides the system's.", valueName: "file"))
    var cacert: String?

    @Flag(help: "Do not verify TLS certificates (dangerous; says so on stderr).")
    var insecure = false

    @Option(help: ArgumentHelp("Ping every N seconds; 0 turns pings off.", valueName: "seconds"))
    var ping: Double = 15

    @Option(help: ArgumentHelp("A connection that answers nothing within N seconds of a ping is dead.", valueName: "seconds"))
    var pingTimeout: Double = 10

    @Option(help: ArgumentHelp("Limit for connecting: TCP, TLS and the upgrade together.", valueName: "seconds"))
    var connectTimeout: Double = 10

    @Option(help: ArgumentHelp("Largest message accepted, in bytes (K, M, G suffixes; at most 1G); a larger one closes with 1009.",
                               valueName: "bytes"))
    var maxMessage = ByteCount(bytes: 16 << 20)

    @Option(help: ArgumentHelp("The longest wait between reconnect attempts, reached after a while disconnected (waits are random below a bound that grows with the time disconnected).",
                               valueName: "seconds"))
    var retryMax: Double = 5

    @Option(help: ArgumentHelp("The bound on the first wait after a connection is lost.", valueName: "seconds"))
    var retryMin: Double = 0.5

    @Flag(help: "End when the connection ends instead of reconnecting: exit 0 after a normal close, 1 after an error.")
    var exitOnClose = false

    @Option(help: ArgumentHelp("""
        auto (WebSocket, falling back to SSE or a JSON stream, then long-poll), websocket, sse, stream, longpoll \
        or poll (a plain REST resource, every --every).
        """, valueName: "name"))
    var transport = TransportChoice.auto

    @Option(help: ArgumentHelp("Where SSE goes when it is used (default: the feed URL over http(s)).", valueName: "url"))
    var sseURL: String?

    @Option(help: ArgumentHelp("Where long-poll goes when it is used (default: the feed URL over http(s)).", valueName: "url"))
    var pollURL: String?

    @Option(help: ArgumentHelp("""
        How the long-poll (or stream) cursor travels: validators (Last-Modified/Etag, as Nchan), \
        query:NAME,header:HEADER or query:NAME,body:/POINTER (default: whatever the server shows).
        """, valueName: "convention"))
    var pollCursor = PollCursor.Convention.automatic

    @Option(help: ArgumentHelp("Where the messages are in a long-poll body (a JSON pointer such as /results).", valueName: "pointer"))
    var pollItems: String?

    @Option(help: ArgumentHelp("While on a fallback, try WebSocket again every N seconds (0: never).", valueName: "seconds"))
    var upgradeRetry: Double = 60

    @Option(help: ArgumentHelp("""
        Go through this proxy: http://[user:pass@]host:port (CONNECT), socks5://host:port or socks5h://host:port \
        (default: https_proxy, http_proxy, all_proxy and no_proxy as curl reads them).
        """, valueName: "url"))
    var proxy: String?

    @Flag(help: "Connect directly, whatever the proxy environment variables say.")
    var noProxy = false

    @Flag(help: "Do not offer permessage-deflate compression on WebSocket connections.")
    var noDeflate = false

    @Option(help: ArgumentHelp("Where a Socket.IO server answers (default /socket.io/).", valueName: "path"))
    var socketioPath = "/socket.io/"

    @Option(help: ArgumentHelp("The Socket.IO namespace's auth payload (JSON), sent with every connect.", valueName: "json"))
    var socketioAuth: String?

    @Option(help: ArgumentHelp("Emit a Socket.IO event after every connect and reconnect: 'NAME JSON', one value (repeatable).",
                               valueName: "'name json'"))
    var sendEvent: [String] = []

    func validate() throws {
        for h in header where parseHeader(h) == nil {
            throw ValidationError("-H must look like 'Name: value', not '\(h)'")
        }
        for (name, value) in [("--ping", ping), ("--ping-timeout", pingTimeout), ("--connect-timeout", connectTimeout),
                              ("--upgrade-retry", upgradeRetry), ("--retry-max", retryMax), ("--retry-min", retryMin)]
        where !(value >= 0 && value <= 86_400) {
            throw ValidationError("\(name) must be a number of seconds between 0 and 86400")
        }
        if pingTimeout == 0 || connectTimeout == 0 { throw ValidationError("--ping-timeout and --connect-timeout must be above 0") }
        if retryMin < 0.01 { throw ValidationError("--retry-min must be at least 0.01 seconds") }
        if retryMax < retryMin { throw ValidationError("--retry-max (\(retryMax)) must not be below --retry-min (\(retryMin))") }
        for (name, value) in [("--sse-url", sseURL), ("--poll-url", pollURL)] {
            guard let value else { continue }
            do {
                let url = try FeedURL(value)
                guard url.scheme == .http || url.scheme == .https else { throw LinkError.badURL(value, "must be http:// or https://") }
            } catch let error as LinkError {
                throw ValidationError("\(name): \(error)")
            }
        }
        if let pollItems, !(pollItems.isEmpty || pollItems.hasPrefix("/")) {
            throw ValidationError("--poll-items must be a JSON pointer such as /results")
        }
        do {
            _ = try proxySettings()
        } catch {
            throw ValidationError("--proxy or the proxy environment: \(error)")
        }
        if proxy != nil && noProxy { throw ValidationError("--proxy and --no-proxy: choose one") }
        for event in sendEvent where Self.event(event) == nil {
            throw ValidationError("--send-event takes 'NAME JSON' (the event's name, a space, its data as JSON), not '\(event)'")
        }
        if let socketioAuth, (try? JSONSerialization.jsonObject(with: Data(socketioAuth.utf8))) == nil {
            throw ValidationError("--socketio-auth takes a JSON object, and '\(socketioAuth)' is not one")
        }
        guard socketioPath.hasPrefix("/") else { throw ValidationError("--socketio-path must start with /") }
        if let bearerEnv, ProcessInfo.processInfo.environment[bearerEnv] == nil {
            throw ValidationError("--bearer-env \(bearerEnv): that environment variable is not set")
        }
        for file in sendFile where !FileManager.default.isReadableFile(atPath: file) {
            throw ValidationError("--send-file \(file): cannot read that file")
        }
        if let cacert, !FileManager.default.isReadableFile(atPath: cacert) {
            throw ValidationError("--cacert \(cacert): cannot read that file")
        }
        // Every bad --cacert is a usage error, not a TLS fault retried forever.
        if let cacert, !((try? String(contentsOfFile: cacert, encoding: .utf8))?.contains("-----BEGIN CERTIFICATE-----") ?? false) {
            throw ValidationError("--cacert \(cacert): not a PEM certificate file (no -----BEGIN CERTIFICATE----- in it)")
        }
    }

    /// These options with a layout source's own over them; checked as the command line is.
    func overridden(by spec: SourceSpec) throws -> ConnectionOptions {
        var options = self
        if !spec.headers.isEmpty { options.header = spec.headers }
        if let bearerEnv = spec.bearerEnv { options.bearerEnv = bearerEnv }
        if !spec.protocols.isEmpty { options.protocols = spec.protocols }
        if let origin = spec.origin { options.origin = origin }
        if !spec.send.isEmpty { options.send = spec.send }
        // The layout file checked these with the same parsers.
        if let transport = spec.transport.flatMap(TransportChoice.init(argument:)) { options.transport = transport }
        if let pollCursor = spec.pollCursor.flatMap(PollCursor.Convention.init(argument:)) { options.pollCursor = pollCursor }
        if let pollItems = spec.pollItems { options.pollItems = pollItems }
        if let sseURL = spec.sseURL { options.sseURL = sseURL }
        if let pollURL = spec.pollURL { options.pollURL = pollURL }
        do {
            try options.validate()
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
        if insecure {
            Diagnostics.warn("--insecure: TLS certificates are NOT verified; anyone on the path can read and change this feed")
        }
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
        c.headers = header.compactMap(parseHeader)
        if let bearerEnv, let token = ProcessInfo.processInfo.environment[bearerEnv] {
            c.headers.append(("Authorization", "Bearer \(token)"))
        }
        c.protocols = protocols
        c.origin = origin
        c.sendOnOpen = send
        for file in sendFile {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw ValidationError("--send-file \(file): cannot read it as UTF-8 text")
            }
            c.sendOnOpen.append(text)
        }
        c.caCertificateFile = cacert
        c.insecure = insecure
        c.pingInterval = ping > 0 ? .milliseconds(Int64(ping * 1000)) : nil
        c.pingTimeout = .milliseconds(Int64(pingTimeout * 1000))
        c.connectTimeout = .milliseconds(Int64(connectTimeout * 1000))
        c.maxMessageBytes = maxMessage.bytes
        c.reconnect.exitOnClose = exitOnClose
        c.reconnect.backoff = Backoff(base: .milliseconds(Int64(retryMin * 1000)), cap: .milliseconds(Int64(retryMax * 1000)))
        c.transport = transport.transport
        c.sseURL = try sseURL.map { try FeedURL($0) }
        c.pollURL = try pollURL.map { try FeedURL($0) }
        c.pollCursor = pollCursor
        c.pollItems = pollItems
        c.upgradeRetry = upgradeRetry > 0 ? .milliseconds(Int64(upgradeRetry * 1000)) : nil
        c.proxies = try proxySettings()
        c.deflate = !noDeflate
        c.socketIOPath = socketioPath
        c.socketIOAuth = socketioAuth
        c.sendEvents = sendEvent.compactMap(Self.event)
        if url.scheme == .wss {
            // A wss:// feed never falls back to plain http://.
            for (name, u) in [("--sse-url", c.sseURL), ("--poll-url", c.pollURL)] where u?.scheme == .http {
                throw ValidationError("\(name) is plain http:// but the feed is wss://; use https://")
            }
        }
        return c
    }

    /// `NAME JSON` as an event's name and data.
    static func event(_ text: String) -> (name: String, json: String)? {
        guard let space = text.firstIndex(of: " ") else { return nil }
        let name = String(text[..<space]), json = text[text.index(after: space)...].trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, (try? JSONSerialization.jsonObject(with: Data(json.utf8), options: [.fragmentsAllowed])) != nil else { return nil }
        return (name, json)
    }

    func proxySettings() throws(LinkError) -> ProxySettings {
        try ProxySettings.from(proxy: proxy, noProxy: noProxy, environment: ProcessInfo.processInfo.environment)
    }

    private func parseHeader(_ text: String) -> (name: String, value: String)? {
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let name = text[..<colon].trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, !name.contains(" ") else { return nil }
        return (name, text[text.index(after: colon)...].trimmingCharacters(in: .whitespaces))
    }
}
