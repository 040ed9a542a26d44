import Testing
@testable import JSONLines
@testable import livetop

/// The seq of headless lines is counted in decimal in place; every carry must match the integer.
@Suite struct DecimalCounterTests {
    @Test func countsLikeIntegers() {
        var counter = DecimalCounter()
        var out: [UInt8] = []
        counter.write(into: &out)
        #expect(String(decoding: out, as: UTF8.self) == "0")
        for n in 1...100_500 {
            counter.increment()
            out.removeAll(keepingCapacity: true)
            counter.write(into: &out)
            if String(decoding: out, as: UTF8.self) != String(n) {
                Issue.record("counted \(String(decoding: out, as: UTF8.self)) for \(n)")
                return
            }
        }
    }

    @Test func growsPastNines() {
        var counter = DecimalCounter()
        for _ in 0..<999_999 { counter.increment() }
        var out: [UInt8] = []
        counter.write(into: &out)
        #expect(String(decoding: out, as: UTF8.self) == "999999")
        counter.increment()
        out.removeAll()
        counter.write(into: &out)
        #expect(String(decoding: out, as: UTF8.self) == "1000000")
    }
}
