/// Turns one source's lines (or whole documents) into JSON messages. Stateful per source
/// (`columns` remembers the header). Pure: bytes in, bytes out.
///
/// The JSON shapes:
/// - `json`: the text itself, compacted, a leading UTF-8 BOM dropped.
/// - `logfmt`: `a=1 b="x y" c` → `{"a":1,"b":"x y","c":true}` (see `LogfmtLine`).
/// - `columns`, line mode: a flat row `{"r":2,"b":0,...}`; a row whose first field is not a
///   number keyed by it, `{"vda":{"r/s":146.46,...}}`; a named section nests it,
///   `{"avg-cpu":{"%user":59.07,...}}`. Document mode: one object for the whole output, each
///   section's rows keyed the same way (a section of several rows is keyed by the first field
///   even when it is a number), sections merged: `{"avg-cpu":{...},"vda":{...}}`.
///   See `ColumnTable` for the header rules.
/// - `prometheus`: `{"node_load1":2.35,"node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"}":71.78}`
///   plus `"# TYPE":{"node_load1":"gauge",...}` when `includeTypes` (see `PrometheusExposition`).
public struct TextParser: Sendable {
    public let format: TextFormat
    /// What `auto` settled on (nil until it has seen something), so the source can say
    /// "parsing as prometheus". It follows the last message that was not skipped; for the other
    /// formats it is the format itself once something was seen.
    public private(set) var picked: TextFormat?
    /// The `# TYPE` lines of the last Prometheus document (or, line by line, all seen so far):
    /// metric name → type.
    public private(set) var types: [String: String] = [:]
    /// Whether Prometheus messages carry the types too, as the member `"# TYPE"`:
    /// `{"node_load1":"gauge",...}`.
    public var includeTypes = false
    public let limits: TextLimits

    private var table: ColumnTable
    /// Row keys of the current `columns` section in line mode (`root`, `root_2`, ...).
    private var rowKeys = UniqueNames()
    private var rowKeysSection = -1
    /// Lines seen in line mode, for Prometheus problems' line numbers.
    private var lineNumber = 0

    public init(format: TextFormat, limits: TextLimits = TextLimits()) {
        self.format = format
        self.limits = limits
        self.table = ColumnTable(limits: limits, firstLineIsHeader: false)
    }

    // MARK: - Lines

    /// One line (no trailing newline; a trailing \r is dropped).
    public mutating func line(_ bytes: some Collection<UInt8>) -> ParsedMessage {
        var line = Array(bytes)
        if line.last == UInt8(ascii: "\r") { line.removeLast() }
        lineNumber += 1
        let message: ParsedMessage
        let chosen: TextFormat
        switch format {
        case .text:
            (message, chosen) = (.text, .text)
        case .json:
            (message, chosen) = (json(line) ?? .text, .json)
        case .logfmt:
            (message, chosen) = (logfmt(line), .logfmt)
        case .columns:
            (message, chosen) = (columnsLine(line), .columns)
        case .prometheus:
            (message, chosen) = (prometheusLine(line), .prometheus)
        case .auto:
            if let parsed = json(line) {
                (message, chosen) = (parsed, .json)
            } else {
                let parsed = logfmt(line)
                (message, chosen) = (parsed, parsed.kind == .text ? .text : .logfmt)
            }
        }
        if message.kind != .skip { picked = chosen }
        return message
    }

    // MARK: - Documents

    /// A whole document: one command run's whole stdout (`--every`), or one HTTP body.
    /// `contentType` is the HTTP Content-Type when there is one (auto picks Prometheus by it:
    /// `text/plain; version=0.0.4` or `application/openmetrics-text`).
    public mutating func document(_ bytes: some Collection<UInt8>, contentType: String?) -> ParsedMessage {
        let document = Array(bytes)
        let message: ParsedMessage
        let chosen: TextFormat
        switch format {
        case .text:
            (message, chosen) = (.text, .text)
        case .json:
            (message, chosen) = (json(document) ?? .text, .json)
        case .logfmt:
            (message, chosen) = (logfmtDocument(document), .logfmt)
        case .columns:
            (message, chosen) = (columnsDocument(document), .columns)
        case .prometheus:
            (message, chosen) = (prometheus(PrometheusExposition(document, limits: limits), lineMode: false), .prometheus)
        case .auto:
            if let parsed = json(document) {
                (message, chosen) = (parsed, .json)
            } else {
                let exposition = PrometheusExposition(document, limits: limits)
                let looksLikeIt = exposition.sampleCount > 0 && (exposition.skippedLines == 0 || exposition.sawMetadata)
                if Self.isExposition(contentType) || looksLikeIt {
                    (message, chosen) = (prometheus(exposition, lineMode: false), .prometheus)
                } else {
                    (message, chosen) = (.text, .text)
                }
            }
        }
        if message.kind != .skip { picked = chosen }
        return message
    }

    /// Whether a Content-Type names the exposition formats: `text/plain; version=0.0.4` or
    /// `application/openmetrics-text` (parameters in any order and case).
    static func isExposition(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let parts = contentType.lowercased().split(separator: ";").map { $0.filter { $0 != " " && $0 != "\t" } }
        guard let media = parts.first else { return false }
        if media == "application/openmetrics-text" { return true }
        return media == "text/plain" && parts.dropFirst().contains("version=0.0.4")
    }

    // MARK: - Formats

    private static let bom: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// The text as compact JSON, or nil when it is not JSON.
    private func json(_ text: [UInt8]) -> ParsedMessage? {
        let validator = JSONValidator(maxDepth: limits.maxJSONDepth)
        return text.withUnsafeBufferPointer { b in
            var body = b
            if b.count >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF { body = UnsafeBufferPointer(rebasing: b[3...]) }
            return validator.compacted(body).map(ParsedMessage.json)
        }
    }

    private func logfmt(_ line: [UInt8]) -> ParsedMessage {
        guard line.count <= limits.maxLineBytes else { return .text }
        switch line.withUnsafeBufferPointer(LogfmtLine.parse) {
        case .object(let object): return .json(object.json)
        case .blank: return .skip
        case .notLogfmt: return .text
        }
    }

    /// A document of logfmt lines: their objects merged into one (a later key wins), lines that
    /// are not logfmt left out and counted.
    private func logfmtDocument(_ document: [UInt8]) -> ParsedMessage {
        var merged = OrderedObject()
        var skipped = 0
        var problem: String?
        var lineNumber = 0
        for line in document.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = Array(line)
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            guard line.count <= limits.maxLineBytes else {
                skipped += 1
                if problem == nil { problem = "line \(lineNumber): longer than \(limits.maxLineBytes) bytes, left out" }
                continue
            }
            switch line.withUnsafeBufferPointer(LogfmtLine.parse) {
            case .object(let object):
                for k in 0..<object.count { merged.set(object.keys[k], object.values[k]) }
            case .blank:
                break
            case .notLogfmt:
                skipped += 1
                if problem == nil { problem = "line \(lineNumber): not logfmt, left out" }
            }
        }
        if merged.isEmpty { return skipped > 0 ? ParsedMessage(kind: .text, skippedLines: skipped, problem: problem) : .skip }
        return ParsedMessage(kind: .json(merged.json), skippedLines: skipped, problem: problem)
    }

    private mutating func columnsLine(_ line: [UInt8]) -> ParsedMessage {
        switch table.line(line) {
        case .skip, .blank: return .skip
        case .text: return .text
        case .row(let row):
            if table.section != rowKeysSection {
                rowKeysSection = table.section
                rowKeys = UniqueNames()
            }
            var object: OrderedObject
            if let label = row.label {
                object = OrderedObject()
                object.set(rowKeys.claim(label), .object(row.members(from: 0)))
            } else if !row.firstIsNumber {
                object = OrderedObject()
                object.set(rowKeys.claim(row.firstText), .object(row.members(from: 1)))
            } else {
                object = row.members(from: 0)
            }
            if let section = row.section {
                var wrapped = OrderedObject()
                wrapped.set(section, .object(object))
                object = wrapped
            }
            return .json(object.json)
        }
    }

    private func columnsDocument(_ document: [UInt8]) -> ParsedMessage {
        var table = ColumnTable(limits: limits, firstLineIsHeader: true)
        var top = OrderedObject()
        var sectionRows: [ColumnTable.Row] = []
        var section = 0
        var skipped = 0
        var problem: String?
        var sawText = false

        func close() {
            guard let first = sectionRows.first else { return }
            let keyed = sectionRows.count > 1 || first.label != nil || !first.firstIsNumber
            var object = OrderedObject()
            if keyed {
                var keys = UniqueNames()
                for row in sectionRows {
                    let key = keys.claim(row.label ?? row.firstText)
                    object.set(key, .object(row.members(from: row.label == nil ? 1 : 0)))
                }
            } else {
                object = first.members(from: 0)
            }
            if let name = first.section {
                top.set(name, .object(object))
            } else {
                for k in 0..<object.count { top.set(object.keys[k], object.values[k]) }
            }
            sectionRows = []
        }

        var lineNumber = 0
        var start = 0
        while start < document.count {
            let end = document[start...].firstIndex(of: UInt8(ascii: "\n")) ?? document.count
            var line = Array(document[start..<end])
            start = end + 1
            lineNumber += 1
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            switch table.line(line) {
            case .skip: sawText = true
            case .text:
                sawText = true
                skipped += 1
                if problem == nil {
                    problem = line.count > limits.maxLineBytes
                        ? "line \(lineNumber): longer than \(limits.maxLineBytes) bytes, left out"
                        : "line \(lineNumber): not a table row, left out"
                }
            case .blank(let rows):
                if !rows.isEmpty { close(); sectionRows = rows; close() }
            case .row(let row):
                if table.section != section { close(); section = table.section }
                sectionRows.append(row)
            }
        }
        let rest = table.finish()
        if !rest.isEmpty { close(); sectionRows = rest }
        close()
        if top.isEmpty { return sawText ? ParsedMessage(kind: .text, skippedLines: skipped, problem: problem) : .skip }
        return ParsedMessage(kind: .json(top.json), skippedLines: skipped, problem: problem)
    }

    private mutating func prometheusLine(_ line: [UInt8]) -> ParsedMessage {
        let exposition = PrometheusExposition(line, firstLine: lineNumber, limits: limits)
        return prometheus(exposition, lineMode: true)
    }

    private mutating func prometheus(_ exposition: PrometheusExposition, lineMode: Bool) -> ParsedMessage {
        if !lineMode { types = [:] }
        for k in 0..<exposition.types.count {
            if case .string(let type) = exposition.types.values[k] {
                types[String(decoding: exposition.types.keys[k], as: UTF8.self)] = String(decoding: UTF8Check.repaired(type), as: UTF8.self)
            }
        }
        var object = exposition.samples
        if includeTypes && !lineMode && !exposition.types.isEmpty {
            object.set(Array("# TYPE".utf8), .object(exposition.types))
        }
        let kind: ParsedMessage.Kind
        if !object.isEmpty {
            kind = .json(object.json)
        } else {
            kind = exposition.skippedLines > 0 ? .text : .skip
        }
        return ParsedMessage(kind: kind, skippedLines: exposition.skippedLines, problem: exposition.problem)
    }
}
