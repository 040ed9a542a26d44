import Foundation
import LinkWire
import LiveModel
import PushLink
import TextFormats
import Yams

/// Values: the typed readers every part uses (strings, numbers, durations, colours, lists) and where an error points.
extension LayoutReader {
    /// Checks the mapping and warns about keys outside `known`; `expected` is the error's phrase
    /// for a node that is not a mapping.
    mutating func fields(_ node: Node, expected: String, place: String, known: Set<String>) throws(LayoutError) -> Fields {
        guard case .mapping(let mapping) = node else { throw error("expected \(expected), not \(describe(node))", at: node) }
        var entries: [(name: String, key: Node, value: Node)] = []
        for (key, value) in mapping {
            if let name = key.scalar?.string, known.contains(name) {
                entries.append((name, key, value))
            } else {
                warn("unknown key \(key.scalar.map { quote($0.string) } ?? describe(key)) \(place) (ignored)", at: key)
            }
        }
        return Fields(entries: entries)
    }

    func list(_ node: Node, _ key: String) throws(LayoutError) -> [Node] {
        guard case .sequence(let sequence) = node else {
            throw error("expected a list for '\(key)', not \(describe(node))", at: node)
        }
        return Array(sequence)
    }

    func string(_ node: Node, _ key: String) throws(LayoutError) -> String {
        guard case .scalar(let scalar) = node else {
            throw error("expected a string for '\(key)', not \(describe(node))", at: node)
        }
        return scalar.string
    }

    func optionalString(_ node: Node?, _ key: String) throws(LayoutError) -> String? {
        guard let node else { return nil }
        return try string(node, key)
    }

    /// A panel's `value`, `values` or `series`: a string, or a list whose entries are strings or
    /// `{value: …, color: …}` (a chart series' colour; on other kinds a warning).
    mutating func valueEntries(_ node: Node, _ key: String, kind: Panel.Kind) throws(LayoutError)
        -> [(text: String, node: Node, color: Node?)] {
        guard case .sequence(let sequence) = node else {
            return try stringNodes(node, key).map { ($0.text, $0.node, nil) }
        }
        var entries: [(text: String, node: Node, color: Node?)] = []
        for item in sequence {
            switch item {
            case .scalar(let scalar):
                entries.append((scalar.string, item, nil))
            case .mapping:
                let f = try fields(item, expected: "a mapping for an entry of '\(key)'", place: "in an entry of '\(key)'",
                                   known: ["value", "color"])
                guard let valueNode = f["value"] else {
                    throw error("an entry of '\(key)' written as a mapping needs 'value', such as {value: /cpu, color: red}", at: item)
                }
                var colorNode = f["color"]
                if kind != .chart, let colorKey = f.key("color") {
                    warn("key 'color' does not apply to a \(kind) panel (ignored)", at: colorKey)
                    colorNode = nil
                }
                entries.append((try string(valueNode, "value"), valueNode, colorNode))
            default:
                throw error("expected strings or {value: …, color: …} in '\(key)', not \(describe(item))", at: item)
            }
        }
        return entries
    }

    /// A colour name (`color:`): one of `Style.Color`'s names.
    func color(_ node: Node) throws(LayoutError) -> Style.Color {
        let name = try string(node, "color")
        guard let color = Style.Color(name: name) else {
            throw error("unknown color \(quote(name)); expected \(Self.colorNames)", at: node)
        }
        return color
    }

    static let colorNames = "red, green, yellow, blue, magenta, cyan, white, gray (or grey) or default"

    /// A string or a list of strings, each with its node for errors about it.
    func stringNodes(_ node: Node, _ key: String) throws(LayoutError) -> [(text: String, node: Node)] {
        switch node {
        case .scalar(let scalar):
            return [(scalar.string, node)]
        case .sequence(let sequence):
            var result: [(text: String, node: Node)] = []
            for item in sequence {
                guard case .scalar(let scalar) = item else {
                    throw error("expected strings in '\(key)', not \(describe(item))", at: item)
                }
                result.append((scalar.string, item))
            }
            return result
        default:
            throw error("expected a string or a list of strings for '\(key)', not \(describe(node))", at: node)
        }
    }

    func bool(_ node: Node, _ key: String) throws(LayoutError) -> Bool {
        guard case .scalar(let scalar) = node, let value = Bool.construct(from: Node.Scalar(scalar.string)) else {
            throw error("expected true or false for '\(key)', not \(describe(node))", at: node)
        }
        return value
    }

    func strings(_ node: Node, _ key: String) throws(LayoutError) -> [String] {
        try stringNodes(node, key).map(\.text)
    }

    /// A number; quoted numbers are taken too, since what was meant is plain.
    func numberValue(_ node: Node) -> Double? {
        guard case .scalar(let scalar) = node, let value = Double.construct(from: Node.Scalar(scalar.string)),
              value.isFinite else { return nil }
        return value
    }

    func number(_ node: Node, _ key: String) throws(LayoutError) -> Double {
        guard let value = numberValue(node) else {
            throw error("expected a number for '\(key)', not \(describe(node))", at: node)
        }
        return value
    }

    func integer(_ node: Node, _ key: String, in range: ClosedRange<Int>) throws(LayoutError) -> Int {
        guard case .scalar(let scalar) = node, let value = Int.construct(from: Node.Scalar(scalar.string)) else {
            throw error("expected a whole number for '\(key)', not \(describe(node))", at: node)
        }
        guard range.contains(value) else {
            throw error("'\(key)' must be from \(range.lowerBound) to \(range.upperBound), not \(value)", at: node)
        }
        return value
    }

    /// Seconds: a number, or a number with `ms`, `s`, `m` or `h`.
    func duration(_ node: Node, _ key: String) throws(LayoutError) -> Double {
        if let seconds = numberValue(node) { return seconds }
        if case .scalar(let scalar) = node {
            let text = scalar.string
            for (suffix, unit) in [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)] where text.hasSuffix(suffix) {
                if let amount = Double(text.dropLast(suffix.count)), amount.isFinite { return amount * unit }
                break
            }
        }
        throw error("expected a duration for '\(key)' such as 500ms, 5s, 2m or 1h, not \(describe(node))", at: node)
    }

    func pointer(_ node: Node, _ key: String) throws(LayoutError) -> JSONPointer {
        let text = try string(node, key)
        guard let pointer = JSONPointer(text) else { throw pointerError(text, at: node) }
        return pointer
    }

    /// A pointer pattern, or an expression when the text reads as one: it holds a space, `(` or a
    /// backtick, or starts with `-`, a digit or `.`. Anything else is a pointer (`/a-b` and
    /// `/a*2` are keys), so files written before expressions existed mean what they meant.
    func value(_ text: String, at node: Node) throws(LayoutError) -> PanelValue {
        guard LayoutFile.readsAsExpression(text) else { return .pattern(try pattern(text, at: node)) }
        let expression: Expression
        do {
            expression = try Expression(text)
        } catch {
            throw LayoutError(file: file, location: location(ofCharacter: error.column, in: node),
                              message: "bad expression \(quote(text)): \(error.message)")
        }
        // One pointer in backticks is that pointer, with its label and wildcards.
        if case .operand(let operand) = expression.root, operand.derivation == .value,
           !operand.pointer.tokens.contains("*"), let pattern = PointerPattern(operand.pointer.description) {
            return .pattern(pattern)
        }
        return .expression(expression)
    }

    func pattern(_ text: String, at node: Node) throws(LayoutError) -> PointerPattern {
        guard let pattern = PointerPattern(text) else { throw pointerError(text, at: node) }
        return pattern
    }

    func pointerError(_ text: String, at node: Node) -> LayoutError {
        if text.hasPrefix("/") {
            return error("\(quote(text)) is not a JSON pointer; write ~0 for ~ and ~1 for / inside a key", at: node)
        }
        // A dotted path is how most tools write nesting; in a pointer that is /cpu/busy, while
        // /cpu.busy names one member whose key holds a dot.
        if text.contains("."), !text.contains("/") {
            let nested = "/" + text.split(separator: ".", omittingEmptySubsequences: false).joined(separator: "/")
            return error("\(quote(text)) is not a JSON pointer; expected one starting with /, such as \(nested) (or /\(text) for one key with a dot)", at: node)
        }
        return error("\(quote(text)) is not a JSON pointer; expected one starting with /, such as /\(text)", at: node)
    }

    func format(_ node: Node) throws(LayoutError) -> String {
        let text = try string(node, "format")
        guard Self.isNumberFormat(text) else {
            throw error("bad format \(quote(text)); expected exactly one of %d, %i, %f, %e or %g "
                + "(with optional flags, width and precision) and %% for a percent sign", at: node)
        }
        return text
    }

    /// Whether `format` has exactly one number conversion and otherwise only `%%`: the renderer
    /// gives it one number, and anything else (`%s`, `%n`, two conversions) would read garbage.
    static func isNumberFormat(_ format: String) -> Bool {
        var rest = Substring(format)
        var conversions = 0
        while let c = rest.popFirst() {
            guard c == "%" else { continue }
            if rest.first == "%" {
                rest.removeFirst()
                continue
            }
            rest = rest.drop(while: { "-+ #0".contains($0) })
            rest = rest.drop(while: \.isASCIIDigit)
            if rest.first == "." { rest = rest.dropFirst().drop(while: \.isASCIIDigit) }
            guard let conversion = rest.popFirst(), "difeg".contains(conversion) else { return false }
            conversions += 1
        }
        return conversions == 1
    }

    // MARK: Errors and warnings

    func location(of node: Node) -> SourceLocation {
        node.mark.map { SourceLocation(line: $0.line, column: $0.column) } ?? SourceLocation(line: 0, column: 0)
    }

    /// Where the `column`-th character (from 1) of a scalar's string is in the file: after the
    /// opening quote of a quoted scalar, counting each escape (`\"`, `''`) as the one character
    /// it stands for. A scalar that spans lines gives the place of its start.
    func location(ofCharacter column: Int, in node: Node) -> SourceLocation {
        let start = location(of: node)
        guard case .scalar(let scalar) = node, start.line >= 1, start.line <= lines.count else { return start }
        let line = Array(lines[start.line - 1].unicodeScalars)
        var raw = start.column - 1  // 0-based index of the scalar's first character in its line
        switch scalar.style {
        case .plain, .any:
            break
        case .singleQuoted, .doubleQuoted:
            raw += 1
        case .literal, .folded:
            return start
        }
        for _ in 1..<max(1, column) {
            guard raw < line.count else { return start }
            let c = line[raw]
            if scalar.style == .singleQuoted && c == "'" {
                raw += 2
            } else if scalar.style == .doubleQuoted && c == "\\" && raw + 1 < line.count {
                switch line[raw + 1] {
                case "x": raw += 4
                case "u": raw += 6
                case "U": raw += 10
                default: raw += 2
                }
            } else {
                raw += 1
            }
        }
        guard raw <= line.count else { return start }
        return SourceLocation(line: start.line, column: raw + 1)
    }

    func error(_ message: String, at node: Node) -> LayoutError {
        LayoutError(file: file, location: node.mark.map { SourceLocation(line: $0.line, column: $0.column) }, message: message)
    }

    mutating func warn(_ message: String, at node: Node) {
        found.append(error(message, at: node))
    }

    /// How a node is named in a message: its text, quoted and cut short, or its type.
    func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar): return quote(scalar.string)
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        case .alias: return "an alias"
        }
    }

    func quote(_ text: String) -> String {
        "'\(text.count > 40 ? String(text.prefix(39)) + "…" : text)'"
    }

    /// The character at a 1-based line and column (libyaml counts columns in Unicode scalars).
    static func character(at mark: Mark, in text: String) -> Character? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard mark.line >= 1, mark.line <= lines.count, mark.column >= 1 else { return nil }
        let scalars = lines[mark.line - 1].unicodeScalars
        guard mark.column <= scalars.count else { return nil }
        return Character(scalars[scalars.index(scalars.startIndex, offsetBy: mark.column - 1)])
    }

    /// Yams' errors carry 1-based marks; the problem, not the quoted YAML, becomes the message.
    func syntaxError(_ error: YamlError, in text: String) -> LayoutError {
        func at(_ mark: Mark) -> SourceLocation { SourceLocation(line: mark.line, column: mark.column) }
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            // libyaml says "found character that cannot start any token" for a tab; say it.
            if Self.character(at: mark, in: text) == "\t" {
                return LayoutError(file: file, location: at(mark), message: "invalid YAML: a tab; YAML indents with spaces")
            }
            let during = context.map { " (\($0.text) at \($0.mark))" } ?? ""
            return LayoutError(file: file, location: at(mark), message: "invalid YAML: \(problem)\(during)")
        case let .duplicatedKeysInMapping(duplicates, context):
            let keys = duplicates.map { quote($0) }.joined(separator: ", ")
            return LayoutError(file: file, location: at(context.mark), message: "duplicate key \(keys) in the same mapping")
        case let .reader(problem, offset, _, _):
            // The offset counts characters; libyaml counts columns in Unicode scalars.
            var place = SourceLocation(line: 1, column: 1)
            for character in text.prefix(offset ?? 0) {
                if character.isNewline {
                    place = SourceLocation(line: place.line + 1, column: 1)
                } else {
                    place.column += character.unicodeScalars.count
                }
            }
            return LayoutError(file: file, location: offset == nil ? nil : place, message: "invalid YAML: \(problem)")
        default:
            return LayoutError(file: file, message: "invalid YAML: \(error)")
        }
    }
}
