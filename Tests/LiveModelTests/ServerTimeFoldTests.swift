import Testing
@testable import LiveModel

/// A message with a server time (from the transport, or the member a layout names) is folded
/// at that time: histories and the log place it where it happened, while rates count arrivals.
@Suite struct ServerTimeFoldTests {
    static let arrival = Timestamp(seconds: 1_765_064_000)

    @Test func aBatchsServerTimesPlaceItsMessagesInTheHistoryAndTheLog() throws {
        var store = LiveStore()
        let start: Int64 = 1_765_063_800_000_000_000
        var batch = MessageBatch(texts: (0...180).map { #"{"v":\#($0)}"# })
        batch.times = (0...180).map { start + Int64($0) * 1_000_000_000 }
        batch.times[5] = MessageBatch.noTime  // one message without: it keeps the batch's arrival
        store.apply(.messages(batch, at: Self.arrival))
        let history = try #require(store.history(at: JSONPointer("/v")!))
        #expect(history.values.count == 120)  // the history's length
        let times = history.times
        #expect(times.first == Timestamp(nanoseconds: start + 61 * 1_000_000_000))
        #expect(times.last == Timestamp(nanoseconds: start + 180 * 1_000_000_000))
        #expect(store.log.all.first?.time == Timestamp(nanoseconds: start))
        #expect(store.log.all[5].time == Self.arrival)
        // Arrivals, not server times, are what rates and ages count.
        #expect(store.stats.lastMessageAt == Self.arrival)
        #expect(store.now == Self.arrival)
    }

    @Test(arguments: [
        (#"{"ts":"2025-12-06T23:30:00.250Z","v":1}"#, Timestamp(seconds: 1_765_063_800.25)),
        (#"{"ts":"2025-12-07T00:30:00+01:00","v":1}"#, Timestamp(seconds: 1_765_063_800)),
        (#"{"ts":1765063800,"v":1}"#, Timestamp(seconds: 1_765_063_800)),
        (#"{"ts":1765063800.5,"v":1}"#, Timestamp(seconds: 1_765_063_800.5)),
        (#"{"ts":1765063800123,"v":1}"#, Timestamp(seconds: 1_765_063_800.123)),
        (#"{"ts":1765063800123456,"v":1}"#, Timestamp(seconds: 1_765_063_800.123456)),
        (#"{"ts":1765063800123456789,"v":1}"#, Timestamp(nanoseconds: 1_765_063_800_123_456_768)),
    ])
    func aLayoutNamedTimeFieldIsTheMessagesTime(message: String, expected: Timestamp) throws {
        var configuration = LiveStore.Configuration()
        configuration.timePointer = JSONPointer("/ts")
        var store = LiveStore(configuration)
        store.apply(.messages(MessageBatch(texts: [message]), at: Self.arrival))
        let time = try #require(store.history(at: JSONPointer("/v")!)?.times.first)
        #expect(abs(time - expected) < 0.000_001, "\(time) for \(message)")
        #expect(store.log.all.first.map { abs($0.time - expected) < 0.000_001 } == true)
    }

    /// A field that is missing or holds no time leaves the message at its transport's time.
    @Test(arguments: [#"{"v":1}"#, #"{"ts":"yesterday","v":1}"#, #"{"ts":42,"v":1}"#, #"{"ts":null,"v":1}"#, #"{"ts":-1,"v":1}"#,
                      #"{"ts":{"s":1},"v":1}"#])
    func aFieldWithoutATimeKeepsTheArrival(message: String) throws {
        var configuration = LiveStore.Configuration()
        configuration.timePointer = JSONPointer("/ts")
        var store = LiveStore(configuration)
        store.apply(.messages(MessageBatch(texts: [message]), at: Self.arrival))
        #expect(store.history(at: JSONPointer("/v")!)?.times == [Self.arrival])
    }

    @Test func theLayoutFieldWinsOverTheTransportsTime() throws {
        var configuration = LiveStore.Configuration()
        configuration.timePointer = JSONPointer("/ts")
        var store = LiveStore(configuration)
        var batch = MessageBatch(texts: [#"{"ts":1765063800,"v":1}"#])
        batch.times = [1_000_000_000_000_000_000]
        store.apply(.messages(batch, at: Self.arrival))
        #expect(store.history(at: JSONPointer("/v")!)?.times == [Timestamp(seconds: 1_765_063_800)])
    }
}
