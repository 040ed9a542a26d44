import Foundation
import LinkWire
import LiveModel
@testable import PushLink
import Testing

/// Each place a server's time for a message is read from (docs/transports.md, "Server time").
@Suite struct ServerTimeTests {
    /// Nchan's SSE ids are `SECONDS:TAG`; livetop serve's `SEQ@MILLISECONDS`; others hold no time.
    @Test(arguments: [
        ("1765063800:0", Int64(1_765_063_800) * 1_000_000_000),
        ("1765063800:17", Int64(1_765_063_800) * 1_000_000_000),
        ("42@1765063800123", Int64(1_765_063_800_123) * 1_000_000),
        ("1@1765063800000", Int64(1_765_063_800_000) * 1_000_000),
    ])
    func anEventIDThatHoldsATime(id: String, nanoseconds: Int64) {
        #expect(ServerTime.eventID(id) == nanoseconds)
    }

    @Test(arguments: ["", "42", "abc", "5:0", "1765063800", "1765063800:", ":3", "x:1765063800", "42@", "42@12",
                      "42@1765063800123x", "1765063800:0,1765063801:2", "[1765063800:0]", "550e8400-e29b-41d4-a716-446655440000"])
    func anEventIDThatHoldsNone(id: String) {
        #expect(ServerTime.eventID(id) == nil)
    }

    /// The reference server's long-poll `X-Message-Times`, and Nchan's `Last-Modified` under the
    /// validators convention, become one time per message of the answer.
    @Test func longPollAnswersGiveEachMessageItsTime() {
        var reference = PollCursor()
        let headers = ["X-Next-Cursor": "3", "X-Message-Times": "1765063800000,1765063860000, 1765063980500"]
        _ = reference.response(status: 200, header: { headers[$0] }, body: Array("[1,2,3]".utf8))
        #expect(reference.messageTimes(count: 3, header: { headers[$0] })
                == [1_765_063_800_000_000_000, 1_765_063_860_000_000_000, 1_765_063_980_500_000_000])
        // A list that does not match the answer's messages is not trusted.
        #expect(reference.messageTimes(count: 2, header: { headers[$0] }).isEmpty)

        var nchan = PollCursor()
        let nchanHeaders = ["Last-Modified": "Sun, 06 Dec 2026 23:30:00 GMT", "Etag": "0"]
        _ = nchan.response(status: 200, header: { nchanHeaders[$0] }, body: Array(#"{"n":1}"#.utf8))
        let expected = Int64(ISO8601DateFormatter().date(from: "2026-12-06T23:30:00Z")!.timeIntervalSince1970) * 1_000_000_000
        #expect(nchan.messageTimes(count: 1, header: { nchanHeaders[$0] }) == [expected])

        // A cursor in the query (Consul's index): a Last-Modified there is not a message's time.
        var consul = PollCursor(convention: .query(name: "index", from: .header("X-Consul-Index")))
        let consulHeaders = ["X-Consul-Index": "7", "Last-Modified": "Sun, 06 Dec 2026 23:30:00 GMT"]
        _ = consul.response(status: 200, header: { consulHeaders[$0] }, body: Array("{}".utf8))
        #expect(consul.messageTimes(count: 1, header: { consulHeaders[$0] }).isEmpty)
    }

    @Test func anHTTPDateIsReadInEveryFormRecipientsAccept() {
        let expected = Int64(784_111_777) * 1_000_000_000
        #expect(ServerTime.httpDate("Sun, 06 Nov 1994 08:49:37 GMT") == expected)
        #expect(ServerTime.httpDate("Sunday, 06-Nov-94 08:49:37 GMT") == expected)
        #expect(ServerTime.httpDate("Sun Nov  6 08:49:37 1994") == expected)
        #expect(ServerTime.httpDate("yesterday") == nil)
    }

    /// A batch keeps `times` empty until a message has one, then one per frame.
    @Test func aBatchCarriesTimesOnlyWhenAMessageHasOne() {
        var batch = MessageBatch(transport: .sse)
        batch.append(Array("a".utf8), isBinary: false, serverTime: nil)
        #expect(batch.times.isEmpty)
        batch.append(Array("b".utf8), isBinary: false, serverTime: 5)
        batch.append(Array("c".utf8), isBinary: false, serverTime: nil)
        #expect(batch.times == [MessageBatch.noTime, 5, MessageBatch.noTime])
        #expect(batch.serverTime(0) == nil && batch.serverTime(1)?.nanoseconds == 5 && batch.serverTime(2) == nil && batch.serverTime(9) == nil)
    }
}
