import Glibc

/// What kind of file a directory entry or `stat` names.
public enum FileType: Sendable, Equatable {
    case regular, directory, symbolicLink, other

    /// From `st_mode`.
    public init(mode: mode_t) {
        switch mode & S_IFMT {
        case S_IFREG: self = .regular
        case S_IFDIR: self = .directory
        case S_IFLNK: self = .symbolicLink
        default: self = .other
        }
    }
}

/// A file as `stat` saw it at one moment: which inode, how big, when its content and its inode
/// last changed. The one identity type of collect's cache and serve's file table; each caller
/// picks the comparison its rule needs (``sameInode(_:)``-and-all for a source the cache may
/// skip, ``sameContentStamp(_:)`` for a file served per request).
public struct FileIdentity: Sendable, Hashable {
    public var device: UInt64
    public var inode: UInt64
    public var size: Int64
    /// Modification time, nanoseconds since the epoch.
    public var modified: Int64
    /// Inode change time, nanoseconds since the epoch. Unlike mtime it cannot be set back, so a
    /// rewrite that restores mtime (`cp -p`, `rsync -t`) still changes it.
    public var changed: Int64

    public init(device: UInt64, inode: UInt64, size: Int64, modified: Int64, changed: Int64) {
        self.device = device
        self.inode = inode
        self.size = size
        self.modified = modified
        self.changed = changed
    }

    /// The identity of a `stat`ed (or `fstat`ed) file.
    public init(_ info: stat) {
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        modified = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        changed = Int64(info.st_ctim.tv_sec) * 1_000_000_000 + Int64(info.st_ctim.tv_nsec)
    }

    /// `stat` (follow: true) or `lstat` of `path`; nil when it cannot be inspected.
    public init?(path: String, follow: Bool) {
        guard let info = try? Syscall.stat(path, follow: follow) else { return nil }
        self.init(info)
    }

    /// Whole seconds of the modification time (`Last-Modified`), rounded down like `st_mtim.tv_sec`.
    public var modifiedSeconds: Int64 {
        modified >= 0 ? modified / 1_000_000_000 : -((-modified + 999_999_999) / 1_000_000_000)
    }

    /// Same size and modification time: the bytes were not rewritten, short of a rewrite that
    /// kept both (what serve checks per request, and collect for its own outputs).
    public func sameContentStamp(_ other: FileIdentity) -> Bool {
        size == other.size && modified == other.modified
    }
}
