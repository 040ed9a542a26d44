import Foundation
import LinkWire
import LiveModel
import PushLink
import TextFormats
import Yams

/// The `sources:` of a layout: each a SourceSpec built with the command line's own types.
extension LayoutReader {
    mutating func sources(_ node: Node?) throws(LayoutError) -> [SourceSpec] {
        guard let node else { return [SourceSpec(name: "main")] }
        let items = try list(node, "sources")
        guard !items.isEmpty else {
            throw error("'sources' is empty; list at least one, or leave it out for one source named main", at: node)
        }
        var specs: [SourceSpec] = []
        for item in items {
            let spec = try source(item)
            if let first = specs.first(where: { $0.name == spec.name }) {
                throw error("duplicate source name '\(spec.name)'; the first is at \(first.location)", at: item)
            }
            specs.append(spec)
        }
        return specs
    }

    mutating func source(_ node: Node) throws(LayoutError) -> SourceSpec {
        let f = try fields(node, expected: "a mapping for a source", place: "in source", known: [
            "name", "url", "headers", "bearer_env", "protocols", "origin", "send", "transport", "fold", "select", "time",
            "poll_cursor", "poll_items", "sse_url", "poll_url", "command", "file", "every", "timeout", "restart", "parse", "expect",
        ])
        guard let nameNode = f["name"] else { throw error("a source needs 'name'", at: node) }
        let name = try string(nameNode, "name")
        guard !name.isEmpty else { throw error("a source's 'name' must not be empty", at: nameNode) }
        var spec = SourceSpec(name: name, location: location(of: node))
        if let urlNode = f["url"] {
            let text = try string(urlNode, "url")
            do {
                spec.url = try SourceAddress(parsing: text)
            } catch {
                throw self.error("'url' \(quote(text)): \(error)", at: urlNode)
            }
        }
        if let headers = f["headers"] {
            for (text, headerNode) in try stringNodes(headers, "headers") {
                do {
                    spec.headers.append(try Header(parsing: text))
                } catch {
                    throw self.error("\(quote(text)) is not a header; \(error)", at: headerNode)
                }
            }
        }
        spec.bearerEnv = try optionalString(f["bearer_env"], "bearer_env")
        spec.protocols = try f["protocols"].map { (node) throws(LayoutError) in try strings(node, "protocols") } ?? []
        spec.origin = try optionalString(f["origin"], "origin")
        spec.send = try f["send"].map { (node) throws(LayoutError) in try strings(node, "send") } ?? []
        if let transportNode = f["transport"] {
            let transport = try string(transportNode, "transport")
            guard let choice = TransportChoice(argument: transport) else {
                throw error("unknown transport \(quote(transport)); expected auto, websocket, sse, stream, longpoll or poll", at: transportNode)
            }
            spec.transport = choice
        }
        if let foldNode = f["fold"] {
            let text = try string(foldNode, "fold")
            guard let fold = FoldRule(text) else {
                throw error("unknown fold \(quote(text)); expected merge, replace, append or upsert:/pointer", at: foldNode)
            }
            spec.fold = fold
        }
        spec.select = try f["select"].map { (node) throws(LayoutError) in try pointer(node, "select") }
        spec.time = try f["time"].map { (node) throws(LayoutError) in try pointer(node, "time") }
        if let cursorNode = f["poll_cursor"] {
            let convention = try string(cursorNode, "poll_cursor")
            guard let parsed = PollCursor.Convention(argument: convention) else {
                throw error("unknown poll_cursor \(quote(convention)); expected auto, validators, query:NAME,header:HEADER or query:NAME,body:/POINTER",
                            at: cursorNode)
            }
            spec.pollCursor = parsed
        }
        spec.pollItems = try f["poll_items"].map { (node) throws(LayoutError) in try pointer(node, "poll_items") }
        spec.sseURL = try f["sse_url"].map { (node) throws(LayoutError) in try endpoint(node, "sse_url") }
        spec.pollURL = try f["poll_url"].map { (node) throws(LayoutError) in try endpoint(node, "poll_url") }
        if let commandNode = f["command"] {
            guard case .sequence = commandNode else {
                throw error("'command' must be a list of arguments such as [vmstat, -n, \"1\"], not a shell line "
                            + "(for one, write [sh, -c, \"…\"])", at: commandNode)
            }
            let argv = try strings(commandNode, "command")
            guard let program = argv.first, !program.isEmpty else {
                throw error("'command' is empty; give the program and its arguments, such as [vmstat, -n, \"1\"]", at: commandNode)
            }
            spec.command = argv
        }
        spec.file = try optionalString(f["file"], "file")
        let places = [spec.url.map { _ in "url" }, spec.command.map { _ in "command" }, spec.file.map { _ in "file" }].compactMap { $0 }
        if places.count > 1 {
            throw error("a source reads one thing: give one of url, command and file, not \(places.joined(separator: " and "))", at: node)
        }
        spec.every = try f["every"].map { (node) throws(LayoutError) in try interval(node, "every") }
        spec.timeout = try f["timeout"].map { (node) throws(LayoutError) in try interval(node, "timeout") }
        spec.expect = try f["expect"].map { (node) throws(LayoutError) in try interval(node, "expect") }
        if let restartNode = f["restart"] { spec.restart = try bool(restartNode, "restart") }
        if let parseNode = f["parse"] {
            let text = try string(parseNode, "parse")
            guard let format = TextFormat(rawValue: text) else {
                throw error("unknown parse \(quote(text)); expected \(TextFormat.allCases.map(\.rawValue).joined(separator: ", "))", at: parseNode)
            }
            spec.parse = format
        }
        if spec.timeout != nil && (spec.command == nil || spec.every == nil) {
            throw error("'timeout' is for a command run every interval ('command' with 'every')", at: f["timeout"] ?? node)
        }
        return spec
    }

    /// Where SSE or long-poll goes instead (`sse_url`, `poll_url`): `--sse-url`'s grammar.
    func endpoint(_ node: Node, _ key: String) throws(LayoutError) -> HTTPEndpoint {
        let text = try string(node, key)
        do {
            return try HTTPEndpoint(parsing: text)
        } catch {
            throw self.error("'\(key)' \(quote(text)): \(error)", at: node)
        }
    }

    /// A duration above 0 (`every`, `expect`, `timeout`), at most a day.
    func interval(_ node: Node, _ key: String) throws(LayoutError) -> Interval {
        guard let interval = Interval(seconds: try duration(node, key)) else {
            throw error("'\(key)' must be above 0 and at most a day, such as 2s or 500ms, not \(describe(node))", at: node)
        }
        return interval
    }
}
