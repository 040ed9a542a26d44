/// The last values of one numeric leaf, oldest first, for sparklines, charts and min/max.
public struct History: Hashable, Sendable {
    public let values: [Double]
    /// When each value arrived (the time of the read burst that carried it), oldest first.
    public let times: [Timestamp]

    public init(values: [Double], times: [Timestamp]) {
        self.values = values
        self.times = times
    }

    public var min: Double? { values.min() }
    public var max: Double? { values.max() }
    public var last: Double? { values.last }
}

/// Fixed-size ring buffers for numeric histories, all in one flat allocation so that
/// recording a value is a single store and a million distinct keys cost no more memory
/// than `slots × length` doubles.
struct HistoryRings {
    let length: Int
    private var samples = Arena<Double>(capacity: 0)
    private var sampleTimes = Arena<Int64>(capacity: 0)
    private var heads = Arena<Int32>(capacity: 0)   // next write position per slot
    private var counts = Arena<Int32>(capacity: 0)
    private var free: [Int32] = []

    init(length: Int) { self.length = Swift.max(1, length) }

    /// Called before each batch: copies storage that another copy of the store still shares.
    mutating func prepareForWriting() {
        Arena.prepare(&samples)
        Arena.prepare(&sampleTimes)
        Arena.prepare(&heads)
        Arena.prepare(&counts)
    }

    mutating func allocate() -> Int32 {
        if let slot = free.popLast() {
            heads[Int(slot)] = 0
            counts[Int(slot)] = 0
            return slot
        }
        let slot = Int32(heads.count)
        Arena.prepare(&heads, extra: 1)
        Arena.prepare(&counts, extra: 1)
        Arena.prepare(&samples, extra: length)
        Arena.prepare(&sampleTimes, extra: length)
        heads.append(0)
        counts.append(0)
        for _ in 0..<length {
            samples.append(0)
            sampleTimes.append(0)
        }
        return slot
    }

    mutating func release(_ slot: Int32) { free.append(slot) }

    @inline(__always)
    mutating func record(_ value: Double, at time: Int64, in slot: Int32) {
        let s = Int(slot)
        let head = Int(heads.base[s])
        samples.base[s * length + head] = value
        sampleTimes.base[s * length + head] = time
        heads.base[s] = Int32(head + 1 == length ? 0 : head + 1)
        if counts.base[s] < Int32(length) { counts.base[s] += 1 }
    }

    func history(_ slot: Int32) -> History {
        let s = Int(slot)
        let count = Int(counts[s])
        let head = Int(heads[s])
        var out: [Double] = []
        var times: [Timestamp] = []
        out.reserveCapacity(count)
        times.reserveCapacity(count)
        let first = (head - count + length) % length
        for k in 0..<count {
            out.append(samples[s * length + (first + k) % length])
            times.append(Timestamp(nanoseconds: sampleTimes[s * length + (first + k) % length]))
        }
        return History(values: out, times: times)
    }

    var slotsInUse: Int { heads.count - free.count }
}
