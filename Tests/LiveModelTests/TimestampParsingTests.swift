import LiveModel
import Testing

@Suite struct TimestampParsingTests {
    @Test(arguments: [Int64(0), 1_764_150_000_123_000_000, 951_782_400_000_000_000, -86_400_001_000_000, 4_102_444_799_999_000_000])
    func rfc3339RoundTripsAtMilliseconds(nanoseconds: Int64) throws {
        let t = Timestamp(nanoseconds: nanoseconds)
        let parsed = try #require(Timestamp(rfc3339: Array(t.rfc3339.utf8)), "\(t.rfc3339)")
        #expect(parsed == t)
    }

    @Test func addingSecondsSaturatesInsteadOfTrapping() {
        #expect((Timestamp(nanoseconds: .max - 5) + 1e12).nanoseconds == .max)
        #expect((Timestamp(nanoseconds: 0) + -1e300).nanoseconds == -9_000_000_000_000_000_000)
        #expect((Timestamp(seconds: 10) + .nan) == Timestamp(seconds: 10))
    }

    @Test func readsFractionsAndOffsets() {
        #expect(Timestamp(rfc3339: Array("2026-11-26T17:27:53Z".utf8))?.rfc3339 == "2026-11-26T17:27:53.000Z")
        #expect(Timestamp(rfc3339: Array("2026-11-26T17:27:53.5Z".utf8))?.rfc3339 == "2026-11-26T17:27:53.500Z")
        #expect(Timestamp(rfc3339: Array("2026-11-26T17:27:53.123456789Z".utf8))?.nanoseconds.isMultiple(of: 10) == false)
        #expect(Timestamp(rfc3339: Array("2026-11-26T18:27:53.000+01:00".utf8))?.rfc3339 == "2026-11-26T17:27:53.000Z")
        #expect(Timestamp(rfc3339: Array("2026-02-28T23:00:00-02:00".utf8))?.rfc3339 == "2026-03-01T01:00:00.000Z")
    }

    @Test(arguments: ["", "yesterday", "2026-11-26", "2026-13-01T00:00:00Z", "2026-11-26T24:00:00Z", "2026-11-26T17:27:53",
                      "2026-11-26T17:27:53.Z", "2026-11-26T17:27:53Zjunk", "2026-11-26T17:27:53.1234567890Z",
                      "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z"])
    func rejectsWhatIsNotATime(text: String) {
        #expect(Timestamp(rfc3339: Array(text.utf8)) == nil)
    }
}
