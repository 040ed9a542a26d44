import Foundation
import Testing
import TestSupport

/// The man page and shell completions committed under Packaging/ are what swift-argument-parser
/// generates from the options of the built binary: regenerated here and compared byte for byte,
/// so an option added without `bash Scripts/package.sh --docs` fails the suite.
@Suite(.timeLimit(.minutes(3)), .startsProcesses) struct GeneratedDocsTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let hint = "out of step with the options: run bash Scripts/package.sh --docs"

    /// The folder holding the built `livetop` (and `generate-manual`, when it was built).
    static var binDirectory: URL {
        let candidates = [
            Bundle.main.bundleURL,
            Bundle.main.bundleURL.deletingLastPathComponent(),
            root.appendingPathComponent(".build/debug"),
        ]
        return candidates.first {
            FileManager.default.isExecutableFile(atPath: $0.appendingPathComponent("livetop").path)
        } ?? candidates[2]
    }

    /// Next to livetop, or in the debug build folder when the tests run from another one (the
    /// ThreadSanitizer run of Scripts/test.sh builds into .build-tsan): the tool only reads the
    /// options livetop prints with --experimental-dump-help, so any build of it will do.
    static var generateManual: String {
        let candidates = [binDirectory, root.appendingPathComponent(".build/debug")]
            .map { $0.appendingPathComponent("generate-manual").path }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
    }

    /// generate-manual is built by `swift build --product generate-manual` (package.sh --docs does it),
    /// not by `swift build --build-tests`; under CI its absence fails the test.
    static var canGenerateManual: Bool {
        TestEnvironment.isCI || FileManager.default.isExecutableFile(atPath: generateManual)
    }

    /// Runs `argv` with stdout into a file and returns (exit status, stdout bytes). A run that has
    /// not ended after `seconds` is killed by its PID and fails the test.
    static func run(_ argv: [String], seconds: Double = 30) async throws -> (Int32, Data) {
        let directory = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = directory.appendingPathComponent("stdout").path
        let err = directory.appendingPathComponent("stderr").path
        let pid = try TestEnvironment.spawn(argv, stdout: out, stderr: err)
        let overdue = Flag()
        let killer = DispatchWorkItem {
            overdue.set()
            kill(pid, SIGKILL)
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds * testTimeScale, execute: killer)
        let status = await TestEnvironment.waitForExit(pid)
        killer.cancel()
        if overdue.isSet { throw TimedOut(what: "\(argv.joined(separator: " ")) to end") }
        let stderr = (try? String(contentsOfFile: err, encoding: .utf8)) ?? ""
        #expect(status == 0, "\(argv.joined(separator: " ")) exited with wait status \(status): \(stderr)")
        return (status, try Data(contentsOf: URL(fileURLWithPath: out)))
    }

    /// Where the completions are committed, by shell (the names package.sh gives them).
    @Test(arguments: [("bash", "livetop.bash"), ("zsh", "_livetop"), ("fish", "livetop.fish")])
    func completionScriptIsCommitted(shell: String, file: String) async throws {
        let binary = Self.binDirectory.appendingPathComponent("livetop").path
        let (status, generated) = try await Self.run([binary, "--generate-completion-script", shell])
        try #require(status == 0)
        #expect(!generated.isEmpty)
        let path = Self.root.appendingPathComponent("Packaging/completions/\(file)")
        let committed = try Data(contentsOf: path)
        #expect(generated == committed, "Packaging/completions/\(file) is \(Self.hint)")
    }

    @Test(.enabled(if: canGenerateManual, "generate-manual is not built (bash Scripts/package.sh --docs builds it)"))
    func manPageIsCommitted() async throws {
        let tool = Self.generateManual
        try #require(FileManager.default.isExecutableFile(atPath: tool),
                     "\(tool) is missing: swift build --product generate-manual (bash Scripts/package.sh --docs builds it)")
        // The date on the page is fixed in package.sh, so that the page does not change every day.
        let script = try String(contentsOf: Self.root.appendingPathComponent("Scripts/package.sh"), encoding: .utf8)
        let dateLine = try #require(script.split(separator: "\n").first { $0.hasPrefix("MANUAL_DATE=") })
        let date = String(dateLine.dropFirst("MANUAL_DATE=".count))
        let directory = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let binary = Self.binDirectory.appendingPathComponent("livetop").path
        let (status, _) = try await Self.run([tool, binary, "--date", date, "--output-directory", directory.path])
        try #require(status == 0)
        let generated = try Data(contentsOf: directory.appendingPathComponent("livetop.1"))
        let committed = try Data(contentsOf: Self.root.appendingPathComponent("Packaging/man/livetop.1"))
        #expect(String(decoding: generated, as: UTF8.self).contains("Fl -max-messages"), "the page documents the options of watch, the default command")
        #expect(generated == committed, "Packaging/man/livetop.1 is \(Self.hint)")
    }
}
