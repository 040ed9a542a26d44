/// The Prometheus text exposition format (0.0.4) and OpenMetrics text, read into one flat object.
///
/// Each sample is a member keyed by the sample as written, canonically: the metric name, then
/// its labels in the order given with their values as written (escapes `\"`, `\\`, `\n` kept),
/// no blanks and no trailing comma: `node_cpu_seconds_total{cpu="0",mode="idle"}`; `name{}` is
/// `name`. The value is a JSON number, written as the exposition wrote it when that is JSON
/// (`1.711264e+06`) and otherwise normalised (`+5` → `5`, `.5` → `0.5`, `5.` → `5`, `007` → `7`);
/// `NaN`, `+Inf` and `-Inf` (any case, `Inf` and `Infinity` too) become the strings "NaN",
/// "+Inf" and "-Inf". A timestamp is ignored, OpenMetrics exemplars (` # {...} 1.0`) are dropped
/// and `# EOF` ends the body. A sample repeated: the last value wins. Histogram and summary
/// samples (`_bucket{le=...}`, `_sum`, `_count`, `{quantile=...}`) are ordinary members.
///
/// `# TYPE name type` lines are collected; `# HELP`, `# UNIT` and other comments are read past.
///
/// Malformed lines are skipped and counted, the first one described with its line number: a bad
/// metric or label name, an unclosed label set, a missing value, a value that is not a number
/// (hex floats and values that overflow a Double included, as Prometheus refuses them), anything
/// but a timestamp or exemplar after the value, and keys longer than `TextLimits.maxKeyBytes`.
/// Quoted UTF-8 metric names (Prometheus 3's `{"my.metric"}`) are not read: those lines are
/// malformed here.
struct PrometheusExposition: Sendable {
    var samples = OrderedObject()
    /// Metric name → type, in the order first typed.
    var types = OrderedObject()
    var sampleCount = 0
    var skippedLines = 0
    var problem: String?
    /// Whether a `# TYPE` or `# HELP` line was seen (auto takes that as a sign of the format).
    var sawMetadata = false

    /// Reads `body`, whose first line is line `firstLine` (for the problem's line number).
    init(_ body: [UInt8], firstLine: Int = 1, limits: TextLimits) {
        body.withUnsafeBufferPointer { b in
            var lineNumber = firstLine
            var start = 0
            while start <= b.count {
                var end = start
                while end < b.count && b[end] != UInt8(ascii: "\n") { end += 1 }
                var lineEnd = end
                if lineEnd > start && b[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
                if !readLine(UnsafeBufferPointer(rebasing: b[start..<lineEnd]), number: lineNumber, limits: limits) { break }
                lineNumber += 1
                start = end + 1
            }
        }
    }

    @inline(__always) private static func isBlank(_ c: UInt8) -> Bool { c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") }
    @inline(__always) private static func isNameStart(_ c: UInt8) -> Bool {
        (c | 0x20 >= UInt8(ascii: "a") && c | 0x20 <= UInt8(ascii: "z")) || c == UInt8(ascii: "_")
    }
    @inline(__always) private static func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

    /// A malformed line: counted, and described when it is the first.
    private mutating func malformed(_ number: Int, _ what: @autoclosure () -> String) {
        skippedLines += 1
        if problem == nil { problem = "line \(number): \(what())" }
    }

    /// Up to 60 bytes of `bytes` for a message, with anything unprintable shown as `?`.
    static func excerpt(_ bytes: some Collection<UInt8>) -> String {
        var text = String(decoding: bytes.prefix(60).map { $0 >= 0x20 && $0 < 0x7F ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
        if bytes.count > 60 { text += "..." }
        return text
    }

    /// Reads one line; false at `# EOF`.
    private mutating func readLine(_ b: UnsafeBufferPointer<UInt8>, number: Int, limits: TextLimits) -> Bool {
        let n = b.count
        var i = 0
        while i < n && Self.isBlank(b[i]) { i += 1 }
        if i == n { return true }
        if b[i] == UInt8(ascii: "#") {
            return readComment(UnsafeBufferPointer(rebasing: b[(i + 1)...]))
        }

        // The metric name.
        let nameStart = i
        guard Self.isNameStart(b[i]) || b[i] == UInt8(ascii: ":") else {
            let end = b[i...].firstIndex(where: Self.isBlank) ?? n
            malformed(number, "expected a metric name, found '\(Self.excerpt(b[i..<end]))'")
            return true
        }
        while i < n && (Self.isNameStart(b[i]) || Self.isDigit(b[i]) || b[i] == UInt8(ascii: ":")) { i += 1 }
        var key = Array(b[nameStart..<i])
        let name = key
        var j = i
        while j < n && Self.isBlank(b[j]) { j += 1 }

        // The label set.
        if j < n && b[j] == UInt8(ascii: "{") {
            i = j + 1
            var labels = 0
            key.append(UInt8(ascii: "{"))
            var closed = false
            while true {
                while i < n && Self.isBlank(b[i]) { i += 1 }
                guard i < n else { break }
                if b[i] == UInt8(ascii: "}") { closed = true; i += 1; break }
                guard Self.isNameStart(b[i]) else {
                    malformed(number, "expected a label name in '\(Self.excerpt(name)){...}', found '\(Self.excerpt(b[i..<min(n, i + 20)]))'")
                    return true
                }
                let labelStart = i
                while i < n && (Self.isNameStart(b[i]) || Self.isDigit(b[i])) { i += 1 }
                let label = b[labelStart..<i]
                while i < n && Self.isBlank(b[i]) { i += 1 }
                guard i < n, b[i] == UInt8(ascii: "=") else {
                    if i == n { break }
                    malformed(number, "expected '=' after label '\(Self.excerpt(label))' of '\(Self.excerpt(name))'")
                    return true
                }
                i += 1
                while i < n && Self.isBlank(b[i]) { i += 1 }
                guard i < n else { break }
                guard b[i] == UInt8(ascii: "\"") else {
                    malformed(number, "expected a quoted value for label '\(Self.excerpt(label))' of '\(Self.excerpt(name))'")
                    return true
                }
                let valueStart = i
                i += 1
                while i < n && b[i] != UInt8(ascii: "\"") {
                    i += b[i] == UInt8(ascii: "\\") ? 2 : 1
                }
                guard i < n else { break }
                i += 1  // the closing quote
                if labels > 0 { key.append(UInt8(ascii: ",")) }
                labels += 1
                key.append(contentsOf: label)
                key.append(UInt8(ascii: "="))
                key.append(contentsOf: b[valueStart..<i])
                guard key.count <= limits.maxKeyBytes else {
                    malformed(number, "the key of '\(Self.excerpt(name))' is longer than \(limits.maxKeyBytes) bytes")
                    return true
                }
                while i < n && Self.isBlank(b[i]) { i += 1 }
                if i < n && b[i] == UInt8(ascii: ",") { i += 1 }
                else if i < n && b[i] != UInt8(ascii: "}") {
                    malformed(number, "expected ',' or '}' after label '\(Self.excerpt(label))' of '\(Self.excerpt(name))'")
                    return true
                }
            }
            guard closed else {
                malformed(number, "unclosed label set in '\(Self.excerpt(key))'")
                return true
            }
            if labels == 0 { key.removeLast() } else { key.append(UInt8(ascii: "}")) }
        } else {
            i = j
            guard j > nameStart + name.count || j == n else {
                malformed(number, "expected a blank after '\(Self.excerpt(name))', found '\(Self.excerpt(b[j..<min(n, j + 20)]))'")
                return true
            }
        }
        guard key.count <= limits.maxKeyBytes else {
            malformed(number, "the key of '\(Self.excerpt(name))' is longer than \(limits.maxKeyBytes) bytes")
            return true
        }

        // The value, then an optional timestamp and exemplar.
        while i < n && Self.isBlank(b[i]) { i += 1 }
        let valueStart = i
        while i < n && !Self.isBlank(b[i]) { i += 1 }
        guard i > valueStart else {
            malformed(number, "expected a value after '\(Self.excerpt(key))'")
            return true
        }
        let valueText = UnsafeBufferPointer(rebasing: b[valueStart..<i])
        guard let value = Self.value(valueText) else {
            malformed(number, "'\(Self.excerpt(valueText))' is not a number (the value of '\(Self.excerpt(key))')")
            return true
        }
        while i < n && Self.isBlank(b[i]) { i += 1 }
        if i < n && b[i] != UInt8(ascii: "#") {
            let stampStart = i
            while i < n && !Self.isBlank(b[i]) { i += 1 }
            let stamp = UnsafeBufferPointer(rebasing: b[stampStart..<i])
            guard case .number = Self.value(stamp) else {
                malformed(number, "unexpected '\(Self.excerpt(stamp))' after the value of '\(Self.excerpt(key))'")
                return true
            }
            while i < n && Self.isBlank(b[i]) { i += 1 }
        }
        if i < n && b[i] != UInt8(ascii: "#") {
            malformed(number, "unexpected '\(Self.excerpt(b[i..<min(n, i + 20)]))' after the timestamp of '\(Self.excerpt(key))'")
            return true
        }
        // What follows a '#' here is an exemplar, which is dropped.
        samples.set(key, value)
        sampleCount += 1
        return true
    }

    /// A comment line (after its `#`); false for `# EOF`.
    private mutating func readComment(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        var words: [Range<Int>] = []
        var i = 0
        while i < b.count && words.count < 3 {
            while i < b.count && Self.isBlank(b[i]) { i += 1 }
            if i == b.count { break }
            let start = i
            while i < b.count && !Self.isBlank(b[i]) { i += 1 }
            words.append(start..<i)
        }
        guard let first = words.first else { return true }
        let keyword = Array(b[first])
        if keyword == Array("EOF".utf8) && words.count == 1 { return false }
        if keyword == Array("HELP".utf8) { sawMetadata = true }
        if keyword == Array("TYPE".utf8) && words.count == 3 {
            sawMetadata = true
            types.set(Array(b[words[1]]), .string(Array(b[words[2]])))
        }
        return true
    }

    /// A sample value as JSON: a number (normalised from Go's decimal float syntax), or the
    /// strings "NaN", "+Inf", "-Inf"; nil when it is not a number Prometheus reads.
    static func value(_ b: UnsafeBufferPointer<UInt8>) -> OrderedObject.Value? {
        let n = b.count
        guard n > 0 else { return nil }
        if n <= 9 {
            let lower = String(decoding: b.map { $0 | 0x20 }, as: UTF8.self)
            switch lower {
            case "nan": return .string(Array("NaN".utf8))
            case "inf", "+inf", "infinity", "+infinity": return .string(Array("+Inf".utf8))
            case "-inf", "-infinity": return .string(Array("-Inf".utf8))
            default: break
            }
        }
        if JSONValidator.numberEnd(b, from: 0) == n {
            return JSONValidator.isFiniteNumber(b) ? .number(Array(b)) : nil
        }
        // Go's other decimal forms: a '+' sign, leading zeros, '.5', '5.'.
        var i = 0
        var out: [UInt8] = []
        if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            if b[i] == UInt8(ascii: "-") { out.append(UInt8(ascii: "-")) }
            i += 1
        }
        let intStart = i
        while i < n && isDigit(b[i]) { i += 1 }
        var int = b[intStart..<i].drop { $0 == UInt8(ascii: "0") }
        if int.isEmpty && i > intStart { int = b[(i - 1)..<i] }
        var frac = b[i..<i]
        if i < n && b[i] == UInt8(ascii: ".") {
            i += 1
            let fracStart = i
            while i < n && isDigit(b[i]) { i += 1 }
            frac = b[fracStart..<i]
        }
        guard !int.isEmpty || !frac.isEmpty else { return nil }
        out.append(contentsOf: int.isEmpty ? [UInt8(ascii: "0")] : Array(int))
        if !frac.isEmpty {
            out.append(UInt8(ascii: "."))
            out.append(contentsOf: frac)
        }
        if i < n && (b[i] | 0x20 == UInt8(ascii: "e")) {
            out.append(UInt8(ascii: "e"))
            i += 1
            if i < n && (b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-")) { out.append(b[i]); i += 1 }
            let expStart = i
            while i < n && isDigit(b[i]) { i += 1 }
            guard i > expStart else { return nil }
            out.append(contentsOf: b[expStart..<i])
        }
        guard i == n else { return nil }
        return out.withUnsafeBufferPointer { JSONValidator.isFiniteNumber($0) } ? .number(out) : nil
    }
}
