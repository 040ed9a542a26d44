import FuzzDriver
@testable import LiveModel

/// The JSON parser and the fold: the input is one message, and also (split at newlines) a batch
/// of messages, folded by every fold rule into stores with small limits so that eviction,
/// truncation and row limits run on almost every input, and again with livetop's parser and
/// string limits, where the result must equal a fold of whole JSONValues. What comes out must
/// be JSON again.
@main
enum JSONFoldFuzz {
    static let rules: [FoldRule] = [.merge, .replace, .append, .upsert(JSONPointer("/id")!)]

    static func main() {
        FuzzDriver.run { data, count in
            let input = FuzzDriver.bytes(data, count)
            JSONFoldFuzz.roundTrip(input)
            var batch = MessageBatch()
            batch.append(text: input)
            let lines = input.split(separator: 0x0A, omittingEmptySubsequences: false)
            if lines.count > 1 { for line in lines { batch.append(text: line) } }
            // Selecting `/data` for half the inputs.
            let select = (input.first ?? 0) & 1 == 1 ? JSONPointer("/data") : nil
            for fold in JSONFoldFuzz.rules { JSONFoldFuzz.check(fold: fold, select: select, small: true, batch: batch) }
            for fold in [FoldRule.merge, .replace, .append, JSONFoldFuzz.rules[3]] {
                let store = JSONFoldFuzz.check(fold: fold, select: select, small: false, batch: batch)
                // With nothing truncated or evicted, the store must hold what RFC 7386 (merge), the
                // last message (replace) or merged rows (upsert) say, computed on JSONValues.
                if input.count < store.configuration.maxStringBytes && store.stats.evictions == 0 {
                    guard let expected = JSONFoldFuzz.reference(fold: fold, select: select, batch: batch) else { continue }
                    guard store.value == expected else {
                        JSONFoldFuzz.fail("\(fold) folded to \(store.value.jsonText), not \(expected.jsonText)", [])
                    }
                }
            }
            return 0
        }
    }

    /// A message that parses writes itself compact; that text parses to the same value and
    /// compacts to itself.
    static func roundTrip(_ input: UnsafeBufferPointer<UInt8>) {
        var tape = JSONTape()
        do { try tape.parse(input) } catch { return }
        let value = tape.value(in: input)
        var compact: [UInt8] = []
        tape.writeCompact(in: input, into: &compact)
        var again = JSONTape()
        guard (try? again.parse(compact)) != nil else { fail("compact form does not parse", compact) }
        compact.withUnsafeBufferPointer { c in
            guard again.value(in: c) == value else { fail("compact form parses to another value", compact) }
            var twice: [UInt8] = []
            again.writeCompact(in: c, into: &twice)
            guard twice == compact else { fail("compacting twice changes the text", twice) }
        }
        var written: [UInt8] = []
        value.write(into: &written)
        guard (try? JSONValue(parsing: written)) == value else { fail("JSONValue.write does not parse back to the value", written) }
    }

    /// The document a fold should give, from whole JSONValues: every batch is applied twice. Nil
    /// for upsert rows keyed by numbers or booleans (keyed by their text, which a JSONValue lost).
    static func reference(fold: FoldRule, select: JSONPointer?, batch: MessageBatch) -> JSONValue? {
        var document = JSONValue.null
        for _ in 0..<2 {
            for frame in batch.messages {
                guard var value = try? JSONValue(parsing: Array(batch.bytes[frame.offset..<(frame.offset + frame.length)])) else { continue }
                if let select {
                    guard let selected = value[select] else { continue }
                    value = selected
                }
                switch fold {
                case .merge: document = document.merging(value)
                case .replace: document = value
                case .append: break
                case .upsert(let pointer):
                    switch value[pointer] {
                    case .string(let key)?:
                        var rows = document.objectValue ?? JSONObject()
                        rows[key] = (rows[key] ?? .null).merging(value)
                        document = .object(rows)
                    case .int?, .double?, .bool?: return nil
                    default: continue
                    }
                }
            }
        }
        return document
    }

    @discardableResult
    static func check(fold: FoldRule, select: JSONPointer?, small: Bool, batch: MessageBatch) -> LiveStore {
        var configuration = LiveStore.Configuration(fold: fold, select: select)
        if small {
            configuration.historyLength = 4
            configuration.logLength = 4
            configuration.maxLogEntryBytes = 24
            configuration.maxKeys = 16
            configuration.maxRows = 3
            configuration.maxStringBytes = 5
            configuration.limits = JSONLimits(maxDepth: 16, maxStringBytes: 256, maxMessageBytes: 1 << 16)
        } else {
            // livetop's limits, except those whose tables would cost more to set up than the fold.
            configuration.maxKeys = 1024
            configuration.logLength = 16
        }
        var store = LiveStore(configuration)
        store.apply(.messages(batch, at: Timestamp(seconds: 1_700_000_000)))
        store.apply(.messages(batch, at: Timestamp(seconds: 1_700_000_001)))
        guard store.stats.messages == Int64(2 * batch.count) else { fail("messages miscounted", []) }
        guard store.log.count <= configuration.logLength else { fail("log over its bound", []) }
        guard store.rows.count <= configuration.maxRows else { fail("rows over their bound", []) }
        guard store.trackedKeys <= 2 * configuration.maxKeys else { fail("keys over their bound", []) }
        var written: [UInt8] = []
        store.value.write(into: &written)
        guard (try? JSONValue(parsing: written)) != nil else { fail("the folded document is not JSON", written) }
        for entry in store.log.all { _ = entry.content }
        for key in store.childKeys(at: JSONPointer(tokens: [])) ?? [] {
            _ = store.value(at: JSONPointer(tokens: [key]))
            _ = store.history(at: JSONPointer(tokens: [key]))
        }
        return store
    }

    static func fail(_ why: String, _ bytes: [UInt8]) -> Never {
        fatalError("\(why): \(String(decoding: bytes.prefix(200), as: UTF8.self).debugDescription)")
    }
}
