import ArgumentParser
import LinkWire
import PushLink

/// The connection option groups of the feed commands that apply to publishing: the same types,
/// so they are parsed, checked and applied alike.
struct PublishConnectionOptions: ParsableArguments {
    @OptionGroup(title: "Headers")
    var headers: HeaderOptions

    @OptionGroup(title: "TLS")
    var tls: TLSOptions

    @OptionGroup(title: "Proxy")
    var proxy: ProxyOptions

    @OptionGroup(title: "Retrying")
    var retry: RetryOptions

    func linkConfiguration(url: FeedURL) throws -> LinkConfiguration {
        var c = LinkConfiguration(url: url)
        c.headers = headers.fields()
        tls.apply(to: &c)
        c.proxies = try proxy.settings()
        retry.apply(to: &c)
        return c
    }
}
