import ArgumentParser
import FeedServe
import Foundation
import LinkWire
import LiveModel
import PushLink

/// `livetop demo`: the reference feed server in-process on 127.0.0.1, serving a simulated host
/// (see `DemoFeed`), and livetop watching it like any URL.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Watch a simulated feed (host metrics, services, events) served in-process on 127.0.0.1.",
        discussion: """
            The feed is served over WebSocket, SSE and long-poll, so --transport works as for any URL. \
            --chaos makes the server drop connections, refuse WebSocket upgrades and stall now and then, \
            to watch reconnects, fallback and the status line.
            """
    )

    @OptionGroup(title: "Output")
    var output: OutputOptions

    /// Untitled: its groups carry their own titles (an outer title would replace them).
    @OptionGroup
    var connection: ConnectionOptions

    @OptionGroup(title: "Files")
    var files: FileOptions

    @OptionGroup(title: "Layout")
    var layout: LayoutOptions

    @Flag(help: "Derive the panels from the data (the automatic layout) instead of the demo's own layout.")
    var autoLayout = false

    @Flag(help: "Drop connections, refuse upgrades and stall the feed now and then.")
    var chaos = false

    @Option(help: ArgumentHelp("Feed updates a second.", valueName: "n"))
    var rate: Double = 10

    @Option(help: ArgumentHelp("Mean seconds between chaos actions.", valueName: "seconds", visibility: .hidden))
    var chaosInterval: Double = 8

    @Option(help: ArgumentHelp("Seed for the simulated feed and the chaos (default: the time).", valueName: "n"))
    var seed: UInt64?

    func validate() throws {
        if autoLayout && layout.layout != nil { throw ValidationError("--auto-layout and --layout: choose one") }
        guard rate > 0 && rate <= 100_000 else { throw ValidationError("--rate must be above 0 and at most 100000 updates a second") }
        guard chaosInterval >= 0.05 && chaosInterval <= 3600 else { throw ValidationError("--chaos-interval must be 0.05 to 3600 seconds") }
    }

    func run() async throws {
        let buffer = FeedBuffer(capacity: 1000)
        // Every demo message carries the whole state, so a (re)connect starts at the next one.
        let server = FeedServer(options: .init(replaysKeptMessages: false), buffer: buffer)
        let port = try await server.start(host: "127.0.0.1", port: 0)
        let url = try FeedURL("ws://127.0.0.1:\(port)/")
        let declared: Layout? = autoLayout ? nil : try layout.load() ?? DemoLayout.parsed()
        let feeds = try FeedBuilder(connection: connection, sources: try SourceOptions.parse([]), output: output, files: files)
            .feeds(layout: declared, urls: [], spare: .feed(url))
        let seed = self.seed ?? UInt64(bitPattern: Link.wallClock())
        let stalled = StallSwitch()
        let interval = Duration.nanoseconds(Int64(1e9 / rate))
        let feed = Task.detached {
            var simulation = DemoFeed(seed: seed)
            let clock = ContinuousClock()
            var next = clock.now
            while !Task.isCancelled {
                if !stalled.isOn {
                    buffer.publish(simulation.tick(at: Timestamp(nanoseconds: Link.wallClock())).map { ($0, false) })
                }
                next += interval
                // Behind (a slow machine, or a stall): catch up from now rather than burst.
                if next < clock.now { next = clock.now }
                try? await Task.sleep(until: next, clock: clock)
            }
        }
        let chaosInterval = self.chaosInterval
        let monkey = chaos ? Task.detached {
            var schedule = ChaosSchedule(seed: seed, interval: .milliseconds(Int64(chaosInterval * 1000)))
            while !Task.isCancelled {
                let (wait, action) = schedule.next()
                try? await Task.sleep(for: wait)
                if Task.isCancelled { break }
                switch action {
                case .dropConnections:
                    await server.dropConnections()
                case .refuseUpgrades(let duration):
                    server.refuseUpgrades(true)
                    await server.dropConnections()
                    try? await Task.sleep(for: duration)
                    server.refuseUpgrades(false)
                case .stall(let duration):
                    stalled.set(true)
                    try? await Task.sleep(for: duration)
                    stalled.set(false)
                }
            }
        } : nil
        defer {
            feed.cancel()
            monkey?.cancel()
        }
        do {
            try await Viewer.show(feeds, layout: declared, layoutPath: layout.layout, output: output, exitOnAlert: layout.exitOnAlert)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }
}
