import Foundation
import FuzzDriver
@testable import LinkWire

/// Long-poll response bodies through `PollCursor` with each cursor convention, and the JSON body
/// helpers directly: the elements cut out of a JSON array are exactly that array's elements,
/// each valid JSON on its own; a cursor from the body makes a request target.
@main
enum PollBodyFuzz {
    static let cursors: [PollCursor] = [
        PollCursor(),
        PollCursor(convention: .query(name: "since", from: .body("/last_seq"))),
        PollCursor(convention: .query(name: "i", from: .body("/a/0/~1b"))),
        PollCursor(items: "/items"),
    ]

    static func main() {
        FuzzDriver.run { data, count in
            let body = Array(FuzzDriver.bytes(data, count))
            for var cursor in PollBodyFuzz.cursors {
                switch cursor.response(status: 200, header: { _ in nil }, body: body) {
                case .messages(let messages):
                    guard !messages.isEmpty else { fatalError("an empty list of messages") }
                case .nothingNew: break
                default: fatalError("a 200 answer that is not messages or nothing")
                }
                _ = cursor.request(target: "/poll?since=1&x")
                cursor.streamed(body)
                _ = cursor.request(target: "/poll")
            }
            if let array = JSONBody.parse(body) as? [Any] {
                let elements = JSONBody.elements(ofArray: body)
                guard elements.count == array.count else {
                    fatalError("\(elements.count) elements cut from an array of \(array.count)")
                }
                for element in elements where JSONBody.parse(element) == nil {
                    fatalError("an element that is not JSON: \(String(decoding: element, as: UTF8.self).debugDescription)")
                }
            }
            return 0
        }
    }
}
