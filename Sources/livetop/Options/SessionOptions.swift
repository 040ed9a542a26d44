import ArgumentParser
import Foundation
import PushLink

/// What livetop says on a feed's connection once it is up (subprotocols, Origin, subscribe
/// messages, Socket.IO), and whether it reconnects when the connection ends.
struct SessionOptions: ParsableArguments {
    @Option(name: .customLong("protocol"), help: ArgumentHelp("A WebSocket subprotocol to offer (repeatable).", valueName: "name"))
    var protocols: [String] = []

    @Option(help: ArgumentHelp("The Origin header.", valueName: "origin"))
    var origin: String?

    @Option(help: ArgumentHelp("A text message to send after every connect and reconnect (repeatable, in order).", valueName: "text"))
    var send: [String] = []

    @Option(help: ArgumentHelp("Send this file's contents after every connect, after the --send messages (repeatable).", valueName: "file"))
    var sendFile: [String] = []

    @Flag(help: "End when the connection ends instead of reconnecting: exit 0 after a normal close, 1 after an error.")
    var exitOnClose = false

    @Flag(help: "Do not offer permessage-deflate compression on WebSocket connections.")
    var noDeflate = false

    @Option(help: ArgumentHelp("Where a Socket.IO server answers (default /socket.io/).", valueName: "path"))
    var socketioPath = "/socket.io/"

    @Option(help: ArgumentHelp("The Socket.IO namespace's auth payload (JSON), sent with every connect.", valueName: "json"))
    var socketioAuth: String?

    @Option(help: ArgumentHelp("Emit a Socket.IO event after every connect and reconnect: 'NAME JSON', one value (repeatable).",
                               valueName: "'name json'"), transform: SocketIOEvent.parse)
    var sendEvent: [SocketIOEvent] = []

    func validate() throws {
        if let socketioAuth, (try? JSONSerialization.jsonObject(with: Data(socketioAuth.utf8))) == nil {
            throw ValidationError("--socketio-auth takes a JSON object, and '\(socketioAuth)' is not one")
        }
        guard socketioPath.hasPrefix("/") else { throw ValidationError("--socketio-path must start with /") }
        for file in sendFile where !FileManager.default.isReadableFile(atPath: file) {
            throw ValidationError("--send-file \(file): cannot read that file")
        }
    }

    func apply(to c: inout LinkConfiguration) throws {
        c.protocols = protocols
        c.origin = origin
        c.sendOnOpen = send
        for file in sendFile {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw ValidationError("--send-file \(file): cannot read it as UTF-8 text")
            }
            c.sendOnOpen.append(text)
        }
        c.reconnect.exitOnClose = exitOnClose
        c.deflate = !noDeflate
        c.socketIOPath = socketioPath
        c.socketIOAuth = socketioAuth
        c.sendEvents = sendEvent.map { ($0.name, $0.json) }
    }
}
