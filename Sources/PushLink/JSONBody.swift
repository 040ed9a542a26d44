import Foundation

/// JSON for long-poll response bodies: finding the messages and the cursor in them.
/// PushLink does not know LiveModel (whose parser is the fast one); bodies arrive one HTTP round
/// trip at a time, so Foundation's parser is not what limits a long-poll feed.
enum JSONBody {
    static func parse(_ bytes: [UInt8]) -> Any? {
        try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
    }

    /// The value at an RFC 6901 pointer, or nil.
    static func value(at pointer: String, in root: Any) -> Any? {
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

    static func serialize(_ value: Any) -> [UInt8] {
        let data = (try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .withoutEscapingSlashes])) ?? Data()
        return Array(data)
    }
}
