import LinkWire
import LiveModel
import Logging
import NIOCore
import NIOPosix
import PushLink

/// Publishes lines to a Redis channel (`redis://[user:password@]host[:port][/db]/channel`, the
/// shape `RedisAddress` reads): one `PUBLISH channel line` per line, pipelined on one connection
/// with at most `window` unanswered, each acknowledged by its integer reply.
///
/// On connection loss it reconnects with `Backoff` and sends again, in order, every line not yet
/// acknowledged: a line whose reply was lost with the connection may reach subscribers twice (at
/// least once, as `Publisher` says). LOADING, TRYAGAIN, BUSY, MASTERDOWN and CLUSTERDOWN replies
/// are retried the same way; other error replies, a refused AUTH and a server that does not speak
/// RESP throw `PublishError`. Calls to `publish` are meant to come one at a time.
public actor RedisPublisher: Publisher {
    public nonisolated let address: RedisAddress
    private let configuration: LinkConfiguration
    private let window: Int
    private let backoff: Backoff
    private let group: EventLoopGroup
    private let logger: Logger
    private var connection: (channel: Channel, handler: NIOLoopBound<RedisPublishHandler>)?
    /// When the publisher was last known good; the backoff grows with the time since.
    private var troubleSince: ContinuousClock.Instant?

    /// - window: how many PUBLISH commands may be unanswered at once (more pipelines deeper and
    ///   may send more lines twice after a connection loss).
    public init(url: FeedURL, window: Int = 256, backoff: Backoff = Backoff(), connectTimeout: Duration = .seconds(10),
                group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                logger: Logger = Logger(label: "livetop.publish", factory: { _ in SwiftLogNoOpLogHandler() })) throws(PublishError) {
        do {
            address = try RedisAddress(url)
        } catch {
            throw PublishError(error.description)
        }
        var configuration = LinkConfiguration(url: url)
        configuration.connectTimeout = connectTimeout
        self.configuration = configuration
        self.window = max(1, window)
        self.backoff = backoff
        self.group = group
        self.logger = logger
    }

    /// Parses `url` first (a bad one is a `PublishError`).
    public init(url text: String, window: Int = 256) throws(PublishError) {
        let url: FeedURL
        do {
            url = try FeedURL(text)
        } catch {
            throw PublishError(error.description)
        }
        try self.init(url: url, window: window)
    }

    public func publish(_ lines: [[UInt8]]) async throws {
        var next = 0
        while next < lines.count {
            try Task.checkCancellation()
            let current = try await connected()
            let promise = current.channel.eventLoop.makePromise(of: Int.self)
            let handler = current.handler
            let channel = current.channel
            let remaining = lines[next...]
            current.channel.eventLoop.execute {
                guard let context = try? channel.pipeline.syncOperations.context(handlerType: RedisPublishHandler.self) else {
                    return promise.fail(RedisPublishHandler.Interrupted(acknowledged: 0, error: .droppedWithoutClose, retry: true))
                }
                handler.value.start(remaining, promise: promise, context: context)
            }
            do {
                next += try await promise.futureResult.get()
                troubleSince = nil
            } catch let stop as RedisPublishHandler.Interrupted {
                next += stop.acknowledged
                drop()
                guard stop.retry else { throw PublishError(stop.error.description) }
                logger.notice("publish interrupted", metadata: ["error": "\(stop.error)", "resending": "\(lines.count - next)"])
                await pause()
            }
        }
    }

    public func close() async {
        guard let connection else { return }
        self.connection = nil
        try? await connection.channel.close()
    }

    /// The open connection, or a new one (retried with backoff until it opens or a fatal answer comes).
    private func connected() async throws -> (channel: Channel, handler: NIOLoopBound<RedisPublishHandler>) {
        while true {
            if let connection, connection.channel.isActive { return connection }
            drop()
            try Task.checkCancellation()
            do {
                let opened = try await open()
                connection = opened
                return opened
            } catch {
                guard error.severity != .fatal else { throw PublishError(error.description) }
                logger.notice("connect failed", metadata: ["error": "\(error)"])
                await pause()
            }
        }
    }

    private func open() async throws(LinkError) -> (channel: Channel, handler: NIOLoopBound<RedisPublishHandler>) {
        let address = self.address, window = self.window
        return try await ClientConnector.open(configuration.url, configuration: configuration, group: group) { channel in
            let ready = channel.eventLoop.makePromise(of: Void.self)
            let handler = RedisPublishHandler(address: address, window: window, ready: ready)
            do {
                try channel.pipeline.syncOperations.addHandler(handler)
            } catch {
                ready.fail(error)
                throw error
            }
            return (ready.futureResult, NIOLoopBound(handler, eventLoop: channel.eventLoop))
        } ready: { channel, setup in
            try await setup.0.get()
            return (channel, setup.1)
        }
    }

    private func drop() {
        connection?.channel.close(promise: nil)
        connection = nil
    }

    /// The backoff's wait, growing with the time since the publisher was last good.
    private func pause() async {
        let now = ContinuousClock.now
        let since = troubleSince ?? now
        troubleSince = since
        let delay = backoff.delay(disconnectedFor: now - since, random: .random(in: 0..<1))
        try? await Task.sleep(for: delay)
    }
}
