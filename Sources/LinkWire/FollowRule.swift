/// What following a file as `tail -F` does when it has read to the end of what it has open.
/// Pure: the open file's and the path's identities and sizes come in, a decision goes out.
public struct FollowRule: Sendable {
    /// A file's identity: a rotated log is a new inode at the same path.
    public struct Identity: Hashable, Sendable {
        public var device: UInt64
        public var inode: UInt64
        public init(device: UInt64, inode: UInt64) {
            self.device = device
            self.inode = inode
        }
    }

    public enum Decision: Hashable, Sendable {
        /// The open file grew: read on.
        case read
        /// The open file is shorter than what was read: it was truncated; read it from its start.
        case truncated
        /// The path now names another file (rotated by `mv` and created again): read what is
        /// left of the old one, then open the new one from its start.
        case reopen
        /// Nothing new; look again after the follow interval.
        case wait
    }

    public init() {}

    /// - Parameters:
    ///   - open: the identity of the file being read; `openSize` its size now; `offset` how far it was read.
    ///   - path: the identity of what the path names now, nil while nothing does (moved away, not yet created again).
    public func decide(open: Identity, openSize: Int64, offset: Int64, path: Identity?) -> Decision {
        if openSize < offset { return .truncated }
        if openSize > offset { return .read }
        if let path, path != open { return .reopen }
        return .wait
    }
}
