import Foundation
import TextFormats

/// Real outputs captured on the development machine (Fixtures/README.md says how).
enum Fixture {
    static func bytes(_ name: String) -> [UInt8] {
        guard let url = Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil),
              let data = try? Data(contentsOf: url) else { return Array("missing fixture \(name)".utf8) }
        return Array(data)
    }

    /// The fixture's lines as a line-reading source sees them (the last newline ends the last line).
    static func lines(_ name: String) -> [[UInt8]] {
        var lines = bytes(name).split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(Array.init)
        if lines.last?.isEmpty == true { lines.removeLast() }
        return lines
    }
}

extension ParsedMessage {
    /// "skip", "text", or the JSON text: one string per message, to compare sequences as data.
    var shown: String {
        switch kind {
        case .skip: return "skip"
        case .text: return "text"
        case .json(let bytes): return String(decoding: bytes, as: UTF8.self)
        }
    }
}

/// Every message of `lines` read by one parser.
func messages(_ format: TextFormat, _ lines: [[UInt8]]) -> [String] {
    var parser = TextParser(format: format)
    return lines.map { parser.line($0).shown }
}

func messages(_ format: TextFormat, _ lines: [String]) -> [String] {
    messages(format, lines.map { Array($0.utf8) })
}

func document(_ format: TextFormat, _ text: String, contentType: String? = nil) -> ParsedMessage {
    var parser = TextParser(format: format)
    return parser.document(Array(text.utf8), contentType: contentType)
}
