import Foundation
import Testing
import TestSupport

/// The Autobahn|Testsuite fuzzing server (wstest, the standard RFC 6455 conformance suite) against
/// `livetop-autobahn`, the echo client built on PushLink's own WebSocket connection: sections 1-7
/// (framing, pings, reserved bits, opcodes, fragmentation, UTF-8, closing), 9 (limits and
/// performance) and 10 (misc). No case may be FAILED. Sections 12 and 13 (permessage-deflate) take
/// minutes: `bash Scripts/autobahn.sh --manual` runs them. This run takes 35-65 s on 2 busy cores,
/// most of it section 9 (messages up to 16 MiB, whose echoes NIO masks unoptimized in a debug build).
/// wstest is installed by `bash Scripts/autobahn.sh --install`; without it the test fails under CI
/// and is skipped elsewhere.
@Suite(.serialized, .timeLimit(.minutes(6)), .startsProcesses, .enabled(if: wstestPath() != nil || TestEnvironment.isCI,
                                                         "wstest is missing: bash Scripts/autobahn.sh --install"))
struct AutobahnTests {
    static let sections = ["1", "2", "3", "4", "5", "6", "7", "9", "10"]

    static var client: String {
        let name = "livetop-autobahn"
        let candidates = [
            Bundle.main.bundleURL.appendingPathComponent(name),
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent(name),
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent(".build/debug/\(name)"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }?.path ?? candidates[2].path
    }

    /// One case's result, as index.json gives it.
    struct Verdict {
        let id: String
        let behavior: String
        let behaviorClose: String
        /// The close code the client (livetop) sent.
        let remoteCloseCode: Int?
        var section: String { String(id.prefix { $0 != "." }) }
    }

    @Test func fuzzingServerFindsNoFailure() async throws {
        guard let wstest = wstestPath() else {
            throw MissingTool(description: "wstest is missing (bash Scripts/autobahn.sh --install)")
        }
        guard FileManager.default.isExecutableFile(atPath: Self.client) else {
            throw MissingTool(description: "\(Self.client) is not built (swift build --build-tests builds it)")
        }
        let started = Date()
        let dir = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let port = try TestEnvironment.freePort()
        let report = dir.appendingPathComponent("report")
        let spec: [String: Any] = [
            "url": "ws://127.0.0.1:\(port)",
            "outdir": report.path,
            "cases": Self.sections.map { "\($0).*" },
            "exclude-cases": [String](),
            "exclude-agent-cases": [String: String](),
        ]
        let specPath = dir.appendingPathComponent("spec.json")
        try JSONSerialization.data(withJSONObject: spec).write(to: specPath)

        // wstest's Python 2 runs our launcher, which binds the server to 127.0.0.1 only.
        let python = URL(fileURLWithPath: wstest).deletingLastPathComponent().appendingPathComponent("python").path
        let server = try TestEnvironment.spawn(
            [python, TestEnvironment.serverFixture("wstest_loopback.py"), "-m", "fuzzingserver", "-s", specPath.path, "-u", "0"],
            stdout: dir.appendingPathComponent("wstest.log").path, stderr: dir.appendingPathComponent("wstest.err").path,
            newProcessGroup: true)
        defer { Self.stop(server, group: true) }

        // The client retries its first connection while the server starts, then runs every case.
        let clientLog = dir.appendingPathComponent("client.log").path
        let client = try TestEnvironment.spawn([Self.client, "ws://127.0.0.1:\(port)", "--agent", "livetop", "--wait", "30"],
                                               stdout: clientLog, stderr: dir.appendingPathComponent("client.err").path)
        let exitStatus = ExitStatus()
        defer { if !exitStatus.exited { Self.stop(client, group: false) } }
        try await eventually(300, "livetop-autobahn to run every case", every: 0.2) {
            var raw: Int32 = 0
            guard waitpid(client, &raw, WNOHANG) == client else { return false }
            exitStatus.set(raw)
            return true
        }
        let clientLines = (try? String(contentsOfFile: clientLog, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOfFile: dir.appendingPathComponent("client.err").path, encoding: .utf8)) ?? ""
        #expect(exitStatus.value == 0, "livetop-autobahn exited with status \(exitStatus.value): \(stderr)")

        let verdicts = try Self.verdicts(report.appendingPathComponent("index.json"))
        let seconds = Date().timeIntervalSince(started)
        print(Self.summary(verdicts, seconds: seconds))
        #expect(verdicts.count > 300, "only \(verdicts.count) cases ran; client log:\n\(clientLines.suffix(2000))")
        #expect(Set(verdicts.map(\.section)) == Set(Self.sections))
        let failed = verdicts.filter { $0.behavior == "FAILED" || $0.behaviorClose == "FAILED" }
        #expect(failed.isEmpty, "FAILED: \(failed.map { "\($0.id) (\($0.behavior), close \($0.behaviorClose))" })")
    }

    /// index.json: `{agent: {case: {behavior, behaviorClose, remoteCloseCode, ...}}}`, cases in numeric order.
    static func verdicts(_ index: URL) throws -> [Verdict] {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: index))
        let agents = try #require(object as? [String: [String: [String: Any]]], "index.json has an unexpected shape")
        let cases = try #require(agents["livetop"], "index.json has no agent 'livetop': \(agents.keys.sorted())")
        return cases.map { id, fields in
            Verdict(id: id, behavior: fields["behavior"] as? String ?? "?", behaviorClose: fields["behaviorClose"] as? String ?? "?",
                    remoteCloseCode: fields["remoteCloseCode"] as? Int)
        }.sorted { $0.id.split(separator: ".").map { Int($0) ?? 0 }.lexicographicallyPrecedes($1.id.split(separator: ".").map { Int($0) ?? 0 }) }
    }

    /// Counts by verdict, in all and per section, then every case that is not plainly OK.
    static func summary(_ verdicts: [Verdict], seconds: Double) -> String {
        let order = ["OK", "NON-STRICT", "INFORMATIONAL", "UNIMPLEMENTED", "FAILED"]
        func counts(_ list: [Verdict]) -> String {
            let byVerdict = Dictionary(grouping: list, by: \.behavior).mapValues(\.count)
            let known = order.compactMap { v in byVerdict[v].map { "\(v) \($0)" } }
            let other = byVerdict.keys.filter { !order.contains($0) }.sorted().map { "\($0) \(byVerdict[$0]!)" }
            return (known + other).joined(separator: ", ")
        }
        var lines = ["Autobahn|Testsuite, \(verdicts.count) cases in \(Int(seconds.rounded())) s: \(counts(verdicts))"]
        for section in sections {
            let list = verdicts.filter { $0.section == section }
            lines.append("  section \(section): \(list.count) cases: \(counts(list))")
        }
        for v in verdicts where v.behavior != "OK" || !["OK", "INFORMATIONAL"].contains(v.behaviorClose) {
            lines.append("  \(v.id): \(v.behavior), close \(v.behaviorClose), livetop's close code \(v.remoteCloseCode.map(String.init) ?? "none")")
        }
        return lines.joined(separator: "\n")
    }

    /// SIGTERM to the process (or its whole group), SIGKILL after 2 s, then reaped. Only for a
    /// process not reaped yet: its PID is still ours.
    static func stop(_ pid: pid_t, group: Bool) {
        var raw: Int32 = 0
        if waitpid(pid, &raw, WNOHANG) == pid { return }
        let target = group ? -pid : pid
        kill(target, SIGTERM)
        let reaped = Flag()
        DispatchQueue.global().asyncAfter(deadline: .now() + 2) {
            if !reaped.isSet { kill(target, SIGKILL) }
        }
        waitpid(pid, &raw, 0)
        reaped.set()
    }
}

/// wstest's own script: `LIVETOP_WSTEST`, else where Scripts/autobahn.sh puts it; nil when missing.
func wstestPath() -> String? {
    let path = ProcessInfo.processInfo.environment["LIVETOP_WSTEST"] ?? "/opt/wstest/bin/wstest"
    return FileManager.default.isExecutableFile(atPath: path) ? path : nil
}

/// The echo client's exit status, from the polling closure to the test.
private final class ExitStatus: @unchecked Sendable {
    private let lock = NSLock()
    private var raw: Int32 = -1
    func set(_ value: Int32) { lock.withLock { raw = value } }
    var exited: Bool { lock.withLock { raw >= 0 } }
    /// The exit code, or 128 + the signal for a killed process, -1 before it exited.
    var value: Int32 {
        lock.withLock {
            guard raw >= 0 else { return -1 }
            let signal = raw & 0x7f
            return signal == 0 ? (raw >> 8) & 0xff : 128 + signal
        }
    }
}
