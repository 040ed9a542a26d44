import Foundation
import LiveModel

/// The content types that are streamed JSON: with `--transport auto`, an answer with one of them
/// moves the link to the stream transport (docs/transports.md). Pure, so `TransportPlan` can judge
/// an answer without the HTTP client.
package enum StreamContentType {
    package static let all = ["application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines",
                              "application/json-seq"]

    /// `contentType` (parameters such as `; charset=utf-8` ignored) is one of `all`.
    package static func matches(_ contentType: String) -> Bool {
        let type = contentType.lowercased().split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        return all.contains(type)
    }
}

extension LinkError {
    /// The answer to an event-stream request was streamed JSON instead (NDJSON, JSON lines, json-seq).
    public var isJSONStream: Bool {
        guard case .notEventStream(let status, let type) = kind else { return false }
        return (200..<300).contains(status) && StreamContentType.matches(type)
    }
}
