/// Whitespace tables under a header line — `vmstat`, `iostat -x`, `df -P`, `ps`, `free` — one
/// line at a time, remembering the header.
///
/// Headers. Within a section (the lines after a blank line, or the start), lines with no field
/// that is a number are header candidates until the first data row; the last candidate is the
/// header (vmstat's `procs ---memory---` gives way to `r b swpd ...`). Every candidate is
/// remembered, so when one comes again later (vmstat without `-n`, iostat's next report) it is
/// skipped and the table is back at its header. In a document (`firstLineIsHeader`) the first
/// line of each section is a candidate even if it holds numbers, and a section with no line
/// holding a number takes its first line as the header and the others as rows.
///
/// Fields. A header whose first token ends with `:` (iostat's `avg-cpu:`) names its section; the
/// other tokens are the columns. A header with more columns than a row joins its trailing
/// names into one (`df -P`: `Mounted on`); a row with more fields than the header joins its
/// trailing fields, as written, into the last column (ps's COMMAND with its arguments). When the
/// first data row has exactly one field more than the header and that field ends with `:`
/// (`free`'s `Mem:`), the header is labelled: rows starting with `name:` are keyed by the name
/// and fill the columns from the left (`Swap:` has three). Repeated column names get `_2`, `_3`.
/// Fields that are JSON numbers become numbers, all others strings.
struct ColumnTable: Sendable {
    struct Header: Sendable {
        /// Its section's name (`avg-cpu`), from a first token ending with `:`.
        var section: [UInt8]?
        /// The column names, unique.
        var names: [[UInt8]]
        /// The header line and its column tokens (after the section name), for joined names.
        var line: [UInt8]
        var columns: [Range<Int>]
        /// Decided by the first data row: rows start with a `name:` label the header lacks.
        var labelled: Bool?
    }

    struct Row: Sendable {
        var section: [UInt8]?
        /// `Mem` for free's `Mem:` row.
        var label: [UInt8]?
        var names: [[UInt8]]
        var values: [OrderedObject.Value]
        var firstText: [UInt8]
        var firstIsNumber: Bool

        /// The fields from `start` on, as members.
        func members(from start: Int) -> OrderedObject {
            var object = OrderedObject()
            for k in start..<min(names.count, values.count) { object.set(names[k], values[k]) }
            return object
        }
    }

    enum Outcome {
        case skip
        case text
        /// A blank line; in a document, the section it ends when that section had no data rows
        /// but two lines or more (its first line the header, the others rows).
        case blank([Row])
        case row(Row)
    }

    let limits: TextLimits
    let firstLineIsHeader: Bool
    /// Counts the sections that have had data rows: it changes when rows start under a header
    /// again (after a blank line or a repeated header), so row keys can be told apart per section.
    private(set) var section = 0
    private var header: Header?
    private var inHeaderZone = true
    /// Candidate lines since the header zone began: only the last in line mode; all of them in a
    /// document, for the fallback.
    private var candidates: [[UInt8]] = []
    private var sawDataRowInSection = false
    private var remembered: [[UInt8]] = []
    private var rememberedSet: Set<[UInt8]> = []

    init(limits: TextLimits, firstLineIsHeader: Bool) {
        self.limits = limits
        self.firstLineIsHeader = firstLineIsHeader
    }

    @inline(__always)
    static func isSpace(_ c: UInt8) -> Bool {
        c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\r") || c == 0x0B || c == 0x0C
    }

    static func tokens(_ line: [UInt8]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var i = 0
        let n = line.count
        while i < n {
            while i < n && isSpace(line[i]) { i += 1 }
            if i == n { break }
            let start = i
            while i < n && !isSpace(line[i]) { i += 1 }
            out.append(start..<i)
        }
        return out
    }

    private static func isNumber(_ line: [UInt8], _ range: Range<Int>) -> Bool {
        line.withUnsafeBufferPointer { JSONValidator.isFiniteNumber(UnsafeBufferPointer(rebasing: $0[range])) }
    }

    private static func endsWithColon(_ line: [UInt8], _ range: Range<Int>) -> Bool {
        range.count > 1 && line[range.upperBound - 1] == UInt8(ascii: ":")
    }

    mutating func line(_ line: [UInt8]) -> Outcome {
        guard line.count <= limits.maxLineBytes else { return .text }
        let tokens = Self.tokens(line)
        if tokens.isEmpty {
            var fallback: [Row] = []
            if firstLineIsHeader && !sawDataRowInSection && candidates.count >= 2 {
                fallback = sectionWithoutNumbers()
            }
            inHeaderZone = true
            candidates = []
            sawDataRowInSection = false
            return .blank(fallback)
        }
        let shape = Array(line[tokens[0].lowerBound..<tokens[tokens.count - 1].upperBound])
        if rememberedSet.contains(shape) {
            inHeaderZone = true
            addCandidate(line)
            return .skip
        }
        if inHeaderZone && (!tokens.contains { Self.isNumber(line, $0) } || (firstLineIsHeader && candidates.isEmpty)) {
            guard tokens.count <= limits.maxColumns + 1 else { return .text }
            addCandidate(line)
            remember(shape)
            return .skip
        }
        if inHeaderZone {
            if let last = candidates.last { header = Self.header(last) }
            inHeaderZone = false
            candidates = []
            section += 1
        }
        sawDataRowInSection = true
        guard header != nil else { return .text }
        return .row(makeRow(line, tokens))
    }

    /// The end of a document: as a blank line would.
    mutating func finish() -> [Row] {
        if case .blank(let rows) = line([]) { return rows }
        return []
    }

    private mutating func addCandidate(_ line: [UInt8]) {
        if firstLineIsHeader { candidates.append(line) } else { candidates = [line] }
    }

    private mutating func remember(_ shape: [UInt8]) {
        guard rememberedSet.insert(shape).inserted else { return }
        remembered.append(shape)
        if remembered.count > limits.maxRememberedHeaders {
            rememberedSet.remove(remembered.removeFirst())
        }
    }

    private mutating func sectionWithoutNumbers() -> [Row] {
        header = Self.header(candidates[0])
        section += 1
        return candidates.dropFirst().map { makeRow($0, Self.tokens($0)) }
    }

    private static func header(_ line: [UInt8]) -> Header {
        var columns = tokens(line)
        var section: [UInt8]?
        if columns.count >= 2 && endsWithColon(line, columns[0]) {
            section = Array(line[columns[0].dropLast()])
            columns.removeFirst()
        }
        var unique = UniqueNames()
        let names = columns.map { unique.claim(Array(line[$0])) }
        return Header(section: section, names: names, line: line, columns: columns)
    }

    private mutating func makeRow(_ line: [UInt8], _ tokens: [Range<Int>]) -> Row {
        guard var header else { preconditionFailure("a row without a header") }
        let n = header.names.count
        if header.labelled == nil {
            header.labelled = header.section == nil && tokens.count == n + 1 && Self.endsWithColon(line, tokens[0])
            self.header = header
        }
        var label: [UInt8]?
        var fields = tokens[...]
        if header.labelled == true && Self.endsWithColon(line, tokens[0]) {
            label = Array(line[tokens[0].dropLast()])
            fields = tokens.dropFirst()
        }
        var names = header.names
        var texts: [ArraySlice<UInt8>] = []
        texts.reserveCapacity(min(fields.count, n))
        let m = fields.count
        if m > n && n > 0 {
            for t in fields.prefix(n - 1) { texts.append(line[t]) }
            texts.append(line[fields[fields.startIndex + n - 1].lowerBound..<fields[fields.endIndex - 1].upperBound])
        } else {
            for t in fields { texts.append(line[t]) }
            if m < n && m > 0 && label == nil {
                // Join the header's trailing names into one for the last field (df -P: "Mounted on").
                names.removeSubrange((m - 1)...)
                let joined = Array(header.line[header.columns[m - 1].lowerBound..<header.columns[n - 1].upperBound])
                var unique = UniqueNames()
                for name in names { _ = unique.claim(name) }
                names.append(unique.claim(joined))
            }
        }
        let values: [OrderedObject.Value] = texts.map { text in
            let bytes = Array(text)
            if bytes.withUnsafeBufferPointer({ JSONValidator.isFiniteNumber($0) }) { return .number(bytes) }
            // A percentage (df's Capacity, iostat's %util written with a sign) is its number: the column's name says %.
            if bytes.count > 1, bytes.last == UInt8(ascii: "%"),
               bytes.dropLast().withUnsafeBufferPointer({ JSONValidator.isFiniteNumber($0) }) {
                return .number(Array(bytes.dropLast()))
            }
            return .string(bytes)
        }
        let first = texts.first.map(Array.init) ?? []
        let firstIsNumber: Bool
        if case .number = values.first { firstIsNumber = true } else { firstIsNumber = false }
        return Row(section: header.section, label: label, names: names, values: values, firstText: first, firstIsNumber: firstIsNumber)
    }
}
