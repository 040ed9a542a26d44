import Testing
import TestSupport
@testable import LiveModel

@Suite struct MergePatchTests {
    /// RFC 7386 Appendix A, every case: (original, patch, result).
    static let appendixA: [(String, String, String)] = [
        (#"{"a":"b"}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
        (#"{"a":"b"}"#, #"{"b":"c"}"#, #"{"a":"b","b":"c"}"#),
        (#"{"a":"b"}"#, #"{"a":null}"#, #"{}"#),
        (#"{"a":"b","b":"c"}"#, #"{"a":null}"#, #"{"b":"c"}"#),
        (#"{"a":["b"]}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
        (#"{"a":"c"}"#, #"{"a":["b"]}"#, #"{"a":["b"]}"#),
        (#"{"a":{"b":"c"}}"#, #"{"a":{"b":"d","c":null}}"#, #"{"a":{"b":"d"}}"#),
        (#"{"a":[{"b":"c"}]}"#, #"{"a":[1]}"#, #"{"a":[1]}"#),
        (#"["a","b"]"#, #"["c","d"]"#, #"["c","d"]"#),
        (#"{"a":"b"}"#, #"["c"]"#, #"["c"]"#),
        (#"{"a":"foo"}"#, #"null"#, #"null"#),
        (#"{"a":"foo"}"#, #""bar""#, #""bar""#),
        (#"{"e":null}"#, #"{"a":1}"#, #"{"e":null,"a":1}"#),
        (#"[1,2]"#, #"{"a":"b","c":null}"#, #"{"a":"b"}"#),
        (#"{}"#, #"{"a":{"bb":{"ccc":null}}}"#, #"{"a":{"bb":{}}}"#),
    ]

    @Test(arguments: appendixA)
    func referenceMergeFollowsAppendixA(_ original: String, _ patch: String, _ result: String) throws {
        #expect(try JSONValue(parsing: original).merging(JSONValue(parsing: patch)) == JSONValue(parsing: result))
    }

    @Test(arguments: appendixA)
    func documentFoldFollowsAppendixA(_ original: String, _ patch: String, _ result: String) throws {
        var document = Document(limits: .init(maxNodes: 1000, maxStringBytes: 4096), historyLength: 8)
        try assign(original, to: &document, merge: false)
        try assign(patch, to: &document, merge: true)
        #expect(document.value(of: Document.root) == (try JSONValue(parsing: result)))
    }

    @Test func storeMergesObjectPatchesFromAnEmptyDocument() throws {
        var store = LiveStore()
        store.apply(.messages(MessageBatch(texts: [#"{"a":{"b":1,"c":2}}"#, #"{"a":{"c":null,"d":[1,{"x":"y"}]}}"#, #"{"e":null}"#]),
                              at: Timestamp(seconds: 1)))
        #expect(store.value == (try JSONValue(parsing: #"{"a":{"b":1,"d":[1,{"x":"y"}]}}"#)))
    }

    /// Random documents and patches: the store's in-place fold must agree with the plain
    /// `JSONValue.merging` reference on every step.
    @Test(.offPool) func foldAgreesWithReferenceOnRandomPatches() throws {
        var random = SplitMix(seed: 7386)
        var document = Document(limits: .init(maxNodes: 100_000, maxStringBytes: 4096), historyLength: 4)
        var reference = JSONValue.null
        for step in 0..<2_000 {
            let patch = random.value(depth: 3, objectBias: step % 10 == 9 ? 0.2 : 0.9)
            reference = reference.merging(patch)
            try assign(patch.jsonText, to: &document, merge: true)
            #expect(document.value(of: Document.root) == reference, "step \(step): patch \(patch)")
            if document.value(of: Document.root) != reference { break }
        }
    }

    private func assign(_ text: String, to document: inout Document, merge: Bool) throws {
        let bytes = Array(text.utf8)
        var tape = JSONTape()
        try tape.parse(bytes)
        document.prepareForWriting()
        document.seq += 1
        bytes.withUnsafeBufferPointer { document.assign(Document.root, token: 0, tape: &tape, bytes: $0, merge: merge) }
    }
}

/// A small deterministic generator (SplitMix64) so random tests repeat exactly.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func chance(_ p: Double) -> Bool { Double(next() % 1_000_000) / 1_000_000 < p }

    mutating func value(depth: Int, objectBias: Double = 0.5) -> JSONValue {
        if depth > 0 && chance(objectBias) {
            var o = JSONObject()
            for _ in 0..<below(4) + 1 {
                o["k\(below(6))"] = chance(0.25) ? .null : value(depth: depth - 1, objectBias: 0.5)
            }
            return .object(o)
        }
        switch below(7) {
        case 0: return .int(Int64(below(100)) - 50)
        case 1: return .double(Double(below(1000)) / 8)
        case 2: return .string(["", "a", "same", "a much longer string value than sixteen bytes", "é中"][below(5)])
        case 3: return .bool(chance(0.5))
        case 4 where depth > 0: return .array((0..<below(3)).map { _ in value(depth: depth - 1, objectBias: 0.3) })
        case 5: return .null
        default: return .int(Int64(below(3)))
        }
    }
}
