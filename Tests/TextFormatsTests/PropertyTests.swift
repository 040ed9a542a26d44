import Foundation
import Testing
import TestSupport
@testable import TextFormats

/// SplitMix64 (Steele, Lea, Flood 2014): a seeded generator, so a failing case can be replayed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

struct PropertyTests {
    /// Bytes that make the formats' grammars likely to match in part, mixed with any byte.
    static let alphabet: [UInt8] = Array(" \t\n\r=\"\\{},:#-+.eE0123456789abcxyz_[]%/".utf8) + [0x00, 0x7F, 0xC3, 0xA9, 0xED, 0xFF, 0xEF, 0xBB, 0xBF]

    static func input(_ rng: inout SplitMix64) -> [UInt8] {
        let count = Int(rng.next() % 200)
        let anyByte = rng.next() % 4 == 0
        return (0..<count).map { _ in
            anyByte ? UInt8(truncatingIfNeeded: rng.next()) : alphabet[Int(rng.next() % UInt64(alphabet.count))]
        }
    }

    static func check(_ message: ParsedMessage, _ input: [UInt8], _ what: String) {
        guard case .json(let bytes) = message.kind else { return }
        let ours = bytes.withUnsafeBufferPointer { JSONValidator().isValid($0) }
        #expect(ours, "invalid JSON from \(what) for \(input): \(String(decoding: bytes, as: UTF8.self))")
        let foundation = (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) != nil
        #expect(foundation, "Foundation refuses JSON from \(what) for \(input): \(String(decoding: bytes, as: UTF8.self))")
    }

    @Test(.offPool) func randomBytesNeverCrashAndAlwaysGiveValidJSON() {
        var rng = SplitMix64(state: 0x5EED_1234)
        var parsers = TextFormat.allCases.map { TextParser(format: $0) }
        var jsonMessages = 0
        for _ in 0..<2000 {
            let input = Self.input(&rng)
            for k in parsers.indices {
                let format = parsers[k].format
                var documentParser = TextParser(format: format)
                documentParser.includeTypes = rng.next() % 2 == 0
                let contentType = rng.next() % 3 == 0 ? "text/plain; version=0.0.4" : nil
                let whole = documentParser.document(input, contentType: contentType)
                Self.check(whole, input, "\(format) document")
                if case .json = whole.kind { jsonMessages += 1 }
                for line in input.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
                    let message = parsers[k].line(line)
                    Self.check(message, Array(line), "\(format) line")
                    if case .json = message.kind { jsonMessages += 1 }
                }
            }
        }
        // The alphabet makes the grammars match often enough for the property to say something.
        #expect(jsonMessages > 2000)
    }

    /// Whatever the validator accepts, Foundation accepts; and it refuses what Foundation refuses
    /// except for what it refuses on purpose (lone surrogates, depth).
    @Test(.offPool) func theValidatorAgreesWithFoundation() {
        var rng = SplitMix64(state: 42)
        let pieces = ["{", "}", "[", "]", ",", ":", "\"a\"", "\"\\u00e9\"", "1", "-0.5e3", "true", "null", " ", "\"", "0", "01", "1.", "\\"]
        var agreed = 0
        for _ in 0..<5000 {
            let text = (0..<Int(rng.next() % 12)).map { _ in pieces[Int(rng.next() % UInt64(pieces.count))] }.joined()
            let bytes = Array(text.utf8)
            let ours = bytes.withUnsafeBufferPointer { JSONValidator().isValid($0) }
            let foundation = (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) != nil
            #expect(ours == foundation, "\(text): ours \(ours), Foundation \(foundation)")
            if ours { agreed += 1 }
        }
        #expect(agreed > 100)
    }
}

/// Large inputs parse in linear time (a quadratic step would make these take minutes).
struct LargeInputTests {
    /// `count` bytes repeating `pattern`.
    static func repeated(_ pattern: String, count: Int) -> [UInt8] {
        let p = Array(pattern.utf8)
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            for i in 0..<count { buffer[i] = p[i % p.count] }
            initialized = count
        }
    }

    @Test(.offPool) func aTenMegabyteLine() {
        let pairs = Self.repeated("k=1 ", count: 10_000_000)
        for format in TextFormat.allCases {
            var parser = TextParser(format: format)
            let message = parser.line(pairs)
            // Over maxLineBytes for logfmt and columns; for Prometheus, 'k=1' is no sample.
            #expect(message.kind == .text)
        }
        let string = [UInt8(ascii: "\"")] + Self.repeated("abc\\u00e9 ", count: 10_000_000) + [UInt8(ascii: "\"")]
        var json = TextParser(format: .auto)
        #expect(json.line(string).kind == .json(string))
        var prometheus = TextParser(format: .prometheus)
        let sample = prometheus.line(Self.repeated("m", count: 10_000_000) + Array(" 1".utf8))
        #expect(sample.problem == "line 1: the key of 'mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm...' is longer than 4096 bytes")
    }

    @Test(.offPool) func aHundredThousandLineBody() {
        var body: [UInt8] = []
        for k in 0..<100_000 { body += Array("metric_\(k % 5000){cpu=\"\(k % 7)\",mode=\"idle\"} \(k).5\n".utf8) }
        var parser = TextParser(format: .auto)
        let message = parser.document(body, contentType: nil)
        #expect(parser.picked == .prometheus)
        #expect(message.skippedLines == 0)
        guard case .json(let bytes) = message.kind else { Issue.record("not JSON"); return }
        #expect(bytes.withUnsafeBufferPointer { JSONValidator().isValid($0) })

        var table: [UInt8] = Array("dev r w\n".utf8)
        for k in 0..<100_000 { table += Array("d\(k) \(k) 1.5\n".utf8) }
        var columns = TextParser(format: .columns)
        guard case .json(let out) = columns.document(table, contentType: nil).kind else { Issue.record("not JSON"); return }
        #expect(out.count > 2_000_000)
    }
}
