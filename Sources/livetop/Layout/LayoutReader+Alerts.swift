import Foundation
import LinkWire
import LiveModel
import PushLink
import TextFormats
import Yams

/// Thresholds and alerts.
extension LayoutReader {
    /// Numeric when a value is a number or the keys are only `warn`/`crit`; otherwise a map of
    /// states to levels.
    mutating func thresholds(_ node: Node) throws(LayoutError) -> Thresholds {
        let example = "such as {warn: 80, crit: 95} or {up: ok, down: crit}"
        guard case .mapping(let mapping) = node else {
            throw error("expected a mapping for 'thresholds', \(example), not \(describe(node))", at: node)
        }
        guard !mapping.isEmpty else { throw error("'thresholds' is empty; expected one \(example)", at: node) }
        let limitNames: Set = ["warn", "crit"]
        let isNumeric = mapping.contains { numberValue($0.value) != nil }
            || mapping.keys.allSatisfy { $0.scalar.map { limitNames.contains($0.string) } ?? false }
        if isNumeric {
            let f = try fields(node, expected: "a mapping for 'thresholds'", place: "in thresholds", known: limitNames)
            let warn = try f["warn"].map { (node) throws(LayoutError) in try number(node, "warn") }
            let crit = try f["crit"].map { (node) throws(LayoutError) in try number(node, "crit") }
            guard warn != nil || crit != nil else {
                throw error("numeric 'thresholds' need 'warn' and/or 'crit'", at: node)
            }
            return .numeric(warn: warn, crit: crit)
        }
        var states: [String: Level] = [:]
        for (key, value) in mapping {
            guard case .scalar(let state) = key else {
                throw error("expected a state name in 'thresholds', not \(describe(key))", at: key)
            }
            guard case .scalar(let levelName) = value, let level = Level(name: levelName.string) else {
                throw error("expected ok, warn or crit for state \(quote(state.string)), not \(describe(value))", at: value)
            }
            states[state.string] = level
        }
        return .states(states)
    }

    mutating func alert(_ node: Node) throws(LayoutError) -> AlertSpec {
        let f = try fields(node, expected: "a mapping for 'alert', such as {level: crit, for: 5s}", place: "in alert",
                           known: ["level", "for", "bell", "command", "on_clear", "timeout", "stale"])
        var alert = AlertSpec()
        if let levelNode = f["level"] {
            let name = try string(levelNode, "level")
            guard let level = Level(name: name), level != .ok else {
                throw error("unknown alert level \(quote(name)); expected warn or crit", at: levelNode)
            }
            alert.level = level
        }
        if let holdNode = f["for"] {
            alert.hold = try duration(holdNode, "for")
            guard alert.hold >= 0 else { throw error("'for' must be 0 or more, not \(describe(holdNode))", at: holdNode) }
        }
        if let bellNode = f["bell"] { alert.bell = try bool(bellNode, "bell") }
        if let commandNode = f["command"] {
            guard case .sequence = commandNode else {
                throw error("'command' must be a list of arguments, not a shell line", at: commandNode)
            }
            alert.command = try strings(commandNode, "command")
        }
        if let clearNode = f["on_clear"] {
            guard case .sequence = clearNode else {
                throw error("'on_clear' must be a list of arguments, not a shell line", at: clearNode)
            }
            alert.onClear = try strings(clearNode, "on_clear")
        }
        if let timeoutNode = f["timeout"] {
            alert.timeout = try duration(timeoutNode, "timeout")
            guard alert.timeout > 0 else {
                throw error("'timeout' must be more than 0, not \(describe(timeoutNode))", at: timeoutNode)
            }
        }
        if let staleNode = f["stale"] { alert.stale = try interval(staleNode, "stale").seconds }
        return alert
    }
}
