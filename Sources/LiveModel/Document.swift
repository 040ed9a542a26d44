/// The folded document: a tree of nodes in one arena.
///
/// Object members are found through one open-addressing table keyed by (parent, hash of the key
/// bytes), so folding a message makes no String for a key already seen; array elements are kept in
/// order and paired by position. Every node sits in a least-recently-updated list; a container is
/// always touched after its children, so the list's tail is always a leaf or an empty container,
/// and eviction drops the oldest leaf first.
struct Document: Sendable {
    enum Kind: UInt8 { case null, bool, int, double, string, object, array, free }

    struct Node: Sendable {
        var parent: Int32
        var kind: Kind = .null
        var inTable = false
        var isTruncated = false
        var key: String
        var keyHash: UInt64
        /// The key's first 16 bytes and its length: most keys compare without touching the String.
        var keyWords: (UInt64, UInt64) = (0, 0)
        var keyLength = 0
        /// The same for a string value, to tell an unchanged value without touching the String.
        var stringWords: (UInt64, UInt64) = (0, 0)
        var firstChild: Int32 = -1
        var lastChild: Int32 = -1
        var prevSibling: Int32 = -1
        var nextSibling: Int32 = -1
        var newer: Int32 = -1   // toward the LRU head
        var older: Int32 = -1   // toward the LRU tail
        var childCount: Int32 = 0
        var history: Int32 = -1
        var bits: UInt64 = 0    // int, double or bool
        var string = ""
        var fullLength = -1     // bytes the string had before it was cut; -1 when not a string
        var updated: Int64 = 0  // seq of the message that last changed or confirmed it
        /// Keys evicted from under this node (or refused to it) so far: a panel on it says so.
        var evictedBelow: Int64 = 0
    }

    struct Limits: Sendable {
        var maxNodes: Int
        var maxStringBytes: Int
    }

    static let root: Int32 = 0
    private var arena: Arena<Node>
    /// Node storage; valid until the next node is created. Writable only after `prepareForWriting()`.
    var nodes: UnsafeMutablePointer<Node> { arena.base }
    private var freeNodes: [Int32] = []
    private var table: [Int32]
    private var tableBits = 6
    private var lruHead: Int32 = -1
    private var lruTail: Int32 = -1
    private(set) var liveNodes = 0          // not counting the root
    /// Nodes added or removed so far: while it stands still, every key is where it was, so a
    /// reader that kept keys can look at what was updated instead of reading everything again.
    private(set) var shapeChanges: UInt64 = 0
    private(set) var histories: HistoryRings
    let limits: Limits
    /// Set for each message: the seq nodes are stamped with.
    var seq: Int64 = 0
    /// Set for each batch: the time numeric samples are recorded at (nanoseconds).
    var time: Int64 = 0
    /// Nodes dropped by eviction or because one message held more keys than can be tracked.
    private(set) var evictions: Int64 = 0

    init(limits: Limits, historyLength: Int) {
        self.limits = limits
        histories = HistoryRings(length: historyLength)
        arena = Arena(capacity: 64)
        arena.append(Node(parent: -1, key: "", keyHash: 0))
        while 1 << tableBits < limits.maxNodes * 4 { tableBits += 1 }
        table = Array(repeating: -1, count: 1 << tableBits)
    }

    /// Called before each batch: copies storage that another copy of the store still shares.
    mutating func prepareForWriting() {
        Arena.prepare(&arena)
        histories.prepareForWriting()
    }

    // MARK: Slots

    @inline(__always)
    private func slot(parent: Int32, hash: UInt64) -> Int { Document.slot(parent: parent, hash: hash, tableBits: tableBits) }

    @inline(__always)
    private static func slot(parent: Int32, hash: UInt64, tableBits: Int) -> Int {
        // Fibonacci hashing: short keys are their own bytes, so mix before taking the top bits.
        let h = (hash ^ (UInt64(UInt32(bitPattern: parent)) &* 0xC2B2_AE3D_27D4_EB4F)) &* 0x9E37_79B9_7F4A_7C15
        return Int(truncatingIfNeeded: h >> UInt64(64 - tableBits))
    }

    /// The member `key` of object `parent`, or -1.
    @inline(__always)
    func find(parent: Int32, key: UnsafeBufferPointer<UInt8>, hash: UInt64) -> Int32 {
        Document.find(parent: parent, key: key, hash: hash, table: table, tableBits: tableBits, nodes: nodes)
    }

    /// `find` for the fold, which holds the document `inout`: calling a method of `self` there
    /// copied the whole Document (136 bytes, and a retain and release of each of its arrays) for
    /// every member of every message; this reads only the table and the node storage.
    @inline(__always)
    mutating func findForWriting(parent: Int32, key: UnsafeBufferPointer<UInt8>, hash: UInt64) -> Int32 {
        Document.find(parent: parent, key: key, hash: hash, table: table, tableBits: tableBits, nodes: nodes)
    }

    @inline(__always)
    private static func find(parent: Int32, key: UnsafeBufferPointer<UInt8>, hash: UInt64, table: [Int32], tableBits: Int,
                             nodes: UnsafeMutablePointer<Node>) -> Int32 {
        var s = slot(parent: parent, hash: hash, tableBits: tableBits)
        let mask = table.count - 1
        while true {
            let id = table[s]
            if id < 0 { return -1 }
            if nodes[Int(id)].keyHash == hash && nodes[Int(id)].parent == parent && sameKey(nodes, id, key) { return id }
            s = (s + 1) & mask
        }
    }

    @inline(__always)
    static func sameKey(_ nodes: UnsafeMutablePointer<Node>, _ id: Int32, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
        guard nodes[Int(id)].keyLength == key.count else { return false }
        if key.count <= 8 { return true }  // the hash is the key itself (see JSONTape.hash)
        if key.count <= 16 { return nodes[Int(id)].keyWords == Document.pack(key) }
        return Document.equal(nodes[Int(id)].key, key)
    }

    /// The first 16 bytes of `bytes`, zero-padded, as two words.
    @inline(__always)
    static func pack(_ bytes: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64) {
        guard let p = bytes.baseAddress else { return (0, 0) }
        let n = bytes.count
        @inline(__always) func word(_ from: Int) -> UInt64 {
            if from + 8 <= n { return UnsafeRawPointer(p + from).loadUnaligned(as: UInt64.self) }
            var w: UInt64 = 0
            var shift: UInt64 = 0
            var i = from
            while i < n {
                w |= UInt64(p[i]) << shift
                shift += 8
                i += 1
            }
            return w
        }
        return (word(0), word(8))
    }

    static func equal(_ s: String, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        s.utf8.withContiguousStorageIfAvailable { $0.count == bytes.count && (bytes.count == 0 || memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0) }
            ?? s.utf8.elementsEqual(bytes)
    }

    private mutating func insertSlot(_ id: Int32) {
        let mask = table.count - 1
        var s = slot(parent: nodes[Int(id)].parent, hash: nodes[Int(id)].keyHash)
        while table[s] >= 0 { s = (s + 1) & mask }
        table[s] = id
        nodes[Int(id)].inTable = true
    }

    /// Removes a node from the table by backward-shift deletion (no tombstones, so lookups stay short).
    private mutating func removeSlot(_ id: Int32) {
        let mask = table.count - 1
        var s = slot(parent: nodes[Int(id)].parent, hash: nodes[Int(id)].keyHash)
        while table[s] != id { s = (s + 1) & mask }
        var hole = s
        var next = (s + 1) & mask
        while table[next] >= 0 {
            let home = slot(parent: nodes[Int(table[next])].parent, hash: nodes[Int(table[next])].keyHash)
            // Move the entry back into the hole if its home is not between the hole and it.
            let distanceFromHome = (next - home) & mask
            let distanceFromHole = (next - hole) & mask
            if distanceFromHome >= distanceFromHole {
                table[hole] = table[next]
                hole = next
            }
            next = (next + 1) & mask
        }
        table[hole] = -1
        nodes[Int(id)].inTable = false
    }

    // MARK: Tree

    /// Adds a child at the end of `parent`'s children; `hash` nil means an array element (not in the table).
    mutating func addChild(_ parent: Int32, key: String, hash: UInt64?) -> Int32 {
        let id: Int32
        var node = Node(parent: parent, key: key, keyHash: hash ?? 0)
        var key = key
        key.withUTF8 {
            node.keyLength = $0.count
            node.keyWords = Document.pack($0)
        }
        if let reused = freeNodes.popLast() {
            id = reused
            nodes[Int(id)] = node
        } else {
            id = Int32(arena.count)
            if arena.count == arena.capacity { arena = arena.copy(capacity: arena.capacity * 2) }
            arena.append(node)
        }
        let last = nodes[Int(parent)].lastChild
        nodes[Int(id)].prevSibling = last
        if last >= 0 { nodes[Int(last)].nextSibling = id } else { nodes[Int(parent)].firstChild = id }
        nodes[Int(parent)].lastChild = id
        nodes[Int(parent)].childCount += 1
        if hash != nil {
            if table.count < (liveNodes + 1) * 2 { growTable() }
            insertSlot(id)
        }
        liveNodes += 1
        shapeChanges &+= 1
        linkHead(id)
        return id
    }

    private mutating func growTable() {
        tableBits += 1
        table = Array(repeating: -1, count: 1 << tableBits)
        for i in 1..<arena.count where nodes[i].inTable && nodes[i].kind != .free {
            nodes[i].inTable = false
            insertSlot(Int32(i))
        }
    }

    /// Removes a node and everything under it.
    mutating func remove(_ id: Int32) {
        precondition(id != Document.root)
        clearChildren(id)
        let n = nodes[Int(id)]
        if n.inTable { removeSlot(id) }
        if n.prevSibling >= 0 { nodes[Int(n.prevSibling)].nextSibling = n.nextSibling } else { nodes[Int(n.parent)].firstChild = n.nextSibling }
        if n.nextSibling >= 0 { nodes[Int(n.nextSibling)].prevSibling = n.prevSibling } else { nodes[Int(n.parent)].lastChild = n.prevSibling }
        nodes[Int(n.parent)].childCount -= 1
        unlink(id)
        if n.history >= 0 { histories.release(n.history) }
        nodes[Int(id)] = Node(parent: -1, kind: .free, key: "", keyHash: 0)
        freeNodes.append(id)
        liveNodes -= 1
        shapeChanges &+= 1
    }

    mutating func clearChildren(_ id: Int32) {
        while nodes[Int(id)].lastChild >= 0 { remove(nodes[Int(id)].lastChild) }
    }

    // MARK: Least recently updated

    @inline(__always)
    private mutating func linkHead(_ id: Int32) {
        nodes[Int(id)].older = lruHead
        nodes[Int(id)].newer = -1
        if lruHead >= 0 { nodes[Int(lruHead)].newer = id } else { lruTail = id }
        lruHead = id
    }

    @inline(__always)
    private mutating func unlink(_ id: Int32) {
        let n = nodes[Int(id)]
        if n.newer >= 0 { nodes[Int(n.newer)].older = n.older } else { lruHead = n.older }
        if n.older >= 0 { nodes[Int(n.older)].newer = n.newer } else { lruTail = n.newer }
    }

    /// Marks a node as updated by the current message.
    @inline(__always)
    mutating func touch(_ id: Int32) {
        nodes[Int(id)].updated = seq
        guard id != Document.root, lruHead != id else { return }
        unlink(id)
        linkHead(id)
    }

    /// The children of `parent` with something in them updated by a message after `seq`, each
    /// once, newest first; nil when more than `limit` nodes were updated since (the caller reads
    /// everything instead). The walk starts at the newest end of the least-recently-updated list
    /// and stops at the first node `seq` already covered: it costs what changed, not the size.
    func childrenUpdated(of parent: Int32, after seq: Int64, limit: Int) -> [Int32]? {
        var found: [Int32] = []
        var seen = Set<Int32>()
        var id = lruHead
        var walked = 0
        while id >= 0, nodes[Int(id)].updated > seq {
            walked += 1
            if walked > limit { return nil }
            var child = id
            while child >= 0, nodes[Int(child)].parent != parent { child = nodes[Int(child)].parent }
            if child >= 0, seen.insert(child).inserted { found.append(child) }
            id = nodes[Int(id)].older
        }
        return found
    }

    /// Evicts least recently updated leaves until at most `maxNodes` are tracked.
    mutating func evictToLimit() {
        while liveNodes > limits.maxNodes, lruTail >= 0 {
            let parent = nodes[Int(lruTail)].parent
            remove(lruTail)
            countEviction(under: parent)
        }
    }

    /// Evicts the least recently updated child of `parent` (an upsert row) with all it holds.
    mutating func evictOldestChild(of parent: Int32) {
        var id = lruTail
        while id >= 0 && nodes[Int(id)].parent != parent { id = nodes[Int(id)].newer }
        if id >= 0 {
            remove(id)
            countEviction(under: parent)
        }
    }

    /// Counts one eviction in the total and on `parent` and each of its ancestors, so a panel
    /// anywhere above the lost key can say its data is incomplete (docs/layouts.md).
    private mutating func countEviction(under parent: Int32) {
        evictions += 1
        var id = parent
        while id >= 0 {
            nodes[Int(id)].evictedBelow += 1
            id = nodes[Int(id)].parent
        }
    }

    /// Whether one more node can be made for the current message. A single message that holds more
    /// keys than can be tracked keeps the first ones, and the rest count as evictions.
    @inline(__always)
    mutating func canGrow(under parent: Int32) -> Bool {
        if liveNodes < limits.maxNodes * 2 { return true }
        countEviction(under: parent)
        return false
    }

    // MARK: Assigning values

    /// Makes node `id` hold the value at `t`. With `merge`, an object value is an RFC 7386 merge
    /// patch (null members delete); otherwise the node becomes exactly the value.
    mutating func assign(_ id: Int32, token t: Int, tape: inout JSONTape, bytes: UnsafeBufferPointer<UInt8>, merge: Bool) {
        let token = tape[t]
        switch token.kind {
        case .object:
            if nodes[Int(id)].kind != .object { becomeContainer(id, .object) }
            if !merge { removeMembersMissing(from: id, object: t, tape: &tape, bytes: bytes) }
            var k = t + 1
            let end = Int(token.end)
            // The member after the last one found: a feed's messages mostly repeat their members
            // in the order they were first seen, so the next key is usually this node's, found
            // without a probe of the (large, randomly read) key table.
            var expected = nodes[Int(id)].firstChild
            while k < end {
                let value = k + 1
                let next = Int(tape[value].end)
                defer { k = next }
                guard tape[k].kind == .key else { continue }  // shadowed by a later duplicate
                let hash = tape[k].bits
                var child: Int32 = -1
                if let key = tape.literalBytes(k, in: bytes) {
                    if expected >= 0 && nodes[Int(expected)].keyHash == hash && Document.sameKey(nodes, expected, key) {
                        child = expected
                    } else {
                        child = findForWriting(parent: id, key: key, hash: hash)
                    }
                } else {
                    child = tape.withStringBytes(k, in: bytes) { key in findForWriting(parent: id, key: key, hash: hash) }
                }
                // Taken before `child` may be removed below.
                if child >= 0 { expected = nodes[Int(child)].nextSibling }
                if merge && tape[value].kind == .null {
                    if child >= 0 { remove(child) }
                    continue
                }
                var target = child
                if target < 0 {
                    guard canGrow(under: id) else { continue }
                    target = addChild(id, key: tape.string(k, in: bytes), hash: hash)
                }
                assign(target, token: value, tape: &tape, bytes: bytes, merge: merge)
            }
        case .array:
            if nodes[Int(id)].kind != .array { becomeContainer(id, .array) }
            var child = nodes[Int(id)].firstChild
            var e = t + 1
            let end = Int(token.end)
            while e < end {
                if child < 0 {
                    guard canGrow(under: id) else { break }
                    child = addChild(id, key: "", hash: nil)
                }
                assign(child, token: e, tape: &tape, bytes: bytes, merge: false)
                child = nodes[Int(child)].nextSibling
                e = Int(tape[e].end)
            }
            while child >= 0 {
                let next = nodes[Int(child)].nextSibling
                remove(child)
                child = next
            }
        case .string, .key, .shadowedKey:
            becomeLeaf(id, .string)
            tape.withStringBytes(t, in: bytes) { setString(id, $0) }
        case .int:
            becomeLeaf(id, .int)
            nodes[Int(id)].bits = token.bits
            record(Double(token.intValue), in: id)
        case .double:
            becomeLeaf(id, .double)
            nodes[Int(id)].bits = token.bits
            record(token.doubleValue, in: id)
        case .true, .false:
            becomeLeaf(id, .bool)
            nodes[Int(id)].bits = token.kind == .true ? 1 : 0
        case .null:
            becomeLeaf(id, .null)
        }
        touch(id)
    }

    private mutating func removeMembersMissing(from id: Int32, object t: Int, tape: inout JSONTape, bytes: UnsafeBufferPointer<UInt8>) {
        var child = nodes[Int(id)].firstChild
        while child >= 0 {
            let next = nodes[Int(child)].nextSibling
            var key = nodes[Int(child)].key
            let found = key.withUTF8 { keyBytes in
                var k = t + 1
                let end = Int(tape[t].end)
                while k < end {
                    if tape[k].kind == .key && tape[k].bits == nodes[Int(child)].keyHash {
                        if tape.withStringBytes(k, in: bytes, { $0.elementsEqual(keyBytes) }) { return true }
                    }
                    k = Int(tape[k + 1].end)
                }
                return false
            }
            if !found { remove(child) }
            child = next
        }
    }

    /// Makes the node an object unless it is one already.
    mutating func makeObject(_ id: Int32) {
        if nodes[Int(id)].kind != .object { becomeContainer(id, .object) }
    }

    @inline(__always)
    private mutating func becomeContainer(_ id: Int32, _ kind: Kind) {
        clearChildren(id)
        dropScalar(id)
        nodes[Int(id)].kind = kind
    }

    @inline(__always)
    private mutating func becomeLeaf(_ id: Int32, _ kind: Kind) {
        let current = nodes[Int(id)].kind
        if current == kind { return }
        if current == .object || current == .array { clearChildren(id) }
        if kind != .int && kind != .double { dropScalar(id) }
        if kind != .string {
            nodes[Int(id)].string = ""
            nodes[Int(id)].fullLength = -1
        }
        nodes[Int(id)].kind = kind
    }

    private mutating func dropScalar(_ id: Int32) {
        if nodes[Int(id)].history >= 0 {
            histories.release(nodes[Int(id)].history)
            nodes[Int(id)].history = -1
        }
        // The length and words describe the string kept: they go with it, or the same string
        // arriving later would look unchanged and stay empty.
        nodes[Int(id)].string = ""
        nodes[Int(id)].fullLength = -1
    }

    @inline(__always)
    private mutating func record(_ value: Double, in id: Int32) {
        var slot = nodes[Int(id)].history
        if slot < 0 {
            slot = histories.allocate()
            nodes[Int(id)].history = slot
        }
        histories.record(value, at: time, in: slot)
    }

    /// Stores a string value; an unchanged value costs a comparison and no allocation.
    @inline(__always)
    private mutating func setString(_ id: Int32, _ value: UnsafeBufferPointer<UInt8>) {
        let words = Document.pack(value)
        if nodes[Int(id)].fullLength == value.count && nodes[Int(id)].stringWords == words {
            if value.count <= 16 { return }
            let kept = nodes[Int(id)].isTruncated ? min(value.count, limits.maxStringBytes) : value.count
            if Document.equal(nodes[Int(id)].string, UnsafeBufferPointer(rebasing: value[0..<kept])) { return }
        }
        nodes[Int(id)].stringWords = words
        var keep = min(value.count, limits.maxStringBytes)
        while keep < value.count && keep > 0 && value[keep] & 0xC0 == 0x80 { keep -= 1 }  // whole characters only
        nodes[Int(id)].string = String(decoding: UnsafeBufferPointer(rebasing: value[0..<keep]), as: UTF8.self)
        nodes[Int(id)].fullLength = value.count
        nodes[Int(id)].isTruncated = keep < value.count
    }

    // MARK: Reading

    func value(of id: Int32) -> JSONValue {
        let n = nodes[Int(id)]
        switch n.kind {
        case .null, .free: return .null
        case .bool: return .bool(n.bits != 0)
        case .int: return .int(Int64(bitPattern: n.bits))
        case .double: return .double(Double(bitPattern: n.bits))
        case .string: return .string(n.string)
        case .array:
            var items: [JSONValue] = []
            var c = n.firstChild
            while c >= 0 { items.append(value(of: c)); c = nodes[Int(c)].nextSibling }
            return .array(items)
        case .object:
            var o = JSONObject()
            var c = n.firstChild
            while c >= 0 { o[nodes[Int(c)].key] = value(of: c); c = nodes[Int(c)].nextSibling }
            return .object(o)
        }
    }

    func children(of id: Int32) -> [Int32] {
        var out: [Int32] = []
        var c = nodes[Int(id)].firstChild
        while c >= 0 { out.append(c); c = nodes[Int(c)].nextSibling }
        return out
    }

    /// The node a pointer designates, or nil.
    func node(at pointer: JSONPointer) -> Int32? {
        let (id, matched) = deepestNode(at: pointer)
        return matched == pointer.tokens.count ? id : nil
    }

    /// Keys evicted from under the node at `pointer`; when that node is gone itself, those under
    /// the deepest ancestor still there (which then counts the node's own loss too).
    func evictions(under pointer: JSONPointer) -> Int64 {
        nodes[Int(deepestNode(at: pointer).id)].evictedBelow
    }

    /// The node at the longest prefix of `pointer` that exists, and how many tokens it matched.
    private func deepestNode(at pointer: JSONPointer) -> (id: Int32, matched: Int) {
        var id = Document.root
        var matched = 0
        for token in pointer.tokens {
            switch nodes[Int(id)].kind {
            case .object:
                var bytes = Array(token.utf8)
                let h = bytes.withUnsafeBufferPointer { JSONTape.hash($0) }
                let found = bytes.withUnsafeBufferPointer { find(parent: id, key: $0, hash: h) }
                bytes.removeAll()
                guard found >= 0 else { return (id, matched) }
                id = found
            case .array:
                guard let i = JSONPointer.arrayIndex(token), i < Int(nodes[Int(id)].childCount) else { return (id, matched) }
                var c = nodes[Int(id)].firstChild
                for _ in 0..<i { c = nodes[Int(c)].nextSibling }
                id = c
            default:
                return (id, matched)
            }
            matched += 1
        }
        return (id, matched)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
