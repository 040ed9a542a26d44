import LinkWire
import Testing
@testable import PushLink

struct MessageIDTrackerTests {
    static func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    @Test(arguments: [
        ("1796599918:5", NchanMessageID(time: 1_796_599_918, tag: 5)),
        ("1796599918:0", NchanMessageID(time: 1_796_599_918, tag: 0)),
        ("1796599918:[3],-,1", nil),  // multiplexed: not one sequence
        ("0:1234", nil),  // a partition:offset, not a time
        ("1700000000000:3", nil),  // milliseconds
        ("1796599918:40000", nil),  // past Nchan's 16-bit tag
        ("abc", nil), ("1796599918:", nil), (":5", nil),
    ] as [(String, NchanMessageID?)])
    func parsesNchanIDs(_ text: String, _ expected: NchanMessageID?) {
        #expect(NchanMessageID(text) == expected)
    }

    @Test func readsLongPollValidators() {
        #expect(NchanMessageID(lastModified: "Sun, 06 Dec 2026 23:31:58 GMT", etag: "5") == NchanMessageID(time: 1_796_599_918, tag: 5))
        #expect(NchanMessageID(lastModified: nil, etag: "1796599918:7") == NchanMessageID(time: 1_796_599_918, tag: 7))
        #expect(NchanMessageID(lastModified: "Sun, 06 Dec 2026 23:31:58 GMT", etag: "\"5f3e-1a2b\"") == nil)
        #expect(NchanMessageID(lastModified: "yesterday", etag: "5") == nil)
        #expect(NchanMessageID(lastModified: "Thu, 01 Jan 1970 00:00:00 GMT", etag: "0") == nil)
        #expect(NchanMessageID.httpDate("Sun, 06 Nov 1994 08:49:37 GMT") == 784_111_777)
    }

    /// The issue's case: 3 delivered, 20 published past a buffer of 5, the resume gets message 19.
    @Test func aJumpWithinOneSecondIsAProvenGap() {
        var t = MessageIDTracker()
        for tag in 0...2 { #expect(t.message(id: "1796599918:\(tag)", payload: Self.bytes("{\"n\":\(tag + 1)}")) == .deliver) }
        guard case .deliverAfterGap(let missed, let reason) = t.message(id: "1796599918:18", payload: Self.bytes(#"{"n":19}"#)) else {
            Issue.record("no gap")
            return
        }
        #expect(missed == 15)
        #expect(reason.hasPrefix("15 messages skipped"))
        #expect(t.message(id: "1796599918:19", payload: Self.bytes(#"{"n":20}"#)) == .deliver)
        #expect(t.lastID == "1796599918:19")
    }

    @Test func aLaterSecondPastTagZeroIsALikelyGapAndTagZeroIsNone() {
        var t = MessageIDTracker()
        #expect(t.message(id: "1796599918:2", payload: Self.bytes("a")) == .deliver)
        guard case .deliverAfterGap(nil, let reason) = t.message(id: "1796599923:5", payload: Self.bytes("b")) else {
            Issue.record("no likely gap")
            return
        }
        #expect(reason.hasPrefix("messages may have been skipped"))
        #expect(t.message(id: "1796599924:0", payload: Self.bytes("c")) == .deliver)
    }

    @Test func aKnownIDWithTheSameBytesIsARepeatAndNothingElseIs() {
        var t = MessageIDTracker()
        #expect(t.message(id: "1796599918:0", payload: Self.bytes("a")) == .deliver)
        #expect(t.message(id: "1796599918:1", payload: Self.bytes("b")) == .deliver)
        // Nchan replays its buffer to a subscriber that could not resume.
        #expect(t.message(id: "1796599918:0", payload: Self.bytes("a")) == .repeated)
        #expect(t.message(id: "1796599918:1", payload: Self.bytes("b")) == .repeated)
        #expect(t.message(id: "1796599918:2", payload: Self.bytes("c")) == .deliver)
        #expect(t.lastID == "1796599918:2")
    }

    /// A channel recreated (its worker died) numbers from 0 again: new bytes under an old id are new.
    @Test func idsThatStartOverAreDeliveredWithALikelyGap() {
        var t = MessageIDTracker()
        for tag in 0...9 { _ = t.message(id: "1796599918:\(tag)", payload: Self.bytes("old \(tag)")) }
        guard case .deliverAfterGap(nil, let reason) = t.message(id: "1796599918:0", payload: Self.bytes("new 0")) else {
            Issue.record("not delivered as new")
            return
        }
        #expect(reason.contains("started over"))
        #expect(t.message(id: "1796599918:1", payload: Self.bytes("new 1")) == .deliver)
    }

    @Test func opaqueIDsOnlyGetTheRepeatRule() {
        var t = MessageIDTracker()
        #expect(t.message(id: "a", payload: Self.bytes("1")) == .deliver)
        #expect(t.message(id: "z", payload: Self.bytes("2")) == .deliver)
        #expect(t.message(id: "a", payload: Self.bytes("1")) == .repeated)
        #expect(t.message(id: "a", payload: Self.bytes("3")) == .deliver)  // same id, new bytes: a new event
    }

    @Test func theWindowIsBounded() {
        var t = MessageIDTracker(capacity: 3)
        for i in 0..<5 { _ = t.message(id: "e\(i)", payload: Self.bytes("x")) }
        #expect(t.message(id: "e0", payload: Self.bytes("x")) == .deliver)  // forgotten
        #expect(t.message(id: "e4", payload: Self.bytes("x")) == .repeated)
    }

    @Test func readsTheMetaHeader() {
        let message = Self.bytes("id: 1796599918:5\ncontent-type: application/json\n\n{\"n\":19}")
        let header = NchanMetaHeader.parse(message)
        #expect(header?.id == "1796599918:5")
        #expect(header?.contentType == "application/json")
        #expect(header.map { String(decoding: message[$0.length...], as: UTF8.self) } == #"{"n":19}"#)
        #expect(NchanMetaHeader.parse(Self.bytes("id: 1796599918:6\n\n")).map { $0.length } == 18)  // an empty message
        #expect(NchanMetaHeader.parse(Self.bytes(#"{"n":1}"#)) == nil)
        #expect(NchanMetaHeader.parse(Self.bytes("id: 1796599918:6\nno blank line")) == nil)
    }

    @Test func sseEventsSayWhetherTheyCarriedAnIDOfTheirOwn() {
        var parser = ServerSentEvents()
        var events: [ServerSentEvents.Event] = []
        parser.feed(Self.bytes("id: 7\ndata: a\n\ndata: b\n\n")) { events.append($0) }
        #expect(events.map(\.id) == ["7", nil])
        #expect(events.map(\.lastEventID) == ["7", "7"])
    }
}
