/// Fixed-capacity storage that the hot fold path writes through a pointer.
///
/// Swift arrays check uniqueness on every element write; at millions of writes a second that was
/// most of the fold's cost. An arena is checked once per batch instead (`isKnownUniquelyReferenced`
/// on its owner's reference, which then copies on write), and grows by being replaced with a
/// larger copy, so `base` and `capacity` never change and their reads need no exclusivity checks.
final class Arena<Element>: @unchecked Sendable {
    let base: UnsafeMutablePointer<Element>
    let capacity: Int
    /// Elements initialized from the start; `deinit` releases exactly these.
    var count = 0

    init(capacity: Int) {
        self.capacity = Swift.max(1, capacity)
        base = .allocate(capacity: self.capacity)
    }

    /// A copy with room for `capacity` elements (at least the current count).
    func copy(capacity newCapacity: Int? = nil) -> Arena<Element> {
        let other = Arena(capacity: Swift.max(newCapacity ?? capacity, count))
        other.base.initialize(from: base, count: count)
        other.count = count
        return other
    }

    @inline(__always)
    func append(_ element: Element) {
        precondition(count < capacity)
        (base + count).initialize(to: element)
        count += 1
    }

    @inline(__always)
    subscript(i: Int) -> Element {
        get { base[i] }
        set { base[i] = newValue }
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }
}

extension Arena {
    /// Makes `arena` safe to write: copied if another value shares it, grown to hold `extra` more.
    static func prepare(_ arena: inout Arena<Element>, extra: Int = 0) {
        let needed = arena.count + extra
        if needed > arena.capacity {
            var size = arena.capacity
            while size < needed { size *= 2 }
            arena = arena.copy(capacity: size)
        } else if !isKnownUniquelyReferenced(&arena) {
            arena = arena.copy()
        }
    }
}
