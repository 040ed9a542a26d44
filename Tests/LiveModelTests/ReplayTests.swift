import Foundation
import Testing
@testable import LiveModel

/// A recorded feed, one message per line, replayed through the fold and compared with the final
/// state written down by hand in `ticker.expected.json`.
@Suite struct ReplayTests {
    static func fixture(_ name: String) throws -> [UInt8] {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures"))
        return Array(try Data(contentsOf: url))
    }

    @Test func recordedFeedFoldsToTheExpectedState() throws {
        let feed = try Self.fixture("ticker.jsonl")
        let lines = feed.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true)
        // Replay in uneven batches, as read bursts would deliver them.
        var merged = LiveStore(.init(fold: .merge, select: JSONPointer("/metrics")))
        var rows = LiveStore(.init(fold: .upsert(JSONPointer("/symbol")!), select: JSONPointer("/quote")))
        var start = 0
        var size = 1
        while start < lines.count {
            var batch = MessageBatch()
            for line in lines[start..<min(lines.count, start + size)] { batch.append(text: line) }
            merged.apply(.messages(batch, at: t0 + Double(start)))
            rows.apply(.messages(batch, at: t0 + Double(start)))
            start += size
            size = size % 4 + 1
        }
        let expected = try JSONValue(parsing: Self.fixture("ticker.expected.json"))
        #expect(merged.value == expected[JSONPointer("/metrics")!])
        #expect(rows.value == expected[JSONPointer("/quotes")!])
        #expect(merged.stats.messages == Int64(lines.count))
        #expect(merged.stats.invalidJSON == 1 && merged.stats.textMessages == 2)
        #expect(merged.history(at: JSONPointer("/cpu")!)?.values == [0.25, 0.5, 0.75, 0.5])
    }
}
