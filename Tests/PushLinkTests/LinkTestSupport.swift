import FeedServe
import Foundation
import LinkWire
import LiveModel
import PushLink
import TestSupport

/// A link (or a local source) under test with everything it reported, in order.
struct LinkRun: Sendable {
    let events = Recorder<LinkEvent>()
    let runner: Task<Bool, Never>
    private let stopSource: @Sendable () -> Void
    let reconnectNow: @Sendable () -> Void

    init(_ configuration: LinkConfiguration) {
        let link = Link(configuration)
        self.init(events: link.events, run: link.run, stop: link.stop, reconnect: link.reconnectNow)
    }

    init(_ configuration: LocalConfiguration) {
        let local = LocalLink(configuration)
        self.init(events: local.events, run: local.run, stop: local.stop, reconnect: local.reconnectNow)
    }

    private init(events source: Link.Events, run: @escaping @Sendable () async -> Bool, stop: @escaping @Sendable () -> Void,
                 reconnect: @escaping @Sendable () -> Void) {
        stopSource = stop
        reconnectNow = reconnect
        let events = self.events
        runner = Task.detached {
            async let finished = run()
            for await event in source { events.append(event) }
            events.finish()
            return await finished
        }
    }

    init(url: String, configure: (inout LinkConfiguration) -> Void = { _ in }) throws {
        var c = LinkConfiguration(url: try FeedURL(url))
        c.reconnect.backoff = Backoff(base: .milliseconds(50), cap: .milliseconds(400), jitter: 0)
        configure(&c)
        self.init(c)
    }

    var states: [LinkState] {
        events.all.compactMap { if case .state(let s, _) = $0 { return s } else { return nil } }
    }

    /// Text of every message received, in order (binary as "b:" + hex).
    var messages: [String] {
        events.all.flatMap { event -> [String] in
            guard case .messages(let batch) = event else { return [] }
            return batch.messages.map { f in
                let bytes = batch.bytes[f.offset..<(f.offset + f.length)]
                return f.isBinary ? "b:" + bytes.map { String(format: "%02x", $0) }.joined() : String(decoding: bytes, as: UTF8.self)
            }
        }
    }

    var batchCount: Int { events.all.filter { if case .messages = $0 { return true } else { return false } }.count }

    func waitForMessages(_ count: Int, timeout: Double = 30) async throws {
        try await events.wait(timeout, for: "\(count) messages") { events in
            events.reduce(0) { n, e in if case .messages(let b) = e { return n + b.count } else { return n } } >= count
        }
    }

    /// Waits until the states so far satisfy `condition` (which must not read `states` itself).
    func waitForStates(_ timeout: Double = 30, _ what: String, _ condition: @escaping @Sendable ([LinkState]) -> Bool) async throws {
        try await events.wait(timeout, for: what) { events in
            condition(events.compactMap { if case .state(let s, _) = $0 { return s } else { return nil } })
        }
    }

    func waitForState(_ timeout: Double = 30, _ what: String, _ match: @escaping @Sendable (LinkState) -> Bool) async throws {
        try await events.wait(timeout, for: what) { events in
            events.contains { if case .state(let s, _) = $0 { return match(s) } else { return false } }
        }
    }

    /// Stops the link and returns whether it ended normally.
    func stop() async -> Bool {
        stopSource()
        return await runner.value
    }

    /// Asks the source to stop without waiting for it.
    func requestStop() { stopSource() }

    /// Notes (stderr lines, rotations) in order.
    var notes: [String] {
        states.compactMap { if case .note(_, let text) = $0 { return text } else { return nil } }
    }
}

extension LinkState {
    var isOpen: Bool { if case .open = self { return true } else { return false } }
    var waitingError: LinkError? { if case .waiting(_, _, _, let e) = self { return e } else { return nil } }
    var failedError: LinkError? { if case .failed(_, let e, _) = self { return e } else { return nil } }
}

/// Waits until the session has received `count` items from the client.
func collect(_ session: FeedSession, into recorder: Recorder<FeedSession.Received>) async {
    for await item in session.received { recorder.append(item) }
}
