import LiveModel

/// A small arithmetic expression over a feed's numbers, where a layout takes a value:
/// `/mem/used / /mem/total * 100`, `rate(/net/rx) / 1024`, `-(/temp/delta)`.
///
/// ```
/// sum      = product { ("+" | "-") product }        left to right
/// product  = unary { ("*" | "/") unary }            left to right
/// unary    = "-" unary | primary
/// primary  = number | pointer | function "(" pointer ")" | "(" sum ")"
/// function = "rate" | "delta"
/// ```
///
/// A pointer is RFC 6901 (`~1` for `/` and `~0` for `~` inside a key). Written bare it starts
/// with `/` and runs to the next space or `)`: `/` separates its keys and `-` is common inside
/// them (`/services/api-gw/rps`), so operators are written with spaces around them. A pointer
/// whose keys hold spaces, `)` or anything else awkward is written in backticks, with a
/// backtick doubled inside: `` `/node_cpu_seconds_total{cpu="0",mode="idle"}` ``. A `*` token is
/// not allowed: an expression is one value.
///
/// `rate(/p)` is the per-second rate of change of the value at `/p` and `delta(/p)` its change
/// since the sample before (see `Derivation`). Evaluation is total: a missing operand, a division
/// by zero or an overflow gives no value, never a trap, an infinity or a NaN.
struct Expression: Hashable, Sendable, CustomStringConvertible {
    /// A number the expression reads from the store: the value at a pointer, or its rate or delta.
    struct Operand: Hashable, Sendable, CustomStringConvertible {
        var pointer: JSONPointer
        var derivation: Derivation = .value

        var description: String {
            switch derivation {
            case .value: return pointer.description
            case .rate, .delta: return "\(derivation)(\(pointer))"
            }
        }
    }

    enum Operator: Character, Hashable, Sendable {
        case add = "+", subtract = "-", multiply = "*", divide = "/"
    }

    indirect enum Node: Hashable, Sendable {
        case number(Double)
        case operand(Operand)
        case negate(Node)
        case binary(Operator, Node, Node)
    }

    /// Why a text is not an expression, and where: `column` counts Unicode scalars from 1 (as
    /// libyaml counts a line's columns), so the layout file can point at the place in its line.
    struct SyntaxError: Error, Hashable, Sendable, CustomStringConvertible {
        var column: Int
        var message: String
        var description: String { "column \(column): \(message)" }
    }

    let root: Node
    /// The text as written in the layout: the default title and the name alerts give.
    let text: String

    init(root: Node, text: String) {
        self.root = root
        self.text = text
    }

    /// Parses `text`; the error names the first problem and its column.
    init(_ text: String) throws(SyntaxError) {
        var parser = Parser(Array(text.unicodeScalars))
        root = try parser.expression()
        self.text = text
    }

    var description: String { text }

    /// The operands in the order they are written, each once.
    var operands: [Operand] {
        var seen: [Operand] = []
        func walk(_ node: Node) {
            switch node {
            case .number: break
            case .operand(let operand): if !seen.contains(operand) { seen.append(operand) }
            case .negate(let inner): walk(inner)
            case .binary(_, let a, let b): walk(a); walk(b)
            }
        }
        walk(root)
        return seen
    }

    /// The value with `values` for the operands; nil when one is missing or the result is not a
    /// finite number (a division by zero, an overflow).
    func evaluate(values: [Operand: Double]) -> Double? {
        func value(_ node: Node) -> Double? {
            let result: Double?
            switch node {
            case .number(let n): result = n
            case .operand(let operand): result = values[operand]
            case .negate(let inner): result = value(inner).map { -$0 }
            case .binary(let op, let a, let b):
                guard let x = value(a), let y = value(b) else { return nil }
                switch op {
                case .add: result = x + y
                case .subtract: result = x - y
                case .multiply: result = x * y
                case .divide: result = y == 0 ? nil : x / y
                }
            }
            guard let result, result.isFinite else { return nil }
            return result
        }
        return value(root)
    }
}

extension Expression {
    /// Recursive descent over the text's Unicode scalars; `position` is 0-based, columns 1-based.
    private struct Parser {
        let text: [Unicode.Scalar]
        var position = 0
        /// Parentheses and unary minus open inside each other, so the recursion has a bound.
        var depth = 0
        static let maximumDepth = 64

        init(_ text: [Unicode.Scalar]) { self.text = text }

        static let functions: [String: Derivation] = ["rate": .rate, "delta": .delta]

        mutating func expression() throws(SyntaxError) -> Node {
            skipSpaces()
            guard position < text.count else { throw error("the expression is empty") }
            let node = try sum()
            skipSpaces()
            if position < text.count {
                if text[position] == ")" { throw error("')' without a '(' before it") }
                throw error("expected an operator (+, -, * or /) here, not \(found())")
            }
            return node
        }

        private mutating func sum() throws(SyntaxError) -> Node {
            var node = try product()
            while let op = nextOperator(among: [.add, .subtract]) {
                node = .binary(op, node, try operand(after: op))
            }
            return node
        }

        private mutating func product() throws(SyntaxError) -> Node {
            var node = try unary()
            while let op = nextOperator(among: [.multiply, .divide]) {
                node = .binary(op, node, try operand(after: op))
            }
            return node
        }

        /// The right side of a binary operator.
        private mutating func operand(after op: Operator) throws(SyntaxError) -> Node {
            skipSpaces()
            guard startsValue else { throw error("expected a value after '\(op.rawValue)'" + (atEnd ? "" : ", not \(found())")) }
            return op == .multiply || op == .divide ? try unary() : try product()
        }

        private mutating func unary() throws(SyntaxError) -> Node {
            skipSpaces()
            if position < text.count, text[position] == "-" {
                try enter()
                defer { depth -= 1 }
                position += 1
                skipSpaces()
                guard startsValue else { throw error("expected a value after '-'" + (atEnd ? "" : ", not \(found())")) }
                return .negate(try unary())
            }
            return try primary()
        }

        private mutating func primary() throws(SyntaxError) -> Node {
            skipSpaces()
            guard position < text.count else { throw error("expected a value") }
            let c = text[position]
            if c == "(" {
                try enter()
                defer { depth -= 1 }
                let open = position
                position += 1
                skipSpaces()
                guard startsValue else { throw error("expected a value after '('" + (atEnd ? "" : ", not \(found())")) }
                let inner = try sum()
                skipSpaces()
                guard position < text.count, text[position] == ")" else {
                    throw error("expected ')' to close the '(' at column \(open + 1)" + (atEnd ? "" : ", not \(found())"))
                }
                position += 1
                return inner
            }
            if c == "/" || c == "`" { return .operand(Operand(pointer: try pointer())) }
            if c.isASCIIDigit || c == "." { return .number(try number()) }
            if c.properties.isAlphabetic || c == "_" { return try function() }
            throw error("expected a value (a pointer such as /cpu, a number, rate(…), delta(…) or '('), not \(found())")
        }

        private mutating func function() throws(SyntaxError) -> Node {
            let start = position
            while position < text.count, text[position].properties.isAlphabetic || text[position] == "_" || text[position].isASCIIDigit {
                position += 1
            }
            let name = String(String.UnicodeScalarView(text[start..<position]))
            guard let derivation = Self.functions[name] else {
                skipSpaces()
                let isCall = position < text.count && text[position] == "("
                position = start
                throw error(isCall ? "unknown function '\(name)'; expected rate or delta"
                                   : "unknown name '\(name)'; a pointer starts with /, such as /\(name)")
            }
            skipSpaces()
            guard position < text.count, text[position] == "(" else {
                throw error("expected '(' after '\(name)', as in \(name)(/net/rx)")
            }
            let open = position
            position += 1
            skipSpaces()
            guard position < text.count, text[position] == "/" || text[position] == "`" else {
                throw error("\(name)() takes a pointer, such as \(name)(/net/rx)" + (atEnd ? "" : ", not \(found())"))
            }
            let pointer = try pointer()
            skipSpaces()
            guard position < text.count, text[position] == ")" else {
                throw error("expected ')' to close the '(' of \(name) at column \(open + 1)" + (atEnd ? "" : ", not \(found())"))
            }
            position += 1
            return .operand(Operand(pointer: pointer, derivation: derivation))
        }

        /// A bare pointer (to the next space or `)`) or one in backticks.
        private mutating func pointer() throws(SyntaxError) -> JSONPointer {
            let start = position
            var raw = ""
            if text[position] == "`" {
                position += 1
                while true {
                    guard position < text.count else {
                        position = start
                        throw error("the backtick here is not closed; write `/a key` with a backtick at each end")
                    }
                    let c = text[position]
                    position += 1
                    if c == "`" {
                        guard position < text.count, text[position] == "`" else { break }
                        position += 1  // a doubled backtick is one inside the pointer
                    }
                    raw.unicodeScalars.append(c)
                }
            } else {
                while position < text.count, !text[position].properties.isWhitespace, text[position] != ")" {
                    raw.unicodeScalars.append(text[position])
                    position += 1
                }
            }
            let end = position
            position = start
            guard raw.first == "/" else {
                throw error("expected a pointer starting with / inside the backticks, not '\(raw)'")
            }
            guard raw != "/" || text[start] == "`" else {
                throw error("expected a value, not '/'; a pointer to the empty key is written `/`")
            }
            guard let pointer = JSONPointer(raw) else {
                throw error("'\(raw)' is not a JSON pointer; write ~0 for ~ and ~1 for / inside a key")
            }
            if text[start] != "`", pointer.tokens.contains("*") {
                throw error("'*' cannot be used inside an expression (it is one value); give the pattern alone, with rate: true for rates")
            }
            position = end
            return pointer
        }

        private mutating func number() throws(SyntaxError) -> Double {
            let start = position
            while position < text.count, text[position].isASCIIDigit || text[position] == "." { position += 1 }
            if position < text.count, text[position] == "e" || text[position] == "E" {
                var p = position + 1
                if p < text.count, text[p] == "+" || text[p] == "-" { p += 1 }
                if p < text.count, text[p].isASCIIDigit {
                    position = p
                    while position < text.count, text[position].isASCIIDigit { position += 1 }
                }
            }
            let literal = String(String.UnicodeScalarView(text[start..<position]))
            guard let value = Double(literal), value.isFinite else {
                position = start
                throw error("'\(literal)' is not a number")
            }
            return value
        }

        /// The operator at the position (after spaces) when it is one of `among`; consumed.
        private mutating func nextOperator(among: [Operator]) -> Operator? {
            var p = position
            while p < text.count, text[p].properties.isWhitespace { p += 1 }
            guard p < text.count, let op = Operator(rawValue: Character(text[p])), among.contains(op) else { return nil }
            position = p + 1
            return op
        }

        /// Whether a value can start here: not the end, an operator or a `)`.
        private var startsValue: Bool {
            guard position < text.count else { return false }
            let c = text[position]
            if c == ")" || c == "+" || c == "*" { return false }
            if c == "/" {
                // A lone `/` (followed by a space, `)` or the end) is division, not a pointer.
                let next = position + 1 < text.count ? text[position + 1] : " "
                return !(next.properties.isWhitespace || next == ")" || next == "/")
            }
            return true
        }

        private var atEnd: Bool { position >= text.count }

        /// What is at the position, quoted, for messages: one operator, or the word that starts here.
        private func found() -> String {
            guard position < text.count else { return "the end" }
            var end = position + 1
            if !"+-*/()".unicodeScalars.contains(text[position]) {
                while end < text.count, !text[end].properties.isWhitespace, !"+*()".unicodeScalars.contains(text[end]) { end += 1 }
            }
            let word = String(String.UnicodeScalarView(text[position..<min(end, position + 20)]))
            return "'\(word)\(end > position + 20 ? "…" : "")'"
        }

        private mutating func skipSpaces() {
            while position < text.count, text[position].properties.isWhitespace { position += 1 }
        }

            private mutating func enter() throws(SyntaxError) {
            depth += 1
            guard depth <= Self.maximumDepth else { throw error("nested more than \(Self.maximumDepth) deep") }
        }

        private func error(_ message: String) -> SyntaxError {
            SyntaxError(column: position + 1, message: message)
        }
    }
}

private extension Unicode.Scalar {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
