import LiveModel
import Testing
@testable import livetop

/// Pointer patterns in layouts: `*` for every key at a level, and Prometheus label selectors.
struct PointerPatternTests {
    static func store(_ json: String) -> LiveStore {
        var store = LiveStore()
        store.apply(.messages(MessageBatch(texts: [json]), at: Timestamp(seconds: 1)))
        return store
    }

    static let scrape = store(#"""
        {"node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"}":10,"node_cpu_seconds_total{cpu=\"0\",mode=\"user\"}":3,
         "node_cpu_seconds_total{cpu=\"1\",mode=\"idle\"}":11,"node_cpu_seconds_total_extra{mode=\"idle\"}":1,
         "node_filesystem_avail_bytes{device=\"/dev/vda\",mountpoint=\"/\",label=\"a,b\"}":5,"node_load1":0.5}
        """#)

    @Test(arguments: [
        (#"/node_cpu_seconds_total{mode="idle"}"#, [#"node_cpu_seconds_total{cpu="0",mode="idle"}"#, #"node_cpu_seconds_total{cpu="1",mode="idle"}"#]),
        (#"/node_cpu_seconds_total{cpu="0",mode="user"}"#, [#"node_cpu_seconds_total{cpu="0",mode="user"}"#]),
        (#"/node_cpu_seconds_total{mode="steal"}"#, []),
        (#"/node_filesystem_avail_bytes{label="a,b"}"#, [#"node_filesystem_avail_bytes{device="/dev/vda",mountpoint="/",label="a,b"}"#]),
        ("/node_load1", ["node_load1"]),
    ])
    func aLabelSelectorMatchesEverySampleWithThoseLabels(_ text: String, _ keys: [String]) throws {
        let pattern = try #require(PointerPattern(text.replacingOccurrences(of: "/dev/vda", with: "~1dev~1vda")))
        #expect(pattern.expand(in: Self.scrape).map { $0.tokens.last ?? "" } == keys)
    }

    @Test func keysThatAreNotSamplesStayKeys() throws {
        let pattern = try #require(PointerPattern("/services/{odd}/x"))
        #expect(!pattern.hasWildcard)
    }
}
