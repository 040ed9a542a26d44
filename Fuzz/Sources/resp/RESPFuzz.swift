import FuzzDriver
@testable import LinkWire

/// The RESP2 decoder, fed the input whole and again in chunks of a size the input's first byte
/// picks: both must give the same values and end the same way (the same error, or the same bytes
/// left waiting for more). Every value decoded must encode to bytes that decode back to it.
/// Small limits, so that the limit checks are reached.
@main
enum RESPFuzz {
    static let decoder = RESPDecoder(limits: .init(maxBulkBytes: 64, maxArrayCount: 8, maxDepth: 4, maxLineBytes: 32))

    struct Outcome: Equatable {
        var values: [RESPValue] = []
        var error: RESPError?
        var left = 0
    }

    static func main() {
        FuzzDriver.run { data, count in
            let input = FuzzDriver.bytes(data, count)
            let whole = RESPFuzz.outcome(Array(input), chunk: max(1, input.count))
            let step = Int(input.first ?? 1) % 7 + 1
            let chunked = RESPFuzz.outcome(Array(input), chunk: step)
            guard whole == chunked else { fatalError("chunks of \(step) bytes decode differently from the whole input") }
            for value in whole.values {
                let bytes = value.encoded
                // Default limits: a status line that was not UTF-8 re-encodes longer (U+FFFD is 3 bytes).
                let again = bytes.withUnsafeBytes { try? RESPDecoder().decode($0) }
                guard let again, again.value == value, again.consumed == bytes.count else {
                    fatalError("a decoded value does not encode to bytes that decode back to it")
                }
            }
            return 0
        }
    }

    /// Feeds `input` `chunk` bytes at a time, decoding all it can after each, as a connection does.
    static func outcome(_ input: [UInt8], chunk: Int) -> Outcome {
        var result = Outcome()
        var pending: [UInt8] = []
        var i = 0
        while i < input.count {
            let end = min(input.count, i + chunk)
            pending += input[i..<end]
            i = end
            do {
                while let (value, consumed) = try pending.withUnsafeBytes({ raw throws(RESPError) in try decoder.decode(raw) }) {
                    result.values.append(value)
                    pending.removeFirst(consumed)
                }
            } catch let error as RESPError {
                result.error = error
                return result
            } catch {
                fatalError("the decoder threw something other than RESPError: \(error)")
            }
        }
        result.left = pending.count
        return result
    }
}
