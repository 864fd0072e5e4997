import Glibc

/// One name in a directory, with the type the directory entry gives for it.
public struct DirectoryEntry: Sendable, Equatable {
    /// The name's bytes (a Linux name is any bytes but `/` and NUL).
    public var bytes: [UInt8]
    /// What `d_type` says; nil when the file system does not say (`DT_UNKNOWN`): `stat` it.
    /// A symlink is `.symbolicLink` here, whatever it points to.
    public var type: FileType?

    /// The name, when it is valid UTF-8.
    public var name: String? {
        // Almost every name is ASCII, which needs no validation: a scan of a hundred thousand
        // names spent a tenth of its time in the generic `String(validating:)`.
        if bytes.allSatisfy({ $0 < 0x80 }) { return String(decoding: bytes, as: UTF8.self) }
        return String(validating: bytes, as: UTF8.self)
    }
}

/// The one directory reader (`opendir`/`readdir`), and the walk built on it.
public enum Directory {
    /// The entries of `path` in listing order (what `os.scandir` gives), without `.` and `..`.
    public static func entries(_ path: String) throws(SystemError) -> [DirectoryEntry] {
        let handle = try openHandle(path)
        defer { closedir(handle) }
        var result: [DirectoryEntry] = []
        while true {
            errno = 0
            guard let entry = readdir(handle) else {
                if errno != 0 { throw SystemError(errno: errno, call: "readdir", path: path) }
                return result
            }
            let bytes: [UInt8] = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix { $0 != 0 }) }
            if bytes.count <= 2, bytes.allSatisfy({ $0 == 0x2e }) { continue }
            let type: FileType?
            switch Int32(entry.pointee.d_type) {
            case Int32(DT_REG): type = .regular
            case Int32(DT_DIR): type = .directory
            case Int32(DT_LNK): type = .symbolicLink
            case Int32(DT_UNKNOWN): type = nil
            default: type = .other
            }
            result.append(DirectoryEntry(bytes: bytes, type: type))
        }
    }

    /// `opendir`, retried on `EINTR`.
    private static func openHandle(_ path: String) throws(SystemError) -> OpaquePointer {
        while true {
            if let handle = opendir(path) { return handle }
            let code = errno
            if code == EINTR { continue }
            throw SystemError(errno: code, call: "opendir", path: path)
        }
    }

    /// Every entry below `root`, depth first in listing order, as `/`-separated paths relative to
    /// `root` with their type (`lstat`ed where the entry did not say: symlinks are not followed).
    /// `descend` decides for each directory whether to enter it. Directories that cannot be
    /// listed below the root are skipped; the root itself must be listable.
    public static func walk(
        _ root: String,
        descend: (String) -> Bool = { _ in true },
        visit: (String, FileType) -> Void
    ) throws(SystemError) {
        try walk(root, relative: "", descend: descend, visit: visit, isRoot: true)
    }

    private static func walk(
        _ directory: String,
        relative: String,
        descend: (String) -> Bool,
        visit: (String, FileType) -> Void,
        isRoot: Bool
    ) throws(SystemError) {
        let entries: [DirectoryEntry]
        do { entries = try Self.entries(directory) } catch {
            if isRoot { throw error }
            return
        }
        for entry in entries {
            let name = String(decoding: entry.bytes, as: UTF8.self)
            let path = directory + "/" + name
            let rel = relative.isEmpty ? name : relative + "/" + name
            guard let type = entry.type ?? Syscall.fileType(path, follow: false) else { continue }
            visit(rel, type)
            if type == .directory && descend(rel) {
                try walk(path, relative: rel, descend: descend, visit: visit, isRoot: false)
            }
        }
    }
}
