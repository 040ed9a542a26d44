import ArgumentParser
import Foundation
import LinkWire
import LiveModel
import PushLink

/// The proxy connections go through: `--proxy`, `--no-proxy`, else the environment as curl reads it.
struct ProxyOptions: ParsableArguments {
    @Option(help: ArgumentHelp("""
        Go through this proxy: http://[user:pass@]host:port (CONNECT), socks5://host:port or socks5h://host:port \
        (default: https_proxy, http_proxy, all_proxy and no_proxy as curl reads them).
        """, valueName: "url"))
    var proxy: String?

    @Flag(help: "Connect directly, whatever the proxy environment variables say.")
    var noProxy = false

    func validate() throws {
        if proxy != nil && noProxy { throw ValidationError("--proxy and --no-proxy: choose one") }
        do {
            _ = try settings()
        } catch {
            throw ValidationError("--proxy or the proxy environment: \(error)")
        }
    }

    func settings(environment: [String: String] = ProcessInfo.processInfo.environment) throws(LinkError) -> ProxySettings {
        try ProxySettings.from(proxy: proxy, noProxy: noProxy, environment: environment)
    }
}
