/// Hands out names so none repeats: the second `a` becomes `a_2`, the third `a_3`, skipping any
/// suffixed name already taken (`a a_2 a` → `a`, `a_2`, `a_3`). Names are repaired to valid
/// UTF-8 first, as `OrderedObject` compares them. Each claim costs about one hash lookup.
struct UniqueNames: Sendable {
    private var used: Set<[UInt8]> = []
    private var nextSuffix: [[UInt8]: Int] = [:]

    mutating func claim(_ name: [UInt8]) -> [UInt8] {
        let name = UTF8Check.repaired(name)
        if used.insert(name).inserted { return name }
        var k = nextSuffix[name] ?? 2
        while true {
            let candidate = name + Array("_\(k)".utf8)
            k += 1
            if used.insert(candidate).inserted {
                nextSuffix[name] = k
                return candidate
            }
        }
    }
}
