import LinkWire
import LiveModel
import NIOCore

/// An open Redis subscription: its channel, and a future that tells why it ended.
struct RedisSubscription: Sendable {
    let channel: Channel
    /// Completes (never fails) when the connection is gone, with the reason.
    let ended: EventLoopFuture<LinkError>
    let handler: NIOLoopBound<RedisFeedHandler>

    /// Connects, authenticates and subscribes, all within the connect timeout; returns once the
    /// server has confirmed the subscription (from then on, what is published reaches us).
    static func connect(_ configuration: LinkConfiguration, address: RedisAddress, group: EventLoopGroup, sink: EventSink,
                        monotonic: @escaping @Sendable () -> Duration, wallClock: @escaping @Sendable () -> Int64)
        async throws(LinkError) -> RedisSubscription {
        let maxMessage = configuration.maxMessageBytes
        let heartbeat = (configuration.pingInterval, configuration.pingTimeout)
        return try await ClientConnector.open(configuration.url, configuration: configuration, group: group) { channel in
            let subscribed = channel.eventLoop.makePromise(of: Void.self)
            let ended = channel.eventLoop.makePromise(of: LinkError.self)
            let handler = RedisFeedHandler(
                address: address, sink: sink, maxMessageBytes: maxMessage, subscribed: subscribed, ended: ended,
                heartbeat: Heartbeat(interval: heartbeat.0, timeout: heartbeat.1, openedAt: monotonic()),
                monotonic: monotonic, wallClock: wallClock)
            do {
                try channel.pipeline.syncOperations.addHandler(ReadGateHandler(sink: sink))
                try channel.pipeline.syncOperations.addHandler(handler)
            } catch {
                // Never in the pipeline, so nothing else completes them ("leaking promise" in debug builds).
                subscribed.fail(error)
                ended.succeed(.droppedWithoutClose)
                throw error
            }
            return (subscribed.futureResult, ended.futureResult, NIOLoopBound(handler, eventLoop: channel.eventLoop))
        } ready: { channel, setup in
            try await setup.0.get()
            return RedisSubscription(channel: channel, ended: setup.1, handler: setup.2)
        }
    }

    /// Lets the subscription's messages through; call it after saying "open", and wait for it
    /// before anything that follows.
    func start() -> EventLoopFuture<Void> {
        let handler = self.handler
        return channel.eventLoop.submit { handler.value.start() }
    }

    /// Closes the connection; `ended` completes with `reason` once it is closed.
    func close(reason: LinkError) {
        let handler = self.handler
        channel.eventLoop.execute {
            guard let context = try? channel.pipeline.syncOperations.context(handlerType: RedisFeedHandler.self) else {
                return channel.close(promise: nil)
            }
            handler.value.close(context: context, reason: reason)
        }
    }
}
