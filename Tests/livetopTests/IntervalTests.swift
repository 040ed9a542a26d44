import ArgumentParser
import Foundation
import LinkWire
import LiveModel
import Logging
import PushLink
import Testing
@testable import livetop

@Suite struct IntervalTests {
    @Test(arguments: [
        ("1s", Duration.seconds(1), "1s"),
        ("2s", .seconds(2), "2s"),
        ("500ms", .milliseconds(500), "500ms"),
        ("1.5", .milliseconds(1500), "1500ms"),
        ("1.5s", .milliseconds(1500), "1500ms"),
        ("3", .seconds(3), "3s"),
        ("1m", .seconds(60), "60s"),
        ("0.25m", .seconds(15), "15s"),
        ("2h", .seconds(7200), "7200s"),
        ("10MS", .milliseconds(10), "10ms"),
        ("1d", nil, ""), ("0", nil, ""), ("0s", nil, ""), ("0ms", nil, ""), ("-1s", nil, ""), ("-1", nil, ""),
        ("", nil, ""), ("s", nil, ""), ("soon", nil, ""), ("1e3", nil, ""), ("inf", nil, ""), ("nan", nil, ""),
        ("1.2.3s", nil, ""), ("+2s", nil, ""), ("25h", nil, ""),
    ] as [(String, Duration?, String)])
    func readsDurationsAsPeopleWriteThem(_ text: String, _ expected: Duration?, _ description: String) {
        let interval = Interval(argument: text)
        #expect(interval?.duration == expected)
        if let interval {
            #expect(interval.description == description)
            #expect(Interval(argument: interval.description) == interval)
        }
    }

    @Test(arguments: [
        ([String](), Duration.seconds(1)),
        (["--every", "2s"], .seconds(2)),
        (["--every", "500ms"], .milliseconds(500)),
        (["--every=1.5"], .milliseconds(1500)),
    ])
    func everyBecomesThePollInterval(_ arguments: [String], _ expected: Duration) throws {
        let sources = try SourceOptions.parse(arguments)
        let link = try ConnectionOptions.parse([]).makeLink(url: FeedURL("http://127.0.0.1/status"), every: sources.every?.duration,
                                                            logger: Logger(label: "test"))
        #expect(link.configuration.pollInterval == expected)
    }

    @Test func zeroIsAUsageError() {
        #expect(throws: (any Error).self) { try SourceOptions.parse(["--every", "0"]) }
    }

    /// A source's `every:` (a duration string or a number of seconds) is its own, over --every.
    @Test func aLayoutSourceHasItsOwnInterval() throws {
        let yaml = LayoutFileTests.sources("{name: a, every: 2s}", "{name: b, every: 0.5}", "{name: c}")
        let sources = try LayoutFile.parse(yaml, file: "l.yaml").layout.sources
        #expect(sources.map(\.every) == [Interval(argument: "2s"), Interval(argument: "500ms"), nil])
        let command = try SourceOptions.parse(["--every", "3s"])
        #expect(command.overridden(by: sources[0]).every?.duration == .seconds(2))
        #expect(command.overridden(by: sources[1]).every?.duration == .milliseconds(500))
        #expect(command.overridden(by: sources[2]).every?.duration == .seconds(3))
    }

    @Test(arguments: [
        ("{name: a, every: 0}", "l.yaml:2:22: 'every' must be above 0 and at most a day, such as 2s or 500ms, not '0'"),
        ("{name: a, every: -2s}", "l.yaml:2:22: 'every' must be above 0 and at most a day, such as 2s or 500ms, not '-2s'"),
        ("{name: a, every: soon}", "l.yaml:2:22: expected a duration for 'every' such as 500ms, 5s, 2m or 1h, not 'soon'"),
    ])
    func aBadLayoutIntervalNamesItsPlace(_ flow: String, _ expected: String) {
        #expect(LayoutFileTests.errorText(LayoutFileTests.sources(flow)) == expected)
    }
}
