import Glibc

/// The one place Hush makes system calls on files: each wrapper retries `EINTR` and turns `-1`
/// with `errno` into a ``SystemError`` naming the call and its path (SwiftNIO's
/// `syscall(blocking:)`, `Sources/NIOPosix/System.swift`, is the model). Callers never read
/// `errno` themselves.
///
/// Hush targets Linux: this imports Glibc and uses Linux calls (`renameat2`, `st_mtim`) directly.
public enum Syscall {
    /// Runs `body` until it returns something other than `-1` with `errno == EINTR`; any other
    /// `-1` becomes a ``SystemError``. `body` is the single system call (and the test seam:
    /// a closure can fail as the kernel would).
    @inline(__always)
    public static func retrying<T: FixedWidthInteger>(
        _ call: String,
        path: String? = nil,
        _ body: () -> T
    ) throws(SystemError) -> T {
        while true {
            let result = body()
            guard result == -1 else { return result }
            let code = errno
            if code == EINTR { continue }
            throw SystemError(errno: code, call: call, path: path)
        }
    }

    // MARK: Opening and closing

    /// `open(2)`; `O_CLOEXEC` is always added (Hush never hands descriptors to children).
    public static func open(_ path: String, _ flags: Int32, mode: mode_t = 0o644) throws(SystemError) -> Int32 {
        try retrying("open", path: path) { Glibc.open(path, flags | O_CLOEXEC, mode) }
    }

    /// `openat(2)` relative to `directory` (a descriptor, or `AT_FDCWD`); `O_CLOEXEC` is added.
    public static func openat(
        _ directory: Int32,
        _ path: String,
        _ flags: Int32,
        mode: mode_t = 0o644
    ) throws(SystemError) -> Int32 {
        try retrying("openat", path: path) { Glibc.openat(directory, path, flags | O_CLOEXEC, mode) }
    }

    /// `close(2)`. Not retried on `EINTR`: on Linux the descriptor is released whatever close
    /// returns, and closing it again could close a descriptor another thread just opened. Other
    /// errors are reported, because close reports delayed write errors (NFS, quotas).
    public static func close(_ fd: Int32, path: String? = nil) throws(SystemError) {
        guard Glibc.close(fd) == -1 else { return }
        let code = errno
        if code == EINTR { return }
        throw SystemError(errno: code, call: "close", path: path)
    }

    // MARK: Status

    /// `fstat(2)`.
    public static func fstat(_ fd: Int32, path: String? = nil) throws(SystemError) -> Glibc.stat {
        var info = Glibc.stat()
        _ = try retrying("fstat", path: path) { Glibc.fstat(fd, &info) }
        return info
    }

    /// `stat(2)` (`follow: true`, the default) or `lstat(2)`.
    public static func stat(_ path: String, follow: Bool = true) throws(SystemError) -> Glibc.stat {
        var info = Glibc.stat()
        // fstatat(AT_FDCWD) is stat/lstat; `Glibc.stat(path, &info)` cannot be named here, where
        // `stat` is also the struct's initialiser.
        let flags = follow ? 0 : AT_SYMLINK_NOFOLLOW
        _ = try retrying(follow ? "stat" : "lstat", path: path) { Glibc.fstatat(AT_FDCWD, path, &info, flags) }
        return info
    }

    /// `fstatat(2)` relative to `directory`; `follow: false` adds `AT_SYMLINK_NOFOLLOW`.
    public static func fstatat(
        _ directory: Int32,
        _ path: String,
        follow: Bool = true
    ) throws(SystemError) -> Glibc.stat {
        var info = Glibc.stat()
        let flags = follow ? 0 : AT_SYMLINK_NOFOLLOW
        _ = try retrying("fstatat", path: path) { Glibc.fstatat(directory, path, &info, flags) }
        return info
    }

    /// The type of whatever is at `path` (nil when nothing is, a dangling symlink being a
    /// symlink with `follow: false`).
    public static func fileType(_ path: String, follow: Bool = true) -> FileType? {
        (try? stat(path, follow: follow)).map { FileType(mode: $0.st_mode) }
    }

    // MARK: Names

    /// `rename(2)`.
    public static func rename(_ from: String, to: String) throws(SystemError) {
        _ = try retrying("rename", path: from) { Glibc.rename(from, to) }
    }

    /// Swaps two existing names atomically: `renameat2(RENAME_EXCHANGE)`. Throws `EINVAL` (or
    /// `ENOSYS`) on file systems that cannot (NFS, CIFS, ZFS before 2.2).
    public static func exchange(_ a: String, _ b: String) throws(SystemError) {
        _ = try retrying("renameat2", path: b) { hush_renameat2(AT_FDCWD, a, AT_FDCWD, b, renameExchange) }
    }

    /// `link(2)`.
    public static func link(_ existing: String, as new: String) throws(SystemError) {
        _ = try retrying("link", path: new) { Glibc.link(existing, new) }
    }

    /// `unlink(2)`.
    public static func unlink(_ path: String) throws(SystemError) {
        _ = try retrying("unlink", path: path) { Glibc.unlink(path) }
    }

    /// `rmdir(2)`.
    public static func rmdir(_ path: String) throws(SystemError) {
        _ = try retrying("rmdir", path: path) { Glibc.rmdir(path) }
    }

    /// `mkdir(2)`.
    public static func mkdir(_ path: String, mode: mode_t = 0o755) throws(SystemError) {
        _ = try retrying("mkdir", path: path) { Glibc.mkdir(path, mode) }
    }

    /// `fsync(2)`.
    public static func fsync(_ fd: Int32, path: String? = nil) throws(SystemError) {
        _ = try retrying("fsync", path: path) { Glibc.fsync(fd) }
    }

    /// `futimens(fd, NULL)`: sets the access and modification times to now.
    public static func touch(_ fd: Int32, path: String? = nil) throws(SystemError) {
        _ = try retrying("futimens", path: path) { Glibc.futimens(fd, nil) }
    }

    /// Whether process `pid` exists: `kill(pid, 0)` fails with anything but `ESRCH` (`EPERM`:
    /// it exists, owned by someone else).
    public static func processExists(_ pid: pid_t) -> Bool {
        Glibc.kill(pid, 0) == 0 || errno != ESRCH
    }

    /// `readlink(2)`: the target a symlink names, as stored.
    public static func readlink(_ path: String) throws(SystemError) -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let capacity = buffer.count - 1
        let count = try retrying("readlink", path: path) { Glibc.readlink(path, &buffer, capacity) }
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `realpath(3)`: the bytes of the canonical absolute path (symlinks resolved). Bytes, because
    /// callers differ on a name that is not UTF-8: collect decodes it, serve refuses it (no
    /// request can spell it).
    public static func realpath(_ path: String) throws(SystemError) -> [UInt8] {
        guard let resolved = Glibc.realpath(path, nil) else {
            throw SystemError(errno: errno, call: "realpath", path: path)
        }
        defer { free(resolved) }
        return Array(UnsafeRawBufferPointer(start: resolved, count: strlen(resolved)))
    }
}

/// `RENAME_EXCHANGE` from <linux/fs.h>.
private let renameExchange: UInt32 = 1 << 1

/// glibc's `renameat2` (2.28+). Its declaration is hidden behind `_GNU_SOURCE`, which the Swift
/// Glibc module is not built with, so the symbol is bound directly.
@_silgen_name("renameat2")
private func hush_renameat2(
    _ olddirfd: Int32,
    _ oldpath: UnsafePointer<CChar>,
    _ newdirfd: Int32,
    _ newpath: UnsafePointer<CChar>,
    _ flags: UInt32
) -> Int32
