import LiveModel
/// What every Redis connection of livetop says first, before SUBSCRIBE or PUBLISH: AUTH when the
/// URL has a password, SELECT when it names a database. They are pipelined with what follows;
/// their answers come back first and in order.
package enum RedisHandshake {
    package struct Step {
        package var name: String
        package var command: [[UInt8]]
        package init(name: String, command: [[UInt8]]) {
            self.name = name
            self.command = command
        }
    }

    package static func steps(_ address: RedisAddress) -> [Step] {
        var steps: [Step] = []
        if let password = address.password {
            var words = [Array("AUTH".utf8)]
            if let user = address.user { words.append(Array(user.utf8)) }
            words.append(Array(password.utf8))
            steps.append(Step(name: "AUTH", command: words))
        }
        if let db = address.database { steps.append(Step(name: "SELECT", command: [Array("SELECT".utf8), Array(String(db).utf8)])) }
        return steps
    }

    /// The answer to a step: `+OK`, or an error that retrying will not mend (a wrong password, a
    /// database that does not exist).
    package static func check(_ reply: RESPValue, of step: Step) throws(LinkError) {
        switch reply {
        case .simple: return
        case .error(let text):
            // LOADING and the like pass: they are worth another try.
            if isTransient(text) { throw .io("Redis answered \(step.name) with: \(printable(text))") }
            throw .refusedByServer("Redis refused \(step.name): \(printable(text))")
        default:
            throw .badReply("bad Redis reply to \(step.name): \(summary(reply))")
        }
    }

    /// Error replies that say "try again later": the dataset is still loading, a script is busy,
    /// a cluster slot is moving, a replica lost its master.
    package static func isTransient(_ error: String) -> Bool {
        let kind = error.prefix { $0 != " " }
        return ["LOADING", "TRYAGAIN", "BUSY", "MASTERDOWN", "CLUSTERDOWN"].contains(kind)
    }

    /// Text from the server, made fit for one line: control characters become `?`, and it is cut at 200 characters.
    package static func printable(_ text: String) -> String {
        let clean = String(String.UnicodeScalarView(text.unicodeScalars.prefix(200).map {
            $0.properties.generalCategory == .control || $0.properties.generalCategory == .format ? "?" : $0
        }))
        return text.unicodeScalars.count > 200 ? clean + "..." : clean
    }

    /// What kind of value came, for an error message.
    package static func summary(_ value: RESPValue) -> String {
        switch value {
        case .simple(let text): return "status '\(printable(text))'"
        case .error(let text): return "error '\(printable(text))'"
        case .integer(let n): return "integer \(n)"
        case .bulk(nil): return "null"
        case .bulk(let bytes?): return "a bulk string of \(bytes.count) bytes"
        case .array(nil): return "a null array"
        case .array(let items?): return "an array of \(items.count) items"
        }
    }
}
