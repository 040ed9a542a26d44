import Dispatch
import LinkWire
import LiveModel
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#endif

/// Reads a regular file's lines on a thread of its own and hands each read's lines to the link
/// as one batch; with `follow`, keeps reading as the file grows, and follows it through rotation
/// and truncation as `tail -F` does (`FollowRule`). Regular files cannot be watched with epoll, so
/// the end of the file is looked at every `followInterval`.
final class FileFollower: Sendable {
    private let path: String
    private let follow: Bool
    private let configuration: LocalConfiguration
    private let sink: EventSink
    private let wallClock: @Sendable () -> Int64
    private let state = NIOLockedValueBox(State())
    private let wake = DispatchSemaphore(value: 0)

    private struct State {
        var cancelled = false
    }

    init(path: String, follow: Bool, configuration: LocalConfiguration, sink: EventSink, wallClock: @escaping @Sendable () -> Int64) {
        self.path = path
        self.follow = follow
        self.configuration = configuration
        self.sink = sink
        self.wallClock = wallClock
    }

    /// Opens the file (throws a one-line reason when it cannot), then reads it on a thread until
    /// `cancel()` or, without `follow`, its end. `ended` is called once, from that thread.
    /// `given`: an open descriptor to read (stdin), else `path` is opened.
    /// `opened` runs once the file is open, before its first line can be handed on.
    func start(fd given: CInt? = nil, opened: () -> Void, ended: @escaping @Sendable () -> Void) throws(LinkError) {
        let fd: CInt
        if let given {
            fd = given
        } else {
            fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw LinkError.io("cannot open \(path): \(String(cString: strerror(errno)))") }
        }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) != S_IFDIR else {
            close(fd)
            throw LinkError.spawn("\(path) is a directory, not a file to follow")
        }
        // A followed log starts with its last lines, as tail does; stdin and a file read once start at the top.
        var offset: Int64 = 0
        var skipFirstLine = false
        if follow && given == nil && Int64(info.st_size) > Int64(configuration.fileTail) {
            offset = Int64(info.st_size) - Int64(configuration.fileTail)
            skipFirstLine = true
        }
        opened()
        let thread = Thread { [self, offset, skipFirstLine] in
            read(fd: fd, from: offset, skippingFirstLine: skipFirstLine)
            ended()
        }
        thread.name = "livetop file \(path)"
        thread.start()
    }

    func cancel() {
        state.withLockedValue { $0.cancelled = true }
        wake.signal()
    }

    private var isCancelled: Bool { state.withLockedValue { $0.cancelled } }

    private func read(fd start: CInt, from startOffset: Int64, skippingFirstLine: Bool) {
        var fd = start
        var offset = startOffset
        var lines = LineMessages(limit: configuration.maxMessageBytes, format: configuration.format)
        var skipping = skippingFirstLine
        let rule = FollowRule()
        var block = [UInt8](repeating: 0, count: 1 << 16)
        defer { close(fd) }
        while !isCancelled {
            let count = block.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(offset)) }
            if count > 0 {
                offset += Int64(count)
                var batch = MessageBatch(transport: configuration.source.transport)
                block.withUnsafeBytes { raw in
                    var bytes = UnsafeRawBufferPointer(rebasing: raw[0..<count])
                    if skipping, let newline = bytes.firstIndex(of: 0x0A) {
                        // The tail starts inside a line: that line's start is not in it.
                        skipping = false
                        bytes = UnsafeRawBufferPointer(rebasing: bytes[(newline + 1)...])
                    } else if skipping {
                        return
                    }
                    lines.feed(bytes, into: &batch)
                }
                hand(&batch, notes: lines.takeNotes())
                continue
            }
            if count < 0 && errno == EINTR { continue }
            if count < 0 {
                hand(note: "reading \(path) failed: \(String(cString: strerror(errno)))")
                return
            }
            // The end of what is there now.
            guard follow else {
                var batch = MessageBatch(transport: configuration.source.transport)
                lines.finish(into: &batch)
                hand(&batch, notes: lines.takeNotes())
                return
            }
            var opened = stat()
            var named = stat()
            fstat(fd, &opened)
            let pathNow = stat(path, &named) == 0 ? FollowRule.Identity(device: UInt64(named.st_dev), inode: UInt64(named.st_ino)) : nil
            let decision = rule.decide(open: FollowRule.Identity(device: UInt64(opened.st_dev), inode: UInt64(opened.st_ino)),
                                       openSize: Int64(opened.st_size), offset: offset, path: pathNow)
            switch decision {
            case .read:
                continue
            case .truncated:
                offset = 0
                hand(note: "\(path) was truncated; reading it from its start")
            case .reopen:
                let next = open(path, O_RDONLY | O_CLOEXEC)
                guard next >= 0 else { break }
                var batch = MessageBatch(transport: configuration.source.transport)
                lines.finish(into: &batch)
                hand(&batch, notes: nil)
                close(fd)
                fd = next
                offset = 0
                hand(note: "\(path) was replaced (rotated); following the new file from its start")
            case .wait:
                _ = wake.wait(timeout: .now() + .nanoseconds(Int(configuration.followInterval.seconds * 1e9)))
            }
        }
    }

    /// Hands on a read's lines; blocks while the consumer is behind (backpressure), until it
    /// catches up or the follower is cancelled.
    private func hand(_ batch: inout MessageBatch, notes: String?) {
        var events: [LinkEvent] = []
        if !batch.isEmpty {
            batch.receivedAt = wallClock()
            events.append(.messages(batch))
        }
        if let notes { events.append(.state(.note(transport: configuration.source.transport, text: notes), at: wallClock())) }
        guard !events.isEmpty else { return }
        if !sink.yield(events) {
            sink.whenResumed { [wake] in wake.signal() }
            while sink.isPaused && !isCancelled { wake.wait() }
        }
    }

    private func hand(note: String) {
        var none = MessageBatch(transport: configuration.source.transport)
        hand(&none, notes: note)
    }
}

import Foundation
