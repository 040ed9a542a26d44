import LiveModel
import PushLink
import Testing
@testable import livetop

/// The per-source pipeline the dashboard and the JSON-lines printer share: batches and states in,
/// actions out, checked as data.
@Suite struct SourcePipelineTests {
    /// A batch of `count` messages `{"n":first…}`, each with a server time when `timed`.
    static func batch(_ count: Int, from first: Int = 0, timed: Bool = false) -> MessageBatch {
        var batch = MessageBatch(transport: .websocket)
        batch.receivedAt = 1_000_000_000_000
        for n in first..<(first + count) {
            batch.append(Array(#"{"n":\#(n)}"#.utf8), isBinary: false, serverTime: timed ? Int64(n) : nil)
        }
        return batch
    }

    static let open = LinkEvent.state(.open(transport: .websocket), at: 1)

    /// The actions as text: `show 3` (messages), `show 3 recorded`, `show state`, `stop`, `report …`.
    static func describe(_ actions: [SourcePipeline.Action]) -> [String] {
        actions.map { action in
            switch action {
            case .show(.messages(let batch), let record): return "show \(batch.count)" + (record ? " recorded" : "")
            case .show(.state, let record): return "show state" + (record ? " recorded" : "")
            case .stopSource: return "stop"
            case .reportRecordingFailure(let text): return "report \(text)"
            }
        }
    }

    /// The messages of the batch a `show` action carries, as text.
    static func texts(_ actions: [SourcePipeline.Action]) -> [String] {
        actions.flatMap { action -> [String] in
            guard case .show(.messages(let batch), _) = action else { return [] }
            return batch.messages.map { String(decoding: batch.bytes[$0.offset..<($0.offset + $0.length)], as: UTF8.self) }
        }
    }

    @Test func maxMessagesLetsExactlyThatManyThroughAndThenStopsTheSource() {
        var pipeline = SourcePipeline(maxMessages: 5, records: false)
        #expect(Self.describe(pipeline.receive(Self.open)) == ["show state"])
        #expect(Self.describe(pipeline.receive(.messages(Self.batch(3)))) == ["show 3"])
        #expect(!pipeline.reachedLimit)
        // The batch that crosses the limit is cut to what is left, its server times with it.
        let crossing = pipeline.receive(.messages(Self.batch(3, from: 3, timed: true)))
        #expect(Self.describe(crossing) == ["show 2", "stop"])
        #expect(Self.texts(crossing) == [#"{"n":3}"#, #"{"n":4}"#])
        if case .show(.messages(let cut), _) = crossing.first { #expect(cut.times == [3, 4]) }
        #expect(pipeline.reachedLimit)
        // After it nothing more is shown, and the source is not stopped again; states still are.
        #expect(Self.describe(pipeline.receive(.messages(Self.batch(3, from: 6)))) == [])
        #expect(Self.describe(pipeline.receive(.state(.closed(reason: nil), at: 2))) == ["show state"])
    }

    @Test func aLimitOnABatchsLastMessageStopsWithThatBatch() {
        var pipeline = SourcePipeline(maxMessages: 3, records: false)
        #expect(Self.describe(pipeline.receive(.messages(Self.batch(3)))) == ["show 3", "stop"])
        #expect(pipeline.reachedLimit)
    }

    @Test func withoutALimitNothingStops() {
        var pipeline = SourcePipeline(maxMessages: nil, records: false)
        var shown = 0
        for round in 0..<100 {
            let actions = pipeline.receive(.messages(Self.batch(10, from: round * 10)))
            #expect(Self.describe(actions) == ["show 10"])
            shown += Self.texts(actions).count
        }
        #expect(shown == 1000)
        #expect(!pipeline.reachedLimit)
    }

    /// `--last 2 --max-messages 3`: the limit counts what the backlog filter shows, so the newest
    /// two of the first burst and then one more.
    @Test func theLimitCountsWhatTheBacklogFilterShows() {
        var pipeline = SourcePipeline(maxMessages: 3, backlog: BacklogFilter(last: 2), records: false)
        let first = pipeline.receive(.messages(Self.batch(5)))
        #expect(Self.describe(first) == ["show 2"])
        #expect(Self.texts(first) == [#"{"n":3}"#, #"{"n":4}"#])
        let second = pipeline.receive(.messages(Self.batch(5, from: 5)))
        #expect(Self.describe(second) == ["show 1", "stop"])
        #expect(Self.texts(second) == [#"{"n":5}"#])
    }

    /// `--since`: a batch the filter leaves nothing of is not shown and not counted.
    @Test func aBatchTheBacklogFilterDropsIsNeitherShownNorCounted() {
        var pipeline = SourcePipeline(maxMessages: 2, backlog: BacklogFilter(since: .seconds(1)), records: true)
        // Server times of 0…2 ns since the epoch, read 1,000 s later: all older than a second.
        #expect(Self.describe(pipeline.receive(.messages(Self.batch(3, timed: true)))) == [])
        #expect(!pipeline.reachedLimit)
        #expect(Self.describe(pipeline.receive(.messages(Self.batch(2, from: 3)))) == ["show 2 recorded", "stop"])
    }

    @Test func everythingShownIsRecordedUntilTheRecordingFailsWhichIsSaidOnce() {
        var pipeline = SourcePipeline(maxMessages: nil, records: true)
        #expect(Self.describe(pipeline.receive(Self.open)) == ["show state recorded"])
        #expect(Self.describe(pipeline.recorded(failure: nil)) == [])
        #expect(Self.describe(pipeline.receive(.messages(Self.batch(2)))) == ["show 2 recorded"])
        let failure = "--record out.jsonl: a write failed (No space left on device); the recording stopped there"
        #expect(Self.describe(pipeline.recorded(failure: failure)) == ["report \(failure)"])
        // Shown still, recorded no more, and the failure is not said again.
        #expect(Self.describe(pipeline.receive(.messages(Self.batch(2, from: 2)))) == ["show 2"])
        #expect(Self.describe(pipeline.receive(Self.open)) == ["show state"])
        #expect(Self.describe(pipeline.recorded(failure: failure)) == [])
    }

    @Test func withoutARecordingNothingIsRecorded() {
        var pipeline = SourcePipeline(maxMessages: 1, records: false)
        #expect(Self.describe(pipeline.receive(Self.open)) == ["show state"])
        #expect(Self.describe(pipeline.receive(.messages(Self.batch(4)))) == ["show 1", "stop"])
    }
}
