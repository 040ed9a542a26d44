import Testing
@testable import livetop

/// `--rate-limit`'s pacing on a clock the test moves.
@Suite struct TokenBucketTests {
    @Test func aBurstIsCutToATenthOfASecondsWorthThenPaced() {
        var bucket = TokenBucket(rate: 100)
        let first = bucket.take(1000, now: 0)
        #expect(first.granted == 10 && first.wait == 0)
        let (granted, wait) = bucket.take(990, now: 0)
        #expect(granted == 0)
        #expect(abs(wait - 0.01) < 1e-9)
        #expect(bucket.take(990, now: 0.01).granted == 1)
        #expect(bucket.take(990, now: 0.06).granted == 5)
        // Idle time refills up to the burst, never beyond.
        #expect(bucket.take(990, now: 100).granted == 10)
    }

    /// Over a simulated minute of a pipe that always has lines, the rate is kept.
    @Test(arguments: [0.5, 3, 100, 5_000])
    func theAverageRateIsTheLimit(rate: Double) {
        var bucket = TokenBucket(rate: rate)
        var now = 0.0, sent = 0
        for _ in 0..<2_000_000 where now < 60 {
            let (granted, wait) = bucket.take(10_000, now: now)
            sent += granted
            now += granted > 0 ? 0 : wait
        }
        let expected = rate * 60 + max(1, rate / 10)  // the first burst comes on top
        #expect(abs(Double(sent) - expected) <= max(2, expected * 0.001), "\(sent) lines in 60 s at \(rate)/s")
    }

    @Test func aSlowRateSendsSingleLines() {
        var bucket = TokenBucket(rate: 2)
        #expect(bucket.take(5, now: 0).granted == 1)
        let (granted, wait) = bucket.take(5, now: 0)
        #expect(granted == 0 && abs(wait - 0.5) < 1e-9)
        #expect(bucket.take(5, now: 0.5).granted == 1)
    }
}
