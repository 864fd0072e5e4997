import Glibc
import HushSystem

/// Why the listening socket could not be set up, with what to do about it.
public struct ListenError: Error, Equatable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// The listening socket for ``ProxyConfiguration/Listener`` `.unix` and `.inherited`: created
/// (or checked) here, then handed to NIO as an already-bound socket.
struct ListenSocket {
    /// The descriptor NIO takes over.
    let descriptor: CInt
    /// Whether it is a unix-domain socket (no TCP options, peers have no address).
    let isUnix: Bool
    /// The socket file this server created, to remove at exit if it is still ours.
    let createdFile: (path: String, identity: FileIdentity)?

    /// A unix socket at `settings.path`, mode and owner applied before it listens.
    ///
    /// A file already at the path: a socket nobody accepts on (`connect` is refused: its server
    /// died without removing it) is stale and replaced; a socket some process still listens on is
    /// left alone and refused (`in use`), as is anything that is not a socket. nginx refuses any
    /// existing file (`bind() ... Address already in use` until it is removed by hand); Caddy
    /// removes an existing socket file unconditionally, even a live one. Checking first keeps the
    /// restart after a crash working without taking the socket from a running server.
    static func unix(_ settings: UnixSocketSettings) throws(ListenError) -> ListenSocket {
        let path = settings.path
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard !bytes.isEmpty, bytes.count < capacity, !bytes.contains(0) else {
            throw ListenError("--unix \(path): a socket path has 1 to \(capacity - 1) bytes; choose a shorter path")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        try removeStale(path, address)
        let fd = try socket(path)
        func fail(_ call: String, _ code: Int32, _ hint: String) -> ListenError {
            try? Syscall.close(fd)
            return ListenError("--unix \(path): \(call) failed (\(SystemError.describe(code)))\(hint)")
        }
        guard withSockaddr(address, { Glibc.bind(fd, $0, $1) }) == 0 else {
            let code = errno
            throw fail("bind", code, code == EADDRINUSE ? " (another server created it just now)" : "")
        }
        // Before listen: until then a connect is refused, so nobody gets in under the umask's mode.
        guard chmod(path, mode_t(settings.mode)) == 0 else {
            let code = errno
            unlink(path)
            throw fail("chmod", code, "")
        }
        if settings.owner != nil || settings.group != nil {
            let owner = settings.owner.map { uid_t($0) } ?? uid_t.max  // -1: leave unchanged
            let group = settings.group.map { gid_t($0) } ?? gid_t.max
            guard lchown(path, owner, group) == 0 else {
                let code = errno
                unlink(path)
                throw fail("chown", code, code == EPERM ? " (only root may give the socket to another user)" : "")
            }
        }
        guard Glibc.listen(fd, 4096) == 0 else {
            let code = errno
            unlink(path)
            throw fail("listen", code, "")
        }
        guard let identity = FileIdentity(path: path, follow: false) else {
            throw fail("stat", errno, "")
        }
        return ListenSocket(descriptor: fd, isUnix: true, createdFile: (path, identity))
    }

    /// Checks a descriptor the service manager passed (sd_listen_fds(3)): a stream socket in the
    /// listening state. It is used as it is; whoever created it owns its address (and a unix
    /// socket's file, which is not removed at exit).
    static func inherited(_ fd: CInt, name: String) throws(ListenError) -> ListenSocket {
        func option(_ name: Int32) -> Int32? {
            var value: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            return getsockopt(fd, SOL_SOCKET, name, &value, &length) == 0 ? value : nil
        }
        let what = "socket activation: descriptor \(fd) (\(name))"
        guard let type = option(SO_TYPE) else {
            throw ListenError("\(what) is not a socket (\(SystemError.describe(errno))); check the .socket unit")
        }
        guard type == Int32(SOCK_STREAM.rawValue), option(SO_ACCEPTCONN) == 1 else {
            throw ListenError("\(what) is not a listening stream socket; use ListenStream= with Accept=no")
        }
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw ListenError("\(what): getsockname failed (\(SystemError.describe(errno)))") }
        // sd_listen_fds sets FD_CLOEXEC: Hush starts no children, but a descriptor must not leak.
        _ = fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC)
        return ListenSocket(descriptor: fd, isUnix: Int32(storage.ss_family) == AF_UNIX, createdFile: nil)
    }

    /// Removes the socket file this server created, if the file at its path is still that one
    /// (a newer server may have replaced it meanwhile): same device, inode and change time — the
    /// time too, because the replaced file's inode number is free for the new one to reuse.
    func removeFile() {
        guard let (path, identity) = createdFile, let now = FileIdentity(path: path, follow: false),
            now.device == identity.device, now.inode == identity.inode, now.changed == identity.changed
        else { return }
        unlink(path)
    }

    private static func socket(_ path: String, nonBlocking: Bool = false) throws(ListenError) -> CInt {
        let flags = Int32(SOCK_CLOEXEC.rawValue) | (nonBlocking ? Int32(SOCK_NONBLOCK.rawValue) : 0)
        let fd = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | flags, 0)
        guard fd >= 0 else { throw ListenError("--unix \(path): socket failed (\(SystemError.describe(errno)))") }
        return fd
    }

    /// Removes a stale socket at `path` (see ``unix(_:)``); throws for a live one or a non-socket.
    private static func removeStale(_ path: String, _ address: sockaddr_un) throws(ListenError) {
        guard let info = try? Syscall.stat(path, follow: false) else { return }
        guard (info.st_mode & S_IFMT) == S_IFSOCK else {
            throw ListenError("--unix \(path): exists and is not a socket; remove it or choose another path")
        }
        // Non-blocking: a live server with a full backlog answers EAGAIN instead of making us wait.
        let probe = try socket(path, nonBlocking: true)
        defer { try? Syscall.close(probe) }
        if withSockaddr(address, { connect(probe, $0, $1) }) == 0 || errno == EAGAIN {
            throw ListenError("--unix \(path): in use, another server accepts connections there; stop it first")
        }
        let code = errno
        guard code == ECONNREFUSED else {
            throw ListenError(
                "--unix \(path): cannot tell whether it is in use (connect: \(SystemError.describe(code)))"
            )
        }
        guard unlink(path) == 0 || errno == ENOENT else {
            throw ListenError("--unix \(path): cannot remove the stale socket (\(SystemError.describe(errno)))")
        }
    }

    private static func withSockaddr(
        _ address: sockaddr_un,
        _ body: (UnsafePointer<sockaddr>, socklen_t) -> Int32
    ) -> Int32 {
        var address = address
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
    }
}
