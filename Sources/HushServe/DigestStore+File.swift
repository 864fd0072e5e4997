import Glibc
import HushSystem

/// The digest cache file: what a previous run hashed, so a restart hashes only what changed.
///
/// Format (little-endian): the 8 bytes `HUSHDGS1`, then one 56-byte record per file: device,
/// inode, size, mtime (ns), ctime (ns), then the MD5 as two 64-bit words (high, low; big-endian
/// digest order within each word's value). It is a cache: a file that is missing, short, or
/// foreign is ignored (everything is hashed again), never trusted in part; it is written whole to
/// a temporary name and renamed, so a reader never sees half a file. It names inodes and
/// digests of the served files only, and is kept out of STATIC_ROOT (by default in Hush's cache
/// directory), which a web server may publish whole.
extension DigestStore {
    static let magic: [UInt8] = Array("HUSHDGS1".utf8)
    static let recordSize = 56

    /// The store in `path`, or an empty one when the file is missing or not a digest cache.
    static func load(from path: String?) -> DigestStore {
        DigestStore(entries(from: path))
    }

    /// The digests in the cache file at `path`; none when it is missing or not a digest cache.
    static func entries(from path: String?) -> [FileIdentity: ETagDigest] {
        guard let path, let bytes = try? FileTable.readAll(path: path), bytes.count >= magic.count,
            Array(bytes[0..<magic.count]) == magic, (bytes.count - magic.count) % recordSize == 0
        else { return [:] }
        var digests: [FileIdentity: ETagDigest] = [:]
        digests.reserveCapacity((bytes.count - magic.count) / recordSize)
        bytes.withUnsafeBytes { raw in
            var offset = magic.count
            func word() -> UInt64 {
                defer { offset += 8 }
                return UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            }
            while offset < raw.count {
                let identity = FileIdentity(
                    device: word(),
                    inode: word(),
                    size: Int64(bitPattern: word()),
                    modified: Int64(bitPattern: word()),
                    changed: Int64(bitPattern: word())
                )
                digests[identity] = ETagDigest(high: word(), low: word())
            }
        }
        return digests
    }

    /// Writes the store to `path` if anything was added since the last write, keeping only the
    /// digests of `identities` when given. Failures are reported through `warn`, once per call;
    /// serving goes on (the cache only saves work).
    func save(to path: String, keeping identities: Set<FileIdentity>?, warn: @Sendable (String) -> Void) {
        let (entries, changed) = snapshot(keeping: identities)
        guard changed || identities != nil else { return }
        var bytes = Self.magic
        bytes.reserveCapacity(Self.magic.count + entries.count * Self.recordSize)
        func word(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
        for (identity, digest) in entries {
            word(identity.device)
            word(identity.inode)
            word(UInt64(bitPattern: identity.size))
            word(UInt64(bitPattern: identity.modified))
            word(UInt64(bitPattern: identity.changed))
            word(digest.high)
            word(digest.low)
        }
        let directory = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        let temporary = path + ".\(getpid()).tmp"
        do throws(SystemError) {
            try makeDirectories(directory)
            let fd = try Syscall.open(temporary, O_WRONLY | O_CREAT | O_TRUNC, mode: 0o600)
            do throws(SystemError) {
                try Syscall.writeFully(fd, bytes)
                try Syscall.close(fd, path: temporary)
            } catch {
                try? Syscall.close(fd)
                throw error
            }
            try Syscall.rename(temporary, to: path)
        } catch {
            unlink(temporary)
            warn(
                "hush: digest cache \(path): cannot write (\(SystemError.describe(error.errno))); the next start hashes again"
            )
        }
    }

    /// `mkdir -p`, private to the owner (the cache names inodes).
    private func makeDirectories(_ path: String) throws(SystemError) {
        if path.isEmpty || (try? Syscall.stat(path)) != nil { return }
        if let slash = path.lastIndex(of: "/"), slash > path.startIndex { try makeDirectories(String(path[..<slash])) }
        do { try Syscall.mkdir(path, mode: 0o700) } catch  where error.errno == EEXIST {}
    }
}
