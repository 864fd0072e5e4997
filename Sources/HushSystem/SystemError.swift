import Glibc

/// A failed system call: which call, on which path, and the C library's error number.
///
/// Renders as one line a user can act on — the path first, then what failed and why, then what to
/// do when there is an obvious remedy: `static/app.css: cannot open: Permission denied (check the
/// file's permissions)`. Modules that have their own error types map it to theirs with ``reason``.
public struct SystemError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `errno` as the call left it.
    public var errno: Int32
    /// The C function that failed (`open`, `renameat2`…).
    public var call: String
    /// The path the call was made on, when there is one.
    public var path: String?

    public init(errno: Int32, call: String, path: String? = nil) {
        self.errno = errno
        self.call = call
        self.path = path
    }

    /// The C library's text for ``errno`` (`No such file or directory`).
    public var reason: String { Self.describe(errno) }

    public var description: String {
        let what = "cannot \(Self.verb(call)): \(reason)"
        let hint = Self.hint(errno).map { " (\($0))" } ?? ""
        return (path.map { $0 + ": " } ?? "") + what + hint
    }

    /// `strerror`, or `errno N` for a number the C library does not know.
    public static func describe(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "errno \(code)" }
        return String(cString: text)
    }

    /// What the call was trying to do, in words.
    private static func verb(_ call: String) -> String {
        switch call {
        case "open", "openat": return "open"
        case "read", "pread": return "read"
        case "write": return "write"
        case "stat", "lstat", "fstat", "fstatat": return "inspect"
        case "rename", "renameat2": return "rename"
        case "link": return "link"
        case "unlink": return "remove"
        case "rmdir": return "remove directory"
        case "mkdir": return "create directory"
        case "opendir", "readdir": return "list"
        case "readlink", "realpath": return "resolve"
        default: return call
        }
    }

    /// The remedy for the errors a user can fix.
    private static func hint(_ code: Int32) -> String? {
        switch code {
        case EACCES, EPERM: return "check its permissions"
        case ENOSPC, EDQUOT: return "free some disk space or raise the quota"
        case EROFS: return "the file system is read-only"
        case EMFILE, ENFILE: return "raise the open-file limit, ulimit -n"
        case ENAMETOOLONG: return "use a shorter path"
        default: return nil
        }
    }
}
