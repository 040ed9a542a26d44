import Foundation

/// The demo's "the feed has stalled" switch, shared by the chaos task and the feed task.
final class StallSwitch: @unchecked Sendable {
    private let lock = NSLock()
    private var on = false
    var isOn: Bool { lock.withLock { on } }
    func set(_ value: Bool) { lock.withLock { on = value } }
}
