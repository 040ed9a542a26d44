import LiveModel
import Testing
@testable import livetop

@Suite struct DerivationTests {
    static let t0 = Timestamp(seconds: 1_795_708_529)

    static func history(_ samples: [(Double, Double)]) -> History {
        History(values: samples.map(\.1), times: samples.map { t0 + $0.0 })
    }

    static func samples(_ history: History) -> [[Double]] {
        zip(history.times, history.values).map { [$0 - t0, $1] }
    }

    @Test(arguments: [
        // (seconds, value) in; (seconds, rate) out
        ([(0, 10), (1, 20), (3, 40)], [[1, 10], [3, 10]]),
        // A counter reset gives no sample for its pair, then counting resumes from the new value.
        ([(0, 100), (1, 110), (2, 5), (3, 15)], [[1, 10], [3, 10]]),
        // Samples of one read burst count as one, the last.
        ([(0, 0), (1, 5), (1, 8), (2, 12)], [[1, 8], [2, 4]]),
        ([(0, 1)], []),
        ([], []),
        ([(0, 5), (0, 9)], []),
    ] as [([(Double, Double)], [[Double]])])
    func rateIsPerSecondBetweenConsecutiveSamples(_ input: [(Double, Double)], _ expected: [[Double]]) {
        #expect(Self.samples(Derivation.rate.apply(to: Self.history(input))) == expected)
    }

    @Test func deltaIsSigned() {
        let derived = Derivation.delta.apply(to: Self.history([(0, 5), (1, 3), (2, 4)]))
        #expect(Self.samples(derived) == [[1, -2], [2, 1]])
    }

    @Test func theCurrentValueIsTheNewestPairs() {
        let history = Self.history([(0, 100), (1, 110), (2, 5)])
        let rate = Derivation.rate.apply(to: history)
        #expect(Derivation.rate.current(rate, of: history) == nil)  // reset: no rate now, not the stale one
        let resumed = Self.history([(0, 100), (1, 110), (2, 5), (4, 25)])
        #expect(Derivation.rate.current(Derivation.rate.apply(to: resumed), of: resumed) == 10)
        #expect(Derivation.value.current(history, of: history) == 5)
    }
}
