import ArgumentParser
import PushLink

/// The connection options of the other commands that apply to publishing.
struct PublishConnectionOptions: ParsableArguments {
    @Option(name: [.customShort("H"), .long], help: ArgumentHelp("A request header, 'Name: value' (repeatable).", valueName: "header"))
    var header: [String] = []

    @Option(help: ArgumentHelp("Send 'Authorization: Bearer <value of VAR>'; the token is never printed.", valueName: "VAR"))
    var bearerEnv: String?

    @Option(help: ArgumentHelp("Trust the certificates in this PEM file, besides the system's.", valueName: "file"))
    var cacert: String?

    @Flag(help: "Do not verify TLS certificates (dangerous; says so on stderr).")
    var insecure = false

    @Option(help: ArgumentHelp("Limit for connecting: TCP, TLS and a proxy together.", valueName: "seconds"))
    var connectTimeout: Double = 10

    @Option(help: ArgumentHelp("The longest wait before sending again, reached after a while without an acknowledgement.",
                               valueName: "seconds"))
    var retryMax: Double = 5

    @Option(help: ArgumentHelp("The bound on the first wait after a failure.", valueName: "seconds"))
    var retryMin: Double = 0.5

    @Option(help: ArgumentHelp("Go through this proxy: http://host:port (CONNECT), socks5://host:port or socks5h://host:port.",
                               valueName: "url"))
    var proxy: String?

    @Flag(help: "Connect directly, whatever the proxy environment variables say.")
    var noProxy = false

    func validate() throws { _ = try connectionOptions() }

    /// The same settings as the feed commands' options, so that they are checked and applied alike.
    func connectionOptions() throws -> ConnectionOptions {
        var arguments = header.flatMap { ["--header", $0] }
        if let bearerEnv { arguments += ["--bearer-env", bearerEnv] }
        if let cacert { arguments += ["--cacert", cacert] }
        if insecure { arguments.append("--insecure") }
        arguments += ["--connect-timeout", String(connectTimeout), "--retry-max", String(retryMax), "--retry-min", String(retryMin)]
        if let proxy { arguments += ["--proxy", proxy] }
        if noProxy { arguments.append("--no-proxy") }
        do {
            return try ConnectionOptions.parse(arguments)
        } catch {
            throw ValidationError(ConnectionOptions.message(for: error))
        }
    }

    func linkConfiguration(url: FeedURL) throws -> LinkConfiguration {
        try connectionOptions().linkConfiguration(url: url)
    }
}
