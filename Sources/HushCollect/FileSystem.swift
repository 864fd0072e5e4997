import Glibc
import HushCore
import HushSystem

/// The file operations the collector needs, over HushSystem's calls, so that every failure
/// carries its path and errno text.
enum FileSystem {
    static let chunkSize = 1 << 20

    /// Whether anything (a dangling symlink included) exists at `path`.
    static func exists(_ path: String) -> Bool {
        Syscall.fileType(path, follow: false) != nil
    }

    static func isDirectory(_ path: String) -> Bool {
        Syscall.fileType(path) == .directory
    }

    /// The canonical absolute path of an existing path, or of a missing one under an existing parent.
    static func canonical(_ path: String) -> String {
        if let resolved = try? Syscall.realpath(path) { return String(decoding: resolved, as: UTF8.self) }
        let (parent, base) = PosixPath.split(path)
        let canonicalParent = canonical(parent.isEmpty ? "." : parent)
        return PosixPath.normpath(canonicalParent + "/" + base)
    }

    /// `mkdir -p`.
    static func makeDirectories(_ path: String) throws(CollectError) {
        if isDirectory(path) { return }
        let (parent, _) = PosixPath.split(path)
        if !parent.isEmpty && parent != path { try makeDirectories(parent) }
        do { try Syscall.mkdir(path) } catch  where error.errno == EEXIST {} catch {
            throw .writeFailed(path: path, reason: error.reason)
        }
    }

    /// Writes all of `bytes` to a new file at `path` (which must not exist).
    static func write(_ bytes: [UInt8], to path: String) throws(CollectError) {
        // A new inode: the path may be a hard link shared with another published name. Unlinked
        // only when it exists — most targets are new, and a failing unlink per file is measurable.
        let fd: Int32
        do {
            do { fd = try Syscall.open(path, O_WRONLY | O_CREAT | O_EXCL) } catch  where error.errno == EEXIST {
                try? Syscall.unlink(path)
                fd = try Syscall.open(path, O_WRONLY | O_CREAT | O_EXCL)
            }
        } catch { throw .writeFailed(path: path, reason: error.reason) }
        let written = Result { () throws(SystemError) in try Syscall.writeFully(fd, bytes, path: path) }
        // close() reports delayed write errors (NFS, quotas); it runs either way.
        let closed = Result { () throws(SystemError) in try Syscall.close(fd, path: path) }
        do {
            try written.get()
            try closed.get()
        } catch { throw .writeFailed(path: path, reason: error.reason) }
    }

    /// What copying one file produced.
    struct Copied {
        var md5: String
        var size: Int64
        /// The content, when asked to keep it.
        var content: [UInt8]?
        /// The source as it was when it was read (what the next run's cache compares against).
        var identity: FileIdentity?
    }

    /// Copies `source` to a new file `destination` in chunks, computing the MD5 on the way.
    /// A file whose size or modification time changes while it is read is refused.
    static func copy(_ source: String, to destination: String, keepContent: Bool) throws(CollectError) -> Copied {
        let input: Int32
        let before: FileIdentity
        do throws(SystemError) {
            input = try Syscall.open(source, O_RDONLY)
            do { before = FileIdentity(try Syscall.fstat(input, path: source)) } catch {
                try? Syscall.close(input)
                throw error
            }
        } catch { throw .unreadable(path: source, reason: error.reason) }
        defer { try? Syscall.close(input) }
        let output: Int32
        do { output = try Syscall.open(destination, O_WRONLY | O_CREAT | O_TRUNC) } catch {
            throw .writeFailed(path: destination, reason: error.reason)
        }
        var md5 = MD5()
        var total: Int64 = 0
        var content: [UInt8]? = keepContent ? [] : nil
        if keepContent { content?.reserveCapacity(Int(before.size)) }
        // Small files get a small buffer: zeroing a full chunk per file would cost more than the copy.
        var buffer = [UInt8](repeating: 0, count: Int(min(Int64(chunkSize), max(4096, before.size + 1))))
        // Which side failed decides the message: the source is unreadable, or the copy unwritable.
        let failure: CollectError? = buffer.withUnsafeMutableBytes { raw in
            while true {
                let n: Int
                do throws(SystemError) { n = try Syscall.read(input, into: raw, path: source) } catch {
                    return .unreadable(path: source, reason: error.reason)
                }
                if n == 0 { return nil }
                let chunk = UnsafeRawBufferPointer(rebasing: raw[0..<n])
                md5.update(chunk)
                content?.append(contentsOf: chunk)
                total += Int64(n)
                do throws(SystemError) { try Syscall.writeFully(output, chunk, path: destination) } catch {
                    return .writeFailed(path: destination, reason: error.reason)
                }
            }
        }
        let closed = Result { () throws(SystemError) in try Syscall.close(output, path: destination) }
        if let failure { throw failure }
        if case .failure(let error) = closed { throw .writeFailed(path: destination, reason: error.reason) }
        guard let after = try? Syscall.fstat(input, path: source), FileIdentity(after).sameContentStamp(before),
            total == before.size
        else { throw .changedWhileReading(source) }
        return Copied(md5: md5.hexDigest(), size: total, content: content, identity: before)
    }

    /// The `sha384-…` Subresource Integrity value of a file, read in chunks.
    static func subresourceIntegrity(_ path: String) throws(CollectError) -> String {
        var sha = SHA384()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        do {
            let fd = try Syscall.open(path, O_RDONLY)
            defer { try? Syscall.close(fd) }
            let result = buffer.withUnsafeMutableBytes { raw in
                Result { () throws(SystemError) in
                    while true {
                        let n = try Syscall.read(fd, into: raw, path: path)
                        if n == 0 { return }
                        sha.update(UnsafeRawBufferPointer(rebasing: raw[0..<n]))
                    }
                }
            }
            try result.get()
        } catch { throw .unreadable(path: path, reason: error.reason) }
        return sha.subresourceIntegrity
    }

    /// The whole content of a file.
    static func readAll(_ path: String) throws(CollectError) -> [UInt8] {
        let bytes: [UInt8]
        let size: Int64
        do {
            let fd = try Syscall.open(path, O_RDONLY)
            defer { try? Syscall.close(fd) }
            size = Int64(try Syscall.fstat(fd, path: path).st_size)
            var buffer = [UInt8](repeating: 0, count: Int(size))
            let filled = try buffer.withUnsafeMutableBytes { raw in
                Result { () throws(SystemError) in try Syscall.readFully(fd, into: raw, path: path) }
            }.get()
            bytes = Array(buffer[..<filled])
        } catch { throw .unreadable(path: path, reason: error.reason) }
        guard bytes.count == size else { throw .changedWhileReading(path) }
        return bytes
    }

    /// A second name for the same bytes (`link`), or a copy where links are not possible.
    static func duplicate(_ source: String, as destination: String) throws(CollectError) {
        try? Syscall.unlink(destination)
        if (try? Syscall.link(source, as: destination)) != nil { return }
        _ = try copy(source, to: destination, keepContent: false)
    }

    /// Removes `path` and everything below it; a missing path is not an error.
    static func removeTree(_ path: String) {
        guard let type = Syscall.fileType(path, follow: false) else { return }
        if type == .directory {
            for name in entries(path) ?? [] { removeTree(path + "/" + name) }
            try? Syscall.rmdir(path)
        } else {
            try? Syscall.unlink(path)
        }
    }

    /// Names in a directory (not recursive), or nil when it cannot be listed.
    static func entries(_ path: String) -> [String]? {
        (try? Directory.entries(path))?.map { String(decoding: $0.bytes, as: UTF8.self) }
    }
}
