import JSONLines
import LiveModel

// Kept apart from HeadlessWriter.swift so that the writer's own file compiles without the layout
// and alert types (for a stand-alone benchmark of the message lines).
extension HeadlessWriter {
    /// An alert raised or cleared, as one line (nothing with `--emit messages`).
    func write(_ change: AlertChange, at time: Timestamp, into out: inout StandardOutput) {
        guard emit == .all else { return }
        let (type, alert, value): (String, Alert, JSONValue)
        switch change {
        case .raised(let a): (type, alert, value) = ("alert", a, a.value)
        case .cleared(let a, let now): (type, alert, value) = ("alert_cleared", a, now)
        }
        var object = JSONObject()
        object["type"] = .string(type)
        object["time"] = .string(time.rfc3339)
        object["source"] = .string(alert.source)
        object["panel"] = .string(alert.panel)
        object["pointer"] = .string(alert.pointer)
        object["level"] = .string(alert.level.description)
        object["value"] = value
        JSONValue.object(object).write(into: &out.buffer)
        out.buffer.append(UInt8(ascii: "\n"))
    }
}
