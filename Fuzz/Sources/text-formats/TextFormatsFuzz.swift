import FuzzDriver
@testable import TextFormats

/// Every text format, in line mode (the input cut at its newlines, one parser per format, as a
/// source reads a stream) and in document mode (the input whole, with and without a Prometheus
/// Content-Type): nothing may crash, and every JSON message must be valid JSON by the module's
/// own validator, which the test suite checks against Foundation's JSONSerialization.
@main
enum TextFormatsFuzz {
    static func main() {
        FuzzDriver.run { data, count in
            let input = FuzzDriver.bytes(data, count)
            let includeTypes = (input.first ?? 0) & 1 == 1
            for format in TextFormat.allCases {
                var lines = TextParser(format: format)
                lines.includeTypes = includeTypes
                var start = 0
                while start <= input.count {
                    let end = input[start...].firstIndex(of: UInt8(ascii: "\n")) ?? input.count
                    TextFormatsFuzz.check(lines.line(input[start..<end]), format, "line")
                    start = end + 1
                }
                for contentType in [nil, "text/plain; version=0.0.4"] {
                    var document = TextParser(format: format)
                    document.includeTypes = includeTypes
                    TextFormatsFuzz.check(document.document(input, contentType: contentType), format, "document")
                }
            }
            return 0
        }
    }

    static func check(_ message: ParsedMessage, _ format: TextFormat, _ mode: StaticString) {
        guard case .json(let bytes) = message.kind else { return }
        guard bytes.withUnsafeBufferPointer({ JSONValidator().isValid($0) }) else {
            fatalError("\(format) \(mode) gave invalid JSON: \(String(decoding: bytes, as: UTF8.self))")
        }
        if let problem = message.problem, problem.contains("\n") {
            fatalError("\(format) \(mode): a problem of more than one line: \(problem)")
        }
    }
}
