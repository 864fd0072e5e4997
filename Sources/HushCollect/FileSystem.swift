#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import HushCore

/// The file operations the collector needs, over the C library so that every failure carries
/// its path and errno text.
enum FileSystem {
    static let chunkSize = 1 << 20

    /// Whether anything (a dangling symlink included) exists at `path`.
    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
    }

    /// The canonical absolute path of an existing path, or of a missing one under an existing parent.
    static func canonical(_ path: String) -> String {
        if let resolved = realpath(path, nil) {
            defer { free(resolved) }
            return String(cString: resolved)
        }
        let (parent, base) = PosixPath.split(path)
        let canonicalParent = canonical(parent.isEmpty ? "." : parent)
        return PosixPath.normpath(canonicalParent + "/" + base)
    }

    /// `mkdir -p`.
    static func makeDirectories(_ path: String) throws(CollectError) {
        if isDirectory(path) { return }
        let (parent, _) = PosixPath.split(path)
        if !parent.isEmpty && parent != path { try makeDirectories(parent) }
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw .writeFailed(path: path, reason: Errno.describe(errno))
        }
    }

    /// Writes all of `bytes` to a new file at `path` (which must not exist).
    static func write(_ bytes: [UInt8], to path: String) throws(CollectError) {
        // A new inode: the path may be a hard link shared with another published name. Unlinked
        // only when it exists — most targets are new, and a failing unlink per file is measurable.
        var fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        if fd < 0 && errno == EEXIST {
            unlink(path)
            fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        }
        guard fd >= 0 else { throw .writeFailed(path: path, reason: Errno.describe(errno)) }
        var failure: Int32 = 0
        bytes.withUnsafeBytes { raw in failure = writeAll(fd, raw) }
        let closed = close(fd)
        if failure != 0 { throw .writeFailed(path: path, reason: Errno.describe(failure)) }
        if closed != 0 { throw .writeFailed(path: path, reason: Errno.describe(errno)) }
    }

    /// Writes the whole buffer, retrying short writes; returns 0 or an errno.
    static func writeAll(_ fd: Int32, _ raw: UnsafeRawBufferPointer) -> Int32 {
        var offset = 0
        while offset < raw.count {
            let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                return errno
            }
            offset += n
        }
        return 0
    }

    /// What copying one file produced.
    struct Copied {
        var md5: String
        var size: Int64
        /// The content, when asked to keep it.
        var content: [UInt8]?
        /// The source as it was when it was read (what the next run's cache compares against).
        var signature: FileSignature?
    }

    /// Copies `source` to a new file `destination` in chunks, computing the MD5 on the way.
    /// A file whose size or modification time changes while it is read is refused.
    static func copy(_ source: String, to destination: String, keepContent: Bool) throws(CollectError) -> Copied {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw .unreadable(path: source, reason: Errno.describe(errno)) }
        defer { close(input) }
        var before = stat()
        guard fstat(input, &before) == 0 else { throw .unreadable(path: source, reason: Errno.describe(errno)) }
        let output = open(destination, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard output >= 0 else { throw .writeFailed(path: destination, reason: Errno.describe(errno)) }
        var md5 = MD5()
        var total: Int64 = 0
        var content: [UInt8]? = keepContent ? [] : nil
        if keepContent { content?.reserveCapacity(Int(before.st_size)) }
        // Small files get a small buffer: zeroing a full chunk per file would cost more than the copy.
        var buffer = [UInt8](repeating: 0, count: Int(min(Int64(chunkSize), max(4096, Int64(before.st_size) + 1))))
        var readError: Int32 = 0, writeError: Int32 = 0
        buffer.withUnsafeMutableBytes { raw in
            while true {
                let n = read(input, raw.baseAddress!, raw.count)
                if n < 0 {
                    if errno == EINTR { continue }
                    readError = errno
                    return
                }
                if n == 0 { return }
                let chunk = UnsafeRawBufferPointer(rebasing: raw[0..<n])
                md5.update(chunk)
                content?.append(contentsOf: chunk)
                total += Int64(n)
                writeError = writeAll(output, chunk)
                if writeError != 0 { return }
            }
        }
        let closed = close(output)
        if readError != 0 { throw .unreadable(path: source, reason: Errno.describe(readError)) }
        if writeError != 0 { throw .writeFailed(path: destination, reason: Errno.describe(writeError)) }
        if closed != 0 { throw .writeFailed(path: destination, reason: Errno.describe(errno)) }
        var after = stat()
        guard fstat(input, &after) == 0, after.st_size == before.st_size, total == Int64(before.st_size),
              after.st_mtim.tv_sec == before.st_mtim.tv_sec, after.st_mtim.tv_nsec == before.st_mtim.tv_nsec
        else { throw .changedWhileReading(source) }
        return Copied(md5: md5.hexDigest(), size: total, content: content, signature: FileSignature(before))
    }

    /// The `sha384-…` Subresource Integrity value of a file, read in chunks.
    static func subresourceIntegrity(_ path: String) throws(CollectError) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .unreadable(path: path, reason: Errno.describe(errno)) }
        defer { close(fd) }
        var sha = SHA384()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var failure: Int32 = 0
        buffer.withUnsafeMutableBytes { raw in
            while true {
                let n = read(fd, raw.baseAddress!, raw.count)
                if n < 0 { if errno == EINTR { continue }; failure = errno; return }
                if n == 0 { return }
                sha.update(UnsafeRawBufferPointer(rebasing: raw[0..<n]))
            }
        }
        if failure != 0 { throw .unreadable(path: path, reason: Errno.describe(failure)) }
        return sha.subresourceIntegrity
    }

    /// The whole content of a file.
    static func readAll(_ path: String) throws(CollectError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .unreadable(path: path, reason: Errno.describe(errno)) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .unreadable(path: path, reason: Errno.describe(errno)) }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var offset = 0
        var failure: Int32 = 0
        bytes.withUnsafeMutableBytes { raw in
            while offset < raw.count {
                let n = read(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 { if errno == EINTR { continue }; failure = errno; return }
                if n == 0 { break }
                offset += n
            }
        }
        if failure != 0 { throw .unreadable(path: path, reason: Errno.describe(failure)) }
        guard offset == bytes.count else { throw .changedWhileReading(path) }
        return bytes
    }

    /// A second name for the same bytes (`link`), or a copy where links are not possible.
    static func duplicate(_ source: String, as destination: String) throws(CollectError) {
        unlink(destination)
        if link(source, destination) == 0 { return }
        _ = try copy(source, to: destination, keepContent: false)
    }

    /// Removes `path` and everything below it; a missing path is not an error.
    static func removeTree(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if info.st_mode & S_IFMT == S_IFDIR {
            if let handle = opendir(path) {
                var names: [String] = []
                while let entry = readdir(handle) {
                    let bytes: [UInt8] = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
                    if bytes == [0x2e] || bytes == [0x2e, 0x2e] { continue }
                    names.append(String(decoding: bytes, as: UTF8.self))
                }
                closedir(handle)
                for name in names { removeTree(path + "/" + name) }
            }
            rmdir(path)
        } else {
            unlink(path)
        }
    }

    /// Names in a directory (not recursive), or nil when it cannot be listed.
    static func entries(_ path: String) -> [String]? {
        guard let handle = opendir(path) else { return nil }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let bytes: [UInt8] = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
            if bytes == [0x2e] || bytes == [0x2e, 0x2e] { continue }
            names.append(String(decoding: bytes, as: UTF8.self))
        }
        return names
    }
}
