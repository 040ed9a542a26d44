import Foundation

/// JSON for long-poll response bodies: finding the messages and the cursor in them.
/// PushLink does not know LiveModel (whose parser is the fast one); bodies arrive one HTTP round
/// trip at a time, so Foundation's parser is not what limits a long-poll feed.
package enum JSONBody {
    package static func parse(_ bytes: [UInt8]) -> Any? {
        // JSON between systems is UTF-8 (RFC 8259 §8.1), where a NUL byte is never valid. Foundation
        // takes NULs as the sign of UTF-16 or UTF-32 and decodes `\0[\0]` as `[]`, while everything
        // after this reads the bytes as UTF-8 (elements(ofArray:) would cut a NUL out as a message).
        guard !bytes.contains(0) else { return nil }
        return try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
    }

    /// The value at an RFC 6901 pointer, or nil.
    package static func value(at pointer: String, in root: Any) -> Any? {
        guard pointer.hasPrefix("/") || pointer.isEmpty else { return nil }
        var current: Any = root
        for raw in pointer.split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
            let token = raw.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            if let object = current as? [String: Any], let next = object[token] {
                current = next
            } else if let array = current as? [Any], let index = Int(token), index >= 0, index < array.count {
                current = array[index]
            } else {
                return nil
            }
        }
        return current
    }

    /// The bytes of each element of a JSON array that has already been found valid, cut at the
    /// commas between top-level elements (not inside strings or nested values), trimmed of
    /// whitespace.
    package static func elements(ofArray bytes: [UInt8]) -> [[UInt8]] {
        var elements: [[UInt8]] = []
        var depth = 0
        var inString = false
        var escaped = false
        var start = 0
        func cut(_ end: Int) {
            var a = start, b = end
            while a < b, isSpace(bytes[a]) { a += 1 }
            while b > a, isSpace(bytes[b - 1]) { b -= 1 }
            if a < b { elements.append(Array(bytes[a..<b])) }
        }
        for (i, byte) in bytes.enumerated() {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                if depth == 1 { start = i + 1 }
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                if depth == 1 { cut(i) }
                depth -= 1
            case UInt8(ascii: ",") where depth == 1:
                cut(i)
                start = i + 1
            default: break
            }
        }
        return elements
    }

    private static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 }

    package static func serialize(_ value: Any) -> [UInt8] {
        let data = (try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .withoutEscapingSlashes])) ?? Data()
        return Array(data)
    }
}
