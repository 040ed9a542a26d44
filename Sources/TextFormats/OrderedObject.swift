/// A JSON object under construction: members in the order first seen, a repeated key replacing
/// the earlier value in place (last wins, first position kept). Keys are repaired to valid
/// UTF-8 before they are compared, so two keys that would be written alike are one key.
struct OrderedObject: Sendable {
    indirect enum Value: Sendable {
        /// Text already checked to be a JSON number.
        case number([UInt8])
        /// Any bytes; escaped when written.
        case string([UInt8])
        case bool(Bool)
        case object(OrderedObject)
    }

    private(set) var keys: [[UInt8]] = []
    private(set) var values: [Value] = []
    private var positions: [[UInt8]: Int] = [:]

    var isEmpty: Bool { keys.isEmpty }
    var count: Int { keys.count }

    mutating func set(_ key: [UInt8], _ value: Value) {
        let key = UTF8Check.repaired(key)
        if let at = positions[key] {
            values[at] = value
        } else {
            positions[key] = keys.count
            keys.append(key)
            values.append(value)
        }
    }

    func contains(_ key: [UInt8]) -> Bool { positions[UTF8Check.repaired(key)] != nil }

    func write(into w: inout JSONWriter) {
        w.raw(UInt8(ascii: "{"))
        for k in keys.indices {
            if k > 0 { w.raw(UInt8(ascii: ",")) }
            w.string(keys[k])
            w.raw(UInt8(ascii: ":"))
            switch values[k] {
            case .number(let text): w.raw(text)
            case .string(let text): w.string(text)
            case .bool(let flag): w.raw(flag ? Array("true".utf8) : Array("false".utf8))
            case .object(let object): object.write(into: &w)
            }
        }
        w.raw(UInt8(ascii: "}"))
    }

    var json: [UInt8] {
        var w = JSONWriter(reservingCapacity: 16 * keys.count + 2)
        write(into: &w)
        return w.bytes
    }
}
