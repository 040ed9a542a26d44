import LiveModel

/// The simulated feed `livetop demo` serves: one host's metrics drifting around their usual
/// level (a random walk pulled back toward it, so it neither sticks at a bound nor wanders off), a table
/// of services keyed by name (status, latency, version, requests a second) and now and then an
/// event (a deploy, a service degrading or going down and coming back).
///
/// Every message carries the whole state as a merge patch, so a subscriber that joins (or
/// reconnects) late is complete after one message; events are messages of their own. Pure: the
/// time comes in, randomness comes from a seed.
struct DemoFeed {
    struct Service {
        var name: String
        var status = "up"
        var latency: Double
        /// The latency it returns to after trouble.
        var baseline: Double
        var version: (Int, Int, Int)
        var rps: Double
        /// The request rate it drifts around.
        var usualRPS: Double
        /// Ticks left in a degraded or down spell.
        var trouble = 0
    }

    private var rng: SplitMix64
    private var cpu = 23.0, memory = 41.0, load = 0.8, rx = 1200.0, tx = 310.0
    private(set) var services: [Service]
    private var ticks = 0

    init(seed: UInt64) {
        rng = SplitMix64(seed: seed)
        services = [("api", 18.0, (2, 3, 1), 420.0), ("auth", 9.0, (1, 12, 0), 160.0), ("billing", 31.0, (3, 0, 4), 35.0),
                    ("search", 44.0, (1, 8, 2), 210.0), ("payments", 27.0, (4, 1, 0), 48.0), ("cache", 1.2, (7, 2, 0), 1900.0)]
            .map { Service(name: $0.0, latency: $0.1, baseline: $0.1, version: $0.2, rps: $0.3, usualRPS: $0.3) }
    }

    /// The messages for one tick at `time`: the state, and an event when something happened.
    mutating func tick(at time: Timestamp) -> [[UInt8]] {
        ticks += 1
        cpu = walk(cpu, toward: 28, step: 6, in: 2...98)
        memory = walk(memory, toward: 45, step: 1.5, in: 20...92)
        load = walk(load, toward: 0.9, step: 0.15, in: 0.05...8)
        rx = walk(rx, toward: 1200, step: 180, in: 50...9000)
        tx = walk(tx, toward: 310, step: 60, in: 20...4000)
        var events: [String] = []
        for i in services.indices {
            var service = services[i]
            events += step(&service)
            services[i] = service
        }

        var serviceTable = JSONObject()
        for s in services {
            serviceTable[s.name] = .object(JSONObject([
                "status": .string(s.status), "latency_ms": .double(round1(s.latency)),
                "version": .string("\(s.version.0).\(s.version.1).\(s.version.2)"), "rps": .double(round1(s.rps)),
            ]))
        }
        let state = JSONObject([
            "host": "demo-1", "cpu_pct": .double(round1(cpu)), "mem_pct": .double(round1(memory)), "load_1m": .double(round2(load)),
            "net_rx_kbps": .double(round1(rx)), "net_tx_kbps": .double(round1(tx)), "services": .object(serviceTable),
        ])
        var messages = [bytes(.object(state))]
        let clock = String(time.rfc3339.dropFirst(11).prefix(8))
        for text in events { messages.append(bytes(.object(JSONObject(["event": .string("\(clock) \(text)")])))) }
        return messages
    }

    private mutating func step(_ s: inout Service) -> [String] {
        var events: [String] = []
        s.rps = walk(s.rps, toward: s.usualRPS, step: s.usualRPS * 0.05 + 1, in: 1...50_000)
        if s.trouble > 0 {
            s.trouble -= 1
            s.latency = walk(s.latency, toward: s.latency, step: s.latency * 0.1, in: 1...5000)
            if s.trouble == 0 {
                s.status = "up"
                s.latency = s.baseline
                events.append("\(s.name) recovered (p50 \(Int(s.latency)) ms)")
            }
            return events
        }
        s.latency = walk(s.latency, toward: s.baseline, step: s.baseline * 0.06 + 0.1, in: s.baseline * 0.5...s.baseline * 2)
        // About one event every few seconds across six services at ten ticks a second.
        let roll = Double.random(in: 0..<1, using: &rng)
        if roll < 0.0008 {
            s.status = "down"
            s.trouble = Int.random(in: 20...60, using: &rng)
            s.latency = 5000
            events.append("\(s.name) down: health check failed")
        } else if roll < 0.0028 {
            s.status = "degraded"
            s.trouble = Int.random(in: 20...80, using: &rng)
            s.latency *= 8
            events.append("\(s.name) degraded: p50 \(Int(s.latency)) ms")
        } else if roll < 0.0048 {
            s.version.2 += 1
            events.append("deployed \(s.name) \(s.version.0).\(s.version.1).\(s.version.2)")
        }
        return events
    }

    private mutating func walk(_ value: Double, toward usual: Double, step: Double, in range: ClosedRange<Double>) -> Double {
        let next = value + (usual - value) * 0.08 + Double.random(in: -step...step, using: &rng)
        return min(range.upperBound, max(range.lowerBound, next))
    }

    private func round1(_ x: Double) -> Double { (x * 10).rounded() / 10 }
    private func round2(_ x: Double) -> Double { (x * 100).rounded() / 100 }

    private func bytes(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        value.write(into: &out)
        return out
    }
}
