import LiveModel
import Testing
@testable import livetop

@Suite struct ExpressionTests {
    /// The tree fully parenthesised, so precedence and associativity read as data.
    static func shape(_ node: Expression.Node) -> String {
        switch node {
        case .number(let n): return n == n.rounded() && abs(n) < 1e15 ? String(Int64(n)) : "\(n)"
        case .operand(let operand): return operand.description
        case .negate(let inner): return "(-\(shape(inner)))"
        case .binary(let op, let a, let b): return "(\(shape(a)) \(op.rawValue) \(shape(b)))"
        }
    }

    static func operand(_ text: String, _ derivation: Derivation = .value) -> Expression.Operand {
        Expression.Operand(pointer: JSONPointer(text)!, derivation: derivation)
    }

    @Test(arguments: [
        ("/a + /b * 2", "(/a + (/b * 2))"),
        ("/a * /b + 2", "((/a * /b) + 2)"),
        ("/a - /b - /c", "((/a - /b) - /c)"),
        ("/a / /b / 2", "((/a / /b) / 2)"),
        ("/mem/used / /mem/total * 100", "((/mem/used / /mem/total) * 100)"),
        ("(/a + /b) * 2", "((/a + /b) * 2)"),
        ("((/a))", "/a"),
        ("-/a * 2", "((-/a) * 2)"),
        ("2 * -/a", "(2 * (-/a))"),
        ("- -/a", "(-(-/a))"),
        ("/a - -2", "(/a - (-2))"),
        ("-(/a + 1)", "(-(/a + 1))"),
        ("rate(/net/rx) / 1024", "(rate(/net/rx) / 1024)"),
        ("delta( /queue/depth )", "delta(/queue/depth)"),
        ("rate (/a) + delta(/b)", "(rate(/a) + delta(/b))"),
        ("10/2", "(10 / 2)"),
        ("2*/a", "(2 * /a)"),
        ("(/a)*(/b)", "(/a * /b)"),
        ("1.5e3 + .5", "(1500 + 0.5)"),
        ("/services/api-gw/rps * 60", "(/services/api-gw/rps * 60)"),
        ("/a~1b + /c~0d", "(/a~1b + /c~0d)"),
        ("rate(`/a b`) + 1", "(rate(/a b) + 1)"),
        ("`/x``y` * 1", "(/x`y * 1)"),
        ("\t/a\n+ 1 ", "(/a + 1)"),
    ])
    func parsesWithPrecedence(_ text: String, _ expected: String) throws {
        #expect(Self.shape(try Expression(text).root) == expected)
    }

    /// Prometheus series names hold `{`, `}`, `=`, `"` and `,`: in backticks, or bare (no spaces).
    @Test func prometheusKeysAreOnePointer() throws {
        let key = #"node_cpu_seconds_total{cpu="0",mode="idle"}"#
        for text in ["rate(`/\(key)`) * 100", "rate(/\(key)) * 100"] {
            let expression = try Expression(text)
            #expect(expression.operands == [Expression.Operand(pointer: JSONPointer(tokens: [key]), derivation: .rate)])
        }
    }

    @Test(arguments: [
        ("/a +", 5, "expected a value after '+'"),
        ("(/a", 4, "expected ')' to close the '(' at column 1"),
        ("/a // 2", 5, "expected a value after '/', not '/'"),
        ("rate(1)", 6, "rate() takes a pointer, such as rate(/net/rx), not '1'"),
        ("", 1, "the expression is empty"),
        ("   ", 4, "the expression is empty"),
        ("/a 2", 4, "expected an operator (+, -, * or /) here, not '2'"),
        ("(/a + 1))", 9, "')' without a '(' before it"),
        ("()", 2, "expected a value after '(', not ')'"),
        ("/a + * 2", 6, "expected a value after '+', not '*'"),
        ("/a * -", 7, "expected a value after '-'"),
        ("sum(/a)", 1, "unknown function 'sum'; expected rate or delta"),
        ("cpu * 2", 1, "unknown name 'cpu'; a pointer starts with /, such as /cpu"),
        ("rate /a", 6, "expected '(' after 'rate', as in rate(/net/rx)"),
        ("rate(/a", 8, "expected ')' to close the '(' of rate at column 5"),
        ("rate(/a + 1)", 9, "expected ')' to close the '(' of rate at column 5, not '+'"),
        ("/a * `/b c", 6, "the backtick here is not closed; write `/a key` with a backtick at each end"),
        ("`a` + 1", 1, "expected a pointer starting with / inside the backticks, not 'a'"),
        ("/a~2 + 1", 1, "'/a~2' is not a JSON pointer; write ~0 for ~ and ~1 for / inside a key"),
        ("/services/*/rps + 1", 1, "'*' cannot be used inside an expression (it is one value); give the pattern alone, with rate: true for rates"),
        ("1..2 + 1", 1, "'1..2' is not a number"),
        ("/a + ?", 6, "expected a value (a pointer such as /cpu, a number, rate(…), delta(…) or '('), not '?'"),
    ])
    func errorsNameTheColumn(_ text: String, _ column: Int, _ message: String) {
        #expect(throws: Expression.SyntaxError(column: column, message: message)) { try Expression(text) }
    }

    @Test func nestingIsBounded() throws {
        #expect(Self.shape(try Expression(String(repeating: "(", count: 64) + "/a" + String(repeating: ")", count: 64)).root) == "/a")
        #expect(throws: Expression.SyntaxError(column: 65, message: "nested more than 64 deep")) {
            try Expression(String(repeating: "(", count: 10_000) + "/a")
        }
        #expect(throws: Expression.SyntaxError(column: 65, message: "nested more than 64 deep")) {
            try Expression(String(repeating: "-", count: 10_000) + "/a")
        }
    }

    @Test func theErrorIsOneLine() {
        let error = Expression.SyntaxError(column: 5, message: "expected a value after '+'")
        #expect(error.description == "column 5: expected a value after '+'")
    }

    @Test(arguments: [
        ("/used / /total * 100", ["/used": 3, "/total": 4], 75.0),
        ("/used / /total", ["/used": 3, "/total": 0], nil),
        ("/a + /b", ["/a": 1], nil),
        ("-(/a - 3)", ["/a": 1], 2.0),
        ("/a - /a", ["/a": 7], 0.0),
        ("1e308 * 10", [:], nil),
        ("0 / 0", [:], nil),
        ("2 + 3 * 4 - 10 / 5", [:], 12.0),
    ] as [(String, [String: Double], Double?)])
    func evaluates(_ text: String, _ values: [String: Double], _ expected: Double?) throws {
        let operands = Dictionary(uniqueKeysWithValues: values.map { (Self.operand($0.key), $0.value) })
        #expect(try Expression(text).evaluate(values: operands) == expected)
    }

    @Test func ratesAndDeltasAreOperandsOfTheirOwn() throws {
        let expression = try Expression("/a + /b * /a + rate(/a) - delta(/a)")
        #expect(expression.operands == [Self.operand("/a"), Self.operand("/b"), Self.operand("/a", .rate), Self.operand("/a", .delta)])
        let values = [Self.operand("/a"): 1, Self.operand("/b"): 2, Self.operand("/a", .rate): 10, Self.operand("/a", .delta): 4.0]
        #expect(expression.evaluate(values: values) == 9.0)  // 1 + 2 * 1 + 10 - 4
        #expect(try Expression("rate(/a) * 8").evaluate(values: [Self.operand("/a"): 5]) == nil)
    }
}
