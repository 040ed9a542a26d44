import ArgumentParser
import Foundation

/// The request headers every connection sends: `-H` and a bearer token from the environment.
struct HeaderOptions: ParsableArguments {
    @Option(name: [.customShort("H"), .long], help: ArgumentHelp("A request header, 'Name: value' (repeatable).", valueName: "header"),
            transform: Header.parse)
    var header: [Header] = []

    @Option(help: ArgumentHelp("Send 'Authorization: Bearer <value of VAR>'; the token is never printed.", valueName: "VAR"))
    var bearerEnv: String?

    func validate() throws {
        if let bearerEnv, ProcessInfo.processInfo.environment[bearerEnv] == nil {
            throw ValidationError("--bearer-env \(bearerEnv): that environment variable is not set")
        }
    }

    /// The headers in order, the bearer token's last.
    func fields(environment: [String: String] = ProcessInfo.processInfo.environment) -> [(name: String, value: String)] {
        var fields = header.map { (name: $0.name, value: $0.value) }
        if let bearerEnv, let token = environment[bearerEnv] { fields.append(("Authorization", "Bearer \(token)")) }
        return fields
    }
}
