// Stand-in for the NIO-based StreamTransport, of which LinkError needs only this check; the
// fuzz build compiles PushLink's pure files alone so that it does not build SwiftNIO.
enum StreamTransport {
    static func isStreamType(_ contentType: String) -> Bool { false }
}
