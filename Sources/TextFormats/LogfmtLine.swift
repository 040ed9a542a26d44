/// One logfmt line as an object: `k=v k2="v 2" flag` → `{"k":"v","k2":"v 2","flag":true}`.
///
/// - Tokens are separated by spaces and tabs. A token is `key=value`, `key="quoted value"` or a
///   bare `key`, which becomes `true`.
/// - A key is any run of bytes other than space, tab, `=`, `"` and control characters (so
///   `hello world a=1` is logfmt: `{"hello":true,"world":true,"a":1}`).
/// - Quoted values take the escapes `\"` and `\\`, and `\n`, `\r`, `\t` as Go's logfmt writers
///   emit them; any other backslash is kept as it is.
/// - A value that is a JSON number a Double holds (`12`, `-3.5`, `1e3`) becomes a number; any
///   other value is a string: `0x1F`, `12%`, `01`, `+5`, and also `true`, `false` and `null`
///   (a writer quoting them or not should not change the type; only a bare key means true).
///   An empty value (`k=`) is the empty string.
/// - A repeated key: the last value wins, at the first key's position.
enum LogfmtLine {
    enum Outcome {
        case object(OrderedObject)
        /// Blank or whitespace only.
        case blank
        /// Not logfmt: no `key=value` pair, an unclosed quote, a token that starts with `=` or
        /// holds a quote or a control character in its key.
        case notLogfmt
    }

    @inline(__always)
    private static func isSpace(_ c: UInt8) -> Bool { c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") }

    static func parse(_ b: UnsafeBufferPointer<UInt8>) -> Outcome {
        let n = b.count
        var i = 0
        var object = OrderedObject()
        var pairs = 0
        while i < n && isSpace(b[i]) { i += 1 }
        if i == n { return .blank }
        while i < n {
            let keyStart = i
            while i < n, !isSpace(b[i]), b[i] != UInt8(ascii: "="), b[i] != UInt8(ascii: "\"") {
                if b[i] < 0x20 || b[i] == 0x7F { return .notLogfmt }
                i += 1
            }
            guard i > keyStart else { return .notLogfmt }
            let key = Array(UnsafeBufferPointer(rebasing: b[keyStart..<i]))
            if i < n && b[i] == UInt8(ascii: "\"") { return .notLogfmt }
            if i < n && b[i] == UInt8(ascii: "=") {
                i += 1
                pairs += 1
                if i < n && b[i] == UInt8(ascii: "\"") {
                    i += 1
                    var value: [UInt8] = []
                    var closed = false
                    while i < n {
                        let c = b[i]
                        if c == UInt8(ascii: "\"") { closed = true; i += 1; break }
                        if c == UInt8(ascii: "\\") && i + 1 < n {
                            switch b[i + 1] {
                            case UInt8(ascii: "\""): value.append(UInt8(ascii: "\""))
                            case UInt8(ascii: "\\"): value.append(UInt8(ascii: "\\"))
                            case UInt8(ascii: "n"): value.append(UInt8(ascii: "\n"))
                            case UInt8(ascii: "r"): value.append(UInt8(ascii: "\r"))
                            case UInt8(ascii: "t"): value.append(UInt8(ascii: "\t"))
                            default: value.append(c); value.append(b[i + 1])
                            }
                            i += 2
                            continue
                        }
                        value.append(c)
                        i += 1
                    }
                    guard closed, i == n || isSpace(b[i]) else { return .notLogfmt }
                    object.set(key, .string(value))
                } else {
                    let valueStart = i
                    while i < n && !isSpace(b[i]) { i += 1 }
                    let value = UnsafeBufferPointer(rebasing: b[valueStart..<i])
                    object.set(key, JSONValidator.isFiniteNumber(value) ? .number(Array(value)) : .string(Array(value)))
                }
            } else {
                object.set(key, .bool(true))
            }
            while i < n && isSpace(b[i]) { i += 1 }
        }
        return pairs > 0 ? .object(object) : .notLogfmt
    }
}
