import LinkWire
import LiveModel
import NIOCore

/// HTTP CONNECT through a proxy, on bytes: the first handler of a channel, it sends
/// `CONNECT host:port`, holds every write from the handlers above (a TLS ClientHello, a WebSocket
/// upgrade) until the proxy answers 2xx, then passes everything through. NIO's
/// `NIOHTTP1ProxyConnectHandler` needs an HTTP codec in front of it that must be removed before
/// anything else may be written, so it cannot sit under handlers that write as soon as the channel
/// is active; this one works as NIOSOCKS' handler does.
final class ProxyConnectHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum State {
        case waiting
        case requested(head: ByteBuffer?)
        case established
        case failed
    }

    private let proxy: Proxy
    private let target: String
    private var state = State.waiting
    private var held: [(NIOAny, EventLoopPromise<Void>?)] = []
    private var flushHeld = false
    /// The proxy's answer must fit in this (a status line and a few headers).
    static let maxHeadBytes = 16 << 10

    init(proxy: Proxy, targetHost: String, targetPort: Int) {
        self.proxy = proxy
        target = targetHost.contains(":") ? "[\(targetHost)]:\(targetPort)" : "\(targetHost):\(targetPort)"
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { sendConnect(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        sendConnect(context: context)
        context.fireChannelActive()
    }

    private func sendConnect(context: ChannelHandlerContext) {
        guard case .waiting = state else { return }
        state = .requested(head: nil)
        var request = "CONNECT \(target) HTTP/1.1\r\nHost: \(target)\r\nUser-Agent: livetop\r\n"
        if let user = proxy.username {
            let credentials = Array("\(user):\(proxy.password ?? "")".utf8)
            request += "Proxy-Authorization: Basic \(credentials.base64)\r\n"
        }
        request += "\r\n"
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: request)), promise: nil)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch state {
        case .established: context.write(data, promise: promise)
        case .failed: promise?.fail(ChannelError.ioOnClosedChannel)
        case .waiting, .requested: held.append((data, promise))
        }
    }

    func flush(context: ChannelHandlerContext) {
        if case .established = state { context.flush() } else { flushHeld = true }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .requested(var head) = state else {
            if case .established = state { context.fireChannelRead(data) }
            return
        }
        var incoming = unwrapInboundIn(data)
        if head == nil { head = incoming } else { head!.writeBuffer(&incoming) }
        guard var buffer = head else { return }
        let view = buffer.readableBytesView
        guard let end = view.firstRange(of: [13, 10, 13, 10]) else {
            if buffer.readableBytes > Self.maxHeadBytes { fail(context, "its answer to CONNECT is too long") } else { state = .requested(head: buffer) }
            return
        }
        let headLength = end.upperBound - view.startIndex
        let text = buffer.readString(length: headLength) ?? ""
        let statusLine = text.split(separator: "\r\n").first.map(String.init) ?? ""
        let words = statusLine.split(separator: " ", maxSplits: 2)
        guard words.count >= 2, words[0].hasPrefix("HTTP/"), let status = Int(words[1]) else {
            return fail(context, "it did not answer CONNECT with HTTP")
        }
        guard (200..<300).contains(status) else {
            let reason = words.count > 2 ? " \(words[2])" : ""
            // 407 is the standard answer about credentials; tinyproxy says 401 to wrong ones, and
            // 403 is an access rule. None of them changes by asking again, so none is retried.
            let why: String
            switch status {
            case 401, 407:
                why = proxy.username == nil ? "it wants proxy authentication (HTTP \(status)\(reason))"
                    : "it refused the proxy credentials (HTTP \(status)\(reason))"
            default: why = "it answered CONNECT with HTTP \(status)\(reason)"
            }
            return fail(context, why, fatal: [401, 403, 407].contains(status))
        }
        state = .established
        for (data, promise) in held { context.write(data, promise: promise) }
        held.removeAll()
        if flushHeld { context.flush() }
        // Bytes the target sent right behind the proxy's answer belong to the handlers above.
        if buffer.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(buffer)) }
        context.fireUserInboundEventTriggered(ProxyEstablishedEvent())
    }

    private func fail(_ context: ChannelHandlerContext, _ what: String, fatal: Bool = false) {
        state = .failed
        let error = ProxyError(proxy: proxy, problem: what, fatal: fatal)
        for (_, promise) in held { promise?.fail(error) }
        held.removeAll()
        context.fireErrorCaught(error)
        context.close(promise: nil)
    }
}

/// The tunnel through an HTTP proxy is up.
struct ProxyEstablishedEvent {}

/// A proxy that refused or failed, named (for `LinkError.map`).
struct ProxyError: Error {
    var proxy: Proxy
    var problem: String
    var fatal = false
}

extension Array where Element == UInt8 {
    /// Standard base64 (RFC 4648 §4).
    fileprivate var base64: String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        var i = 0
        while i < count {
            let chunk = self[i..<Swift.min(i + 3, count)]
            let v = chunk.enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (16 - 8 * UInt32($1.offset)) }
            for k in 0..<4 {
                out.append(k <= chunk.count ? alphabet[Int(v >> (18 - 6 * UInt32(k)) & 63)] : UInt8(ascii: "="))
            }
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
