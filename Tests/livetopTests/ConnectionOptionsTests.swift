import ArgumentParser
import Foundation
import LinkWire
import LiveModel
import PushLink
import Testing
@testable import livetop

/// The connection option groups: each value parsed once by its own type, the same grammar on the
/// command line and in a layout file, and `publish` configured by the same groups as a feed.
@Suite struct ConnectionOptionsTests {
    static let feed = try! FeedURL("wss://feed.example/live")

    @Test(arguments: [
        ("X-Key: v", "X-Key", "v"),
        ("X-Key:v", "X-Key", "v"),
        ("X-Key: \t v \t", "X-Key", "v"),
        ("X-Key:", "X-Key", ""),
        ("X-Time: 12:30", "X-Time", "12:30"),
        ("Authorization: Bearer a b", "Authorization", "Bearer a b"),
    ])
    func aHeaderIsANameAndATrimmedValue(_ text: String, _ name: String, _ value: String) throws {
        let header = try Header(parsing: text)
        #expect(header.name == name && header.value == value)
    }

    @Test(arguments: [
        ("NoColon", "expected 'Name: value' with no spaces in the name"),
        (": v", "expected 'Name: value' with no spaces in the name"),
        ("X Key: v", "expected 'Name: value' with no spaces in the name"),
        (" X-Key: v", "expected 'Name: value' with no spaces in the name"),
        ("X-Key : v", "expected 'Name: value' with no spaces in the name"),
        ("X@Key: v", "a header name cannot hold '@'"),
        ("X-Ké: v", "a header name cannot hold '\\u{00E9}'"),
        ("X-Key: a\r\nInjected: yes", "a header's value cannot hold a line break or NUL"),
        ("X-Key: a\nb", "a header's value cannot hold a line break or NUL"),
        ("X-Key: a\u{0}", "a header's value cannot hold a line break or NUL"),
    ])
    func aBadHeaderSaysWhy(_ text: String, _ reason: String) {
        #expect(throws: ValueError(reason)) { try Header(parsing: text) }
    }

    /// One whitespace rule: `-H` and a layout's `headers:` accept and refuse the same texts, for
    /// the same reason.
    @Test(arguments: ["X-Key: v", "X-Key:v", "X-Key:", "X-Key : v", " X-Key: v", "X Key: v", "X-Key", "X@Key: v", "X-Key: a\r\nY: b"])
    func theCommandLineAndTheLayoutReadHeadersAlike(_ text: String) throws {
        let json = String(decoding: try JSONEncoder().encode(text), as: UTF8.self)
        let yaml = LayoutFileTests.sources("{name: a, headers: [\(json)]}")
        let layout = Result { try LayoutFile.parse(yaml, file: "l.yaml").layout }
        let command = Result { try ConnectionOptions.parse(["-H", text]) }
        switch (command, layout) {
        case (.success(let options), .success(let layout)):
            #expect(options.headers.header == layout.sources[0].headers)
        case (.failure(let error), .failure(let layoutError)):
            let why = try #require(Self.reason(text))
            #expect(ConnectionOptions.message(for: error).hasSuffix(": \(why)"))
            #expect("\(layoutError)".hasSuffix("is not a header; \(why)"))
        default:
            Issue.record("'\(text)': the command line \(command) but the layout \(layout)")
        }
    }

    static func reason(_ header: String) -> ValueError? {
        do {
            _ = try Header(parsing: header)
            return nil
        } catch {
            return error
        }
    }

    /// Every group applied: what each option sets in the link's configuration.
    @Test func everyGroupReachesTheLinkConfiguration() throws {
        let options = try ConnectionOptions.parse([
            "-H", "X-A: 1", "--header", "X-B:2", "--protocol", "chat", "--origin", "https://o", "--send", "hi",
            "--insecure", "--no-proxy", "--connect-timeout", "3", "--retry-min", "0.25", "--retry-max", "30",
            "--transport", "sse", "--sse-url", "https://feed.example/sse", "--poll-url", "https://feed.example/poll",
            "--poll-cursor", "query:since,body:/last_seq", "--poll-items", "/results", "--upgrade-retry", "0",
            "--ping", "0", "--ping-timeout", "4", "--max-message", "64K", "--send-event", #"sub {"room":1}"#, "--exit-on-close",
        ])
        let c = try options.linkConfiguration(url: Self.feed)
        #expect(c.headers.map { "\($0.name)=\($0.value)" } == ["X-A=1", "X-B=2"])
        #expect(c.protocols == ["chat"] && c.origin == "https://o" && c.sendOnOpen == ["hi"])
        #expect(c.insecure && c.caCertificateFile == nil)
        #expect(c.proxies == ProxySettings(.none))
        #expect(c.connectTimeout == .seconds(3))
        #expect(c.reconnect.backoff == Backoff(base: .milliseconds(250), cap: .seconds(30)))
        #expect(c.reconnect.exitOnClose)
        #expect(c.transport == .sse)
        let sse = try FeedURL("https://feed.example/sse"), poll = try FeedURL("https://feed.example/poll")
        #expect(c.sseURL == sse && c.pollURL == poll)
        #expect(c.pollCursor == PollCursor.Convention("query:since,body:/last_seq"))
        #expect(c.pollItems == "/results")
        #expect(c.upgradeRetry == nil && c.pingInterval == nil && c.pingTimeout == .seconds(4))
        #expect(c.maxMessageBytes == 64 << 10)
        #expect(c.sendEvents.map { "\($0.name) \($0.json)" } == [#"sub {"room":1}"#])
    }

    /// Without options the configuration is the link's own default.
    @Test func theDefaultsAreTheLinksDefaults() throws {
        let c = try ConnectionOptions.parse([]).linkConfiguration(url: Self.feed)
        let d = LinkConfiguration(url: Self.feed)
        #expect(c.pingInterval == d.pingInterval && c.pingTimeout == d.pingTimeout && c.connectTimeout == d.connectTimeout)
        #expect(c.maxMessageBytes == d.maxMessageBytes && c.reconnect.backoff == d.reconnect.backoff)
        #expect(c.transport == d.transport && c.pollCursor == d.pollCursor && c.upgradeRetry == d.upgradeRetry)
        #expect(c.deflate == d.deflate && c.socketIOPath == d.socketIOPath && c.headers.isEmpty)
    }

    /// `publish` takes the groups that apply to it, and they set what they set for a feed.
    @Test func publishIsConfiguredByTheSameGroups() throws {
        let arguments = ["-H", "X-A: 1", "--insecure", "--proxy", "socks5://127.0.0.1:1080", "--connect-timeout", "2.5",
                         "--retry-min", "0.1", "--retry-max", "9"]
        let publish = try PublishConnectionOptions.parse(arguments).linkConfiguration(url: Self.feed)
        let watch = try ConnectionOptions.parse(arguments).linkConfiguration(url: Self.feed)
        #expect(publish.headers.map { "\($0.name)=\($0.value)" } == watch.headers.map { "\($0.name)=\($0.value)" })
        #expect(publish.insecure && watch.insecure)
        #expect(publish.proxies == watch.proxies && publish.proxies != ProxySettings(.none))
        #expect(publish.connectTimeout == .milliseconds(2500) && watch.connectTimeout == publish.connectTimeout)
        #expect(publish.reconnect.backoff == watch.reconnect.backoff)
        #expect(publish.reconnect.backoff == Backoff(base: .milliseconds(100), cap: .seconds(9)))
        // What does not apply to publishing is not an option of it.
        #expect(throws: (any Error).self) { try PublishConnectionOptions.parse(["--transport", "sse"]) }
    }

    /// A bad value is one line that names the option and says what was expected.
    @Test(arguments: [
        (["-H", "NoColon"], "The value 'NoColon' is invalid for '-H <header>': expected 'Name: value' with no spaces in the name"),
        (["--sse-url", "ws://x/"], "The value 'ws://x/' is invalid for '--sse-url <url>': must be http:// or https://"),
        (["--poll-url", "nope"], "The value 'nope' is invalid for '--poll-url <url>': missing scheme"),
        (["--send-event", "tick"], "The value 'tick' is invalid for '--send-event <'name json'>': expected 'NAME JSON'"),
        (["--poll-items", "results"], "The value 'results' is invalid for '--poll-items <pointer>'"),
        (["--retry-min", "0.001"], "--retry-min must be at least 0.01 seconds"),
        (["--retry-min", "2", "--retry-max", "1"], "--retry-max (1.0) must not be below --retry-min (2.0)"),
        (["--ping=-1"], "--ping must be a number of seconds between 0 and 86400"),
        (["--ping-timeout", "0"], "--ping-timeout must be above 0"),
        (["--connect-timeout", "0"], "--connect-timeout must be above 0"),
        (["--upgrade-retry", "1e9"], "--upgrade-retry must be a number of seconds between 0 and 86400"),
        (["--proxy", "socks5://127.0.0.1:1", "--no-proxy"], "--proxy and --no-proxy: choose one"),
        (["--proxy", "ftp://x:1"], "--proxy or the proxy environment: "),
        (["--socketio-path", "x"], "--socketio-path must start with /"),
    ])
    func aBadValueIsOneLineNamingTheOption(_ arguments: [String], _ expected: String) {
        do {
            _ = try ConnectionOptions.parse(arguments)
            Issue.record("\(arguments) parsed")
        } catch {
            let message = ConnectionOptions.message(for: error)
            #expect(message.hasPrefix(expected), "\(message)")
            #expect(!message.contains("\n"), "\(message)")
        }
    }

    /// A layout source's transport and cursor are typed values over the command line's.
    @Test func aLayoutSourcesTypedValuesOverrideTheCommandLine() throws {
        let yaml = LayoutFileTests.sources(
            "{name: a, transport: longpoll, poll_cursor: validators, poll_items: /items, poll_url: https://x/poll, headers: ['X-L: 1']}",
            "{name: b}")
        let sources = try LayoutFile.parse(yaml, file: "l.yaml").layout.sources
        let command = try ConnectionOptions.parse(["--transport", "sse", "-H", "X-C: 2", "--poll-items", "/results"])
        let a = try command.overridden(by: sources[0]).linkConfiguration(url: Self.feed)
        #expect(a.transport == .longpoll && a.pollCursor == .validators && a.pollItems == "/items")
        let poll = try FeedURL("https://x/poll")
        #expect(a.pollURL == poll && a.headers.map(\.name) == ["X-L"])
        let b = try command.overridden(by: sources[1]).linkConfiguration(url: Self.feed)
        #expect(b.transport == .sse && b.pollCursor == .automatic && b.pollItems == "/results" && b.headers.map(\.name) == ["X-C"])
    }

    /// What `LayoutEncoder` writes of a source's typed values reads back as the same values.
    @Test func typedValuesReadBackFromTheirText() throws {
        for text in ["ws://127.0.0.1:9000/feed?x=1", "socketio://h:1/", "-", "/var/log/a b.log", "./a.log", "../a.log"] {
            let address = try SourceAddress(parsing: text)
            #expect(address.text == text)
            #expect(try SourceAddress(parsing: address.text) == address)
        }
        // A bare relative path (a file not there yet) would read as a URL without a scheme.
        #expect(SourceAddress.local(.file("logs/a.log")).text == "./logs/a.log")
        for text in ["auto", "validators", "query:c,header:X-C", "query:since,body:/last_seq"] {
            let convention = try #require(PollCursor.Convention(argument: text))
            #expect(convention.text == text)
        }
        for header in [Header(name: "X-A", value: "1"), Header(name: "X-B", value: "a: b")] {
            #expect(try Header(parsing: header.description) == header)
        }
    }

    /// The help lists the connection options under their groups' titles.
    @Test func theHelpIsGrouped() {
        let watch = Watch.helpMessage(columns: 200)
        for title in ["CONNECTION:", "HEADERS:", "TLS:", "PROXY:", "RECONNECTING:", "TRANSPORT:", "LIMITS:"] {
            #expect(watch.contains("\n\(title)\n"), "\(title) missing in watch's help")
        }
        for (title, option) in [("HEADERS:", "-H, --header <header>"), ("TLS:", "--cacert <file>"), ("PROXY:", "--no-proxy"),
                                ("RECONNECTING:", "--retry-max <seconds>"), ("TRANSPORT:", "--poll-cursor <convention>"),
                                ("LIMITS:", "--max-message <bytes>"), ("CONNECTION:", "--send-event <'name json'>")] {
            let section = watch.components(separatedBy: "\n\(title)\n").last?.components(separatedBy: "\n\n").first ?? ""
            #expect(section.contains(option), "\(option) not under \(title)")
        }
        let publish = Publish.helpMessage(columns: 200)
        for title in ["HEADERS:", "TLS:", "PROXY:", "RETRYING:"] { #expect(publish.contains("\n\(title)\n"), "\(title) missing in publish's help") }
        #expect(!publish.contains("--transport") && !publish.contains("--max-message") && publish.contains("--retry-min"))
    }

    /// `livetop --help` (the root's) shows how a watch starts and where its options are, not only
    /// the list of subcommands.
    @Test func theRootHelpShowsTheDefaultCommand() {
        let root = Livetop.helpMessage(columns: 200)
        #expect(root.contains("USAGE: livetop [watch] [<options>] [<urls> ...] [-- <command> ...]"), "\(root)")
        #expect(root.contains("livetop help watch"))
        #expect(root.contains("SUBCOMMANDS:") && root.contains("replay"))
    }
}
