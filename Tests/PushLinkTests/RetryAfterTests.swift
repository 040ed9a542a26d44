import LinkWire
import LiveModel
import Testing
@testable import PushLink

@Suite struct RetryAfterTests {
    static let date = "Wed, 21 Oct 2015 07:27:57 GMT"

    @Test(arguments: [
        ("3", nil, Duration?.some(.seconds(3))),
        (" 120 ", nil, .seconds(120)),
        ("0", nil, .zero),
        ("7200", nil, .seconds(3600)),  // at most an hour
        ("99999999999999999999999", nil, .seconds(3600)),
        ("-1", nil, nil),
        ("1.5", nil, nil),
        ("soon", nil, nil),
        ("", nil, nil),
        // An HTTP-date counts from the answer's own Date: the server's clock against itself.
        ("Wed, 21 Oct 2015 07:28:00 GMT", date, .seconds(3)),
        ("Wednesday, 21-Oct-15 07:28:00 GMT", date, .seconds(3)),
        ("Wed Oct 21 07:28:00 2015", date, .seconds(3)),
        ("Wed, 21 Oct 2015 07:27:00 GMT", date, .zero),  // already past
        ("Wed, 21 Oct 2015 07:28:00 GMT", nil, nil),  // nothing to count from: the usual backoff
        ("Wed, 21 Oct 2015 07:28:00 GMT", "yesterday", nil),
    ] as [(String, String?, Duration?)])
    func readsDelaySecondsAndHTTPDates(_ value: String, _ date: String?, _ expected: Duration?) {
        #expect(RetryAfter.delay(value, date: date) == expected)
    }

    @Test func readsAsctimeWithItsPaddedDay() {
        #expect(RetryAfter.httpDate("Sun Nov  6 08:49:37 1994") == 784_111_777)
        #expect(RetryAfter.httpDate("Sun, 06 Nov 1994 08:49:37 GMT") == 784_111_777)
    }
}

@Suite struct PollCursorRetryTests {
    static func headers(_ values: [String: String]) -> (String) -> String? {
        { name in values.first { $0.key.lowercased() == name.lowercased() }?.value }
    }

    /// 429 and 503 carry their Retry-After into the error; other 5xx back off as before.
    @Test(arguments: [
        (429, ["Retry-After": "3"], Duration?.some(.seconds(3)), "HTTP 429 from the poll URL (Retry-After 3 s)"),
        (503, ["Retry-After": "Wed, 21 Oct 2015 07:28:07 GMT", "Date": "Wed, 21 Oct 2015 07:27:57 GMT"], .seconds(10),
         "HTTP 503 from the poll URL (Retry-After 10 s)"),
        (429, [:], nil, "HTTP 429 from the poll URL"),
        (503, ["Retry-After": "later"], nil, "HTTP 503 from the poll URL"),
        (500, ["Retry-After": "3"], nil, "HTTP 500 from the poll URL"),
    ] as [(Int, [String: String], Duration?, String)])
    func throttlingAnswersCarryTheirRetryAfter(_ status: Int, _ headers: [String: String], _ wait: Duration?, _ text: String) {
        var cursor = PollCursor()
        guard case .retry(let error) = cursor.response(status: status, header: Self.headers(headers), body: []) else {
            Issue.record("HTTP \(status) is not a retry")
            return
        }
        #expect(error.retryAfter == wait)
        #expect(error.description == text)
        #expect(error.severity == .transient)
    }
}
