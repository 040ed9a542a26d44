import ArgumentParser
import LinkWire
import PushLink

/// How long connecting may take and how long to wait before trying again: the same for a feed
/// (reconnecting), a command run again with `--restart` and `publish` (sending again).
struct RetryOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Limit for connecting: TCP, a proxy, TLS and any WebSocket upgrade together.", valueName: "seconds"))
    var connectTimeout: Double = 10

    @Option(help: ArgumentHelp("""
        The longest wait before trying again (reconnecting, or sending again), reached after a while of failing \
        (waits are random below a bound that grows with the time spent failing).
        """, valueName: "seconds"))
    var retryMax: Double = 5

    @Option(help: ArgumentHelp("The bound on the first wait after a connection is lost or a send failed.", valueName: "seconds"))
    var retryMin: Double = 0.5

    func validate() throws {
        for (name, value) in [("--connect-timeout", connectTimeout), ("--retry-max", retryMax), ("--retry-min", retryMin)] {
            try Self.checkSeconds(value, name)
        }
        if connectTimeout == 0 { throw ValidationError("--connect-timeout must be above 0") }
        if retryMin < 0.01 { throw ValidationError("--retry-min must be at least 0.01 seconds") }
        if retryMax < retryMin { throw ValidationError("--retry-max (\(retryMax)) must not be below --retry-min (\(retryMin))") }
    }

    var backoff: Backoff { Backoff(base: .optionSeconds(retryMin), cap: .optionSeconds(retryMax)) }

    func apply(to c: inout LinkConfiguration) {
        c.connectTimeout = .optionSeconds(connectTimeout)
        c.reconnect.backoff = backoff
    }

    /// Every option given in seconds is a number from 0 to a day.
    static func checkSeconds(_ value: Double, _ name: String) throws {
        guard value >= 0 && value <= 86_400 else { throw ValidationError("\(name) must be a number of seconds between 0 and 86400") }
    }
}

extension Duration {
    /// An option's seconds, to the millisecond (as the options have always been applied).
    static func optionSeconds(_ seconds: Double) -> Duration { .milliseconds(Int64(seconds * 1000)) }
}
