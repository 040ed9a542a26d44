import ArgumentParser
import PushLink

/// What an open connection must keep to: the heartbeat and the largest message.
struct LimitOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Ping every N seconds; 0 turns pings off.", valueName: "seconds"))
    var ping: Double = 15

    @Option(help: ArgumentHelp("A connection that answers nothing within N seconds of a ping is dead.", valueName: "seconds"))
    var pingTimeout: Double = 10

    @Option(help: ArgumentHelp("Largest message accepted, in bytes (K, M, G suffixes; at most 1G); a larger one closes with 1009.",
                               valueName: "bytes"))
    var maxMessage = ByteCount(bytes: 16 << 20)

    func validate() throws {
        try RetryOptions.checkSeconds(ping, "--ping")
        try RetryOptions.checkSeconds(pingTimeout, "--ping-timeout")
        if pingTimeout == 0 { throw ValidationError("--ping-timeout must be above 0") }
    }

    func apply(to c: inout LinkConfiguration) {
        c.pingInterval = ping > 0 ? .optionSeconds(ping) : nil
        c.pingTimeout = .optionSeconds(pingTimeout)
        c.maxMessageBytes = maxMessage.bytes
    }
}
