import Testing
@testable import LiveModel

@Suite struct JSONPointerTests {
    /// The document of RFC 6901 §5.
    static let document: JSONValue = try! JSONValue(parsing: """
        {"foo": ["bar", "baz"], "": 0, "a/b": 1, "c%d": 2, "e^f": 3, "g|h": 4, "i\\\\j": 5,
         "k\\"l": 6, " ": 7, "m~n": 8}
        """)

    @Test(arguments: [
        ("", JSONPointerTests.document),
        ("/foo", ["bar", "baz"]),
        ("/foo/0", "bar"),
        ("/", 0),
        ("/a~1b", 1),
        ("/c%d", 2),
        ("/e^f", 3),
        ("/g|h", 4),
        ("/i\\j", 5),
        ("/k\"l", 6),
        ("/ ", 7),
        ("/m~0n", 8),
    ] as [(String, JSONValue)])
    func rfc6901Examples(_ pointer: String, _ expected: JSONValue) throws {
        let p = try #require(JSONPointer(pointer))
        #expect(JSONPointerTests.document[p] == expected)
        #expect(p.description == pointer)
    }

    @Test func theSameExamplesResolveOnTheTape() throws {
        let bytes = Array(JSONPointerTests.document.jsonText.utf8)
        var tape = JSONTape()
        try tape.parse(bytes)
        for (pointer, expected) in [("/foo/1", JSONValue.string("baz")), ("/m~0n", 8), ("/a~1b", 1), ("/", 0)] {
            let index = bytes.withUnsafeBufferPointer { tape.resolve(JSONPointer(pointer)!, in: $0) }
            let found = try #require(index)
            #expect(bytes.withUnsafeBufferPointer { tape.value(at: found, in: $0) } == expected)
        }
        #expect(bytes.withUnsafeBufferPointer { tape.resolve(JSONPointer("/foo/2")!, in: $0) } == nil)
        #expect(bytes.withUnsafeBufferPointer { tape.resolve(JSONPointer("/nope")!, in: $0) } == nil)
    }

    @Test(arguments: ["foo", "/a~2", "/a~", "~1"])
    func rejectsMalformedPointers(_ text: String) {
        #expect(JSONPointer(text) == nil)
    }

    @Test func arrayIndicesFollowTheRFC() {
        let doc: JSONValue = ["a": [10, 20]]
        #expect(doc[JSONPointer("/a/1")!] == 20)
        #expect(doc[JSONPointer("/a/01")!] == nil)  // leading zeros are not indices
        #expect(doc[JSONPointer("/a/-")!] == nil)
        #expect(doc[JSONPointer("/a/2")!] == nil)
    }
}
