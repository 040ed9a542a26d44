import ArgumentParser
import LinkWire
import LiveModel
import PushLink

#if canImport(Glibc)
import Glibc
#endif

/// `livetop-autobahn`: the Autobahn|Testsuite echo client. It drives livetop's own WebSocket
/// connection (PushLink's connector, frame handler and limits, the message batches livetop reads)
/// through the fuzzing server's protocol: `/getCaseCount`, then `/runCase?case=i&agent=A` for each
/// case, echoing every message back as it came, then `/updateReports?agent=A`.
@main
struct AutobahnClient: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "livetop-autobahn",
        abstract: "Runs the Autobahn|Testsuite fuzzing server's cases against livetop's WebSocket client.",
        discussion: "Start the server first: wstest -m fuzzingserver -s spec.json (see Scripts/autobahn.sh).")

    @Argument(help: "The fuzzing server, e.g. ws://127.0.0.1:9001.")
    var server: String

    @Option(help: "The agent name the report lists the cases under.")
    var agent = "livetop"

    @Option(name: .customLong("max-message"), help: "Largest message accepted, in bytes (livetop's default: 16 MiB).")
    var maxMessage = 16 << 20

    @Option(help: "Seconds to keep trying the first connection while the server starts.")
    var wait = 20.0

    @Option(help: "Run only cases FROM...TO (numbers in the server's order), e.g. 1-10.")
    var cases: String?

    @Flag(help: "Do not offer permessage-deflate (as livetop's --no-deflate).")
    var noDeflate = false

    func validate() throws {
        guard server.hasPrefix("ws://") || server.hasPrefix("wss://") else {
            throw ValidationError("the server must be a ws:// or wss:// URL, not '\(server)'")
        }
        guard !agent.isEmpty, agent.utf8.allSatisfy({ $0 < 0x80 && (isalnum(Int32($0)) != 0 || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_")) })
        else { throw ValidationError("--agent takes letters, digits, '-' and '_' (it goes into URLs and report file names)") }
        guard maxMessage > 0 else { throw ValidationError("--max-message must be positive") }
        if let cases, Self.range(cases) == nil { throw ValidationError("--cases takes FROM-TO, e.g. 1-10, not '\(cases)'") }
    }

    func run() async throws {
        let base = server.hasSuffix("/") ? String(server.dropLast()) : server
        let count = try await caseCount(base)
        guard count > 0 else { throw Failure("the server has no cases to run (see its spec's \"cases\")") }
        let selected = cases.flatMap(Self.range).map { $0.clamped(to: 1...count) } ?? 1...count
        say("livetop-autobahn: \(count) cases on the server; running \(selected.lowerBound)-\(selected.upperBound) as '\(agent)'")
        for number in selected {
            let ending = await echo(try url("\(base)/runCase?case=\(number)&agent=\(agent)"))
            say("case \(number): \(ending)")
        }
        let reports = await echo(try url("\(base)/updateReports?agent=\(agent)"))
        say("reports updated: \(reports)")
    }

    /// `/getCaseCount` answers with one text message, the number of cases; retried while the
    /// server is not listening yet, up to `--wait` seconds.
    private func caseCount(_ base: String) async throws -> Int {
        let deadline = ContinuousClock.now + .milliseconds(Int64(wait * 1000))
        while true {
            do {
                let session = try await WebSocketSession.connect(configuration(try url("\(base)/getCaseCount")))
                var text: String?
                for await event in session.events {
                    if case .messages(let batch) = event, text == nil, let first = batch.messages.first {
                        text = String(decoding: batch.bytes[first.offset..<first.offset + first.length], as: UTF8.self)
                    }
                }
                guard let text, let count = Int(text) else {
                    throw Failure("getCaseCount answered \(text.map { String(reflecting: $0) } ?? "nothing") instead of a number")
                }
                return count
            } catch let error as LinkError where error == .refused && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))  // the server is still starting
            } catch let error as LinkError {
                throw Failure("no fuzzing server at \(base)/getCaseCount: \(error)")
            }
        }
    }

    /// Echoes every message of one connection back as it came, one write burst per read burst,
    /// until the connection ends; returns why it ended.
    private func echo(_ url: FeedURL) async -> String {
        let session: WebSocketSession
        do {
            session = try await WebSocketSession.connect(configuration(url))
        } catch {
            return "not connected: \(error)"
        }
        var ending = "ended"
        for await event in session.events {
            switch event {
            case .messages(let batch): session.send(batch)
            case .state(.closed(let reason), _): ending = reason ?? "closed"
            case .state: break
            }
        }
        return ending
    }

    /// livetop's defaults for a feed, with this run's limit and deflate choice.
    private func configuration(_ url: FeedURL) -> LinkConfiguration {
        var configuration = LinkConfiguration(url: url)
        configuration.maxMessageBytes = maxMessage
        configuration.deflate = !noDeflate
        return configuration
    }

    private func url(_ text: String) throws -> FeedURL {
        do {
            return try FeedURL(text)
        } catch {
            throw Failure("\(error)")
        }
    }

    /// One line on stdout at once (a log file sees each case as it ends; stdout to a file is buffered).
    /// Close reasons come from the server: control characters are printed escaped, never raw.
    private func say(_ line: String) {
        print(line.unicodeScalars.map { scalar in
            scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) ? scalar.escaped(asASCII: true) : String(scalar)
        }.joined())
        fflush(nil)
    }

    private static func range(_ text: String) -> ClosedRange<Int>? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let from = Int(parts[0]), let to = Int(parts[1]), from >= 1, from <= to else { return nil }
        return from...to
    }
}

/// A failure of the run (not of the command line): one line, no usage text.
struct Failure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
