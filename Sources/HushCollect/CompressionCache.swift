import Glibc
import HushCore
import HushSystem

/// Compressed siblings remembered by what they were made from, so that a run with an empty
/// STATIC_ROOT (a fresh CI checkout, a Docker build) compresses only content no earlier run has
/// seen. The format is a contract: docs/cache.md.
///
/// An entry is the pure result of one compression: its key names the exact input bytes (SHA-384
/// and length of the content), the coding, the encoder's settings and library versions
/// (`Compressor.fingerprint`) and the variant (a plain stream, or a shared-prefix Brotli stream
/// cut at a given offset — see `SharedPrefixBrotli`). A hit is therefore byte-for-byte what the
/// compression would have produced, and a run using the cache publishes what a cold run publishes.
///
/// An entry is two files: `<key>` (a small header: its own key, the compressed size and the
/// SHA-384 of the compressed bytes) and `<key>.payload` (exactly the compressed bytes, so that a
/// hit is published as a hard link — creating a file is the dominant cost of a warm run, and a
/// link creates none). Both are checked on every read: a torn, truncated or altered entry is
/// deleted and the content compressed again. Writes go to a temporary name and are renamed into
/// place (payload first, header last), so runs sharing the directory never see half an entry. A
/// hit sets the header's mtime to now — never the payload's, which published trees share;
/// ``prune(maxSize:now:)`` removes the least recently used entries first.
struct CompressionCache: Sendable {
    static let formatLine = "hush-compressed 2"
    static let payloadSuffix = ".payload"

    /// `CACHE_DIR/compressed`.
    let directory: String
    /// The encoder settings and library versions.
    let encoder: String
    /// False with `--no-cache`: nothing is read, entries are still written.
    let readable: Bool
    /// False on a dry run: nothing is written or touched.
    let writable: Bool

    /// What was compressed, and how.
    struct Key: Sendable, Hashable {
        var coding: ContentCoding
        /// `plain`, or `shared-prefix;cut=N`.
        var variant: String
        /// `sha384-…` of the content.
        var integrity: String
        var length: Int64

        static let plain = "plain"
        static func sharedPrefix(cut: Int) -> String { "shared-prefix;cut=\(cut)" }
    }

    /// A remembered result. `payload` is nil when the sibling was not worth keeping then (only its
    /// size was recorded, which is all the keep rule needs to reject it again).
    struct Entry: Sendable, Equatable {
        var size: Int64
        var payload: [UInt8]?
        /// Where the payload was read from (a hit), for ``publish(_:to:)``.
        var payloadPath: String? = nil

        init(size: Int64, payload: [UInt8]?, payloadPath: String? = nil) {
            self.size = size
            self.payload = payload
            self.payloadPath = payloadPath
        }

        static func == (a: Entry, b: Entry) -> Bool { a.size == b.size && a.payload == b.payload }
    }

    func descriptor(_ key: Key) -> String {
        "\(Self.formatLine)\n\(encoder)\n\(key.coding.token)\n\(key.variant)\n\(key.integrity)\n\(key.length)"
    }

    /// `compressed/<first two hex digits>/<SHA-384 hex of the descriptor>`.
    func path(_ key: Key) -> (name: String, path: String) {
        let name = Hex.encode(SHA384.digest(Array(descriptor(key).utf8)))
        return (name, directory + "/" + String(name.prefix(2)) + "/" + name)
    }

    func lookup(_ key: Key, now: Int64 = Int64(time(nil))) -> Entry? {
        let (name, path) = path(key)
        return lookup(name: name, path: path, now: now)
    }

    func lookup(name: String, path: String, now: Int64 = Int64(time(nil))) -> Entry? {
        guard readable else { return nil }
        guard let fd = try? Syscall.open(path, O_RDONLY) else { return nil }
        defer { try? Syscall.close(fd) }
        guard let info = try? Syscall.fstat(fd, path: path), let header = Self.read(fd, count: Int(info.st_size)),
            var entry = Self.decodeHeader(header, name: name),
            entry.payload == nil || Self.verifiedPayload(path + Self.payloadSuffix, into: &entry)
        else {
            // Corrupt: remove it so that this run's fresh result can take its place.
            if writable { Self.remove(path) }
            return nil
        }
        // Recently used. At most once a minute per entry, which is all the precision LRU pruning
        // needs, and it spares a system call per hit on a warm run.
        if writable && now - Int64(info.st_mtim.tv_sec) > 60 { try? Syscall.touch(fd, path: path) }
        return entry
    }

    /// Puts a hit's payload at `target`: a hard link to the entry (no file to create, no bytes to
    /// write), or a new file with the bytes when the cache is on another file system.
    static func publish(_ entry: Entry, to target: String) throws(CollectError) {
        guard let payload = entry.payload else { return }
        if let source = entry.payloadPath {
            // Most targets are new (a fresh STATIC_ROOT): unlink only when one is in the way, as
            // FileSystem.write does — a failing unlink per sibling is measurable.
            do throws(SystemError) {
                try Syscall.link(source, as: target)
                return
            } catch  where error.errno == EEXIST {
                if (try? Syscall.unlink(target)) != nil, (try? Syscall.link(source, as: target)) != nil { return }
            } catch {}
        }
        try FileSystem.write(payload, to: target)
    }

    /// Reads the payload beside a header that promised one, checking its size and digest.
    private static func verifiedPayload(_ path: String, into entry: inout Entry) -> Bool {
        guard let expected = entry.payload else { return true }
        guard let fd = try? Syscall.open(path, O_RDONLY) else { return false }
        defer { try? Syscall.close(fd) }
        guard let info = try? Syscall.fstat(fd, path: path), Int64(info.st_size) == entry.size,
            let bytes = read(fd, count: Int(info.st_size)),
            Hex.encode(SHA384.digest(bytes)) == String(decoding: expected, as: UTF8.self)
        else { return false }
        entry.payload = bytes
        entry.payloadPath = path
        return true
    }

    /// Removes an entry: header first, so no reader finds a header without its payload.
    private static func remove(_ path: String) {
        try? Syscall.unlink(path)
        try? Syscall.unlink(path + payloadSuffix)
    }

    /// Exactly `count` bytes from `fd`, or nil (a read error, or a file that changed size).
    private static func read(_ fd: Int32, count: Int) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        let filled = bytes.withUnsafeMutableBytes { raw in try? Syscall.readFully(fd, into: raw) }
        return filled == count ? bytes : nil
    }

    func store(_ key: Key, _ entry: Entry) {
        guard writable else { return }
        let (name, path) = path(key)
        if let payload = entry.payload {
            guard CacheDirectory.writeAtomically(payload, to: path + Self.payloadSuffix) else { return }
        }
        CacheDirectory.writeAtomically(Self.encodeHeader(entry, name: name), to: path)
    }

    /// The header: format, the entry's own name, the compressed size, the SHA-384 (hex) of the
    /// payload or `-` for a size-only entry, one per line.
    static func encodeHeader(_ entry: Entry, name: String) -> [UInt8] {
        let digest = entry.payload.map { Hex.encode(SHA384.digest($0)) } ?? "-"
        return Array("\(formatLine)\n\(name)\n\(entry.size)\n\(digest)\n".utf8)
    }

    /// The header's entry; its `payload`, until checked, holds the expected digest's hex bytes.
    static func decodeHeader(_ bytes: [UInt8], name: String) -> Entry? {
        let lines = bytes.split(separator: 0x0a, omittingEmptySubsequences: false).map {
            String(decoding: $0, as: UTF8.self)
        }
        guard lines.count == 5, lines[4].isEmpty, lines[0] == formatLine, lines[1] == name,
            let size = Int64(lines[2]), size >= 0
        else { return nil }
        if lines[3] == "-" { return Entry(size: size, payload: nil) }
        guard lines[3].utf8.count == 96 else { return nil }
        return Entry(size: size, payload: Array(lines[3].utf8))
    }

    /// Removes least recently used entries (oldest header mtime first) until the total size is at
    /// most `maxSize`, and temporary files that a killed run left (older than an hour).
    func prune(maxSize: Int64, now: Int64 = Int64(time(nil))) {
        guard writable else { return }
        var entries: [String: (size: Int64, used: Int64)] = [:]
        var total: Int64 = 0
        for shard in FileSystem.entries(directory) ?? [] {
            let shardPath = directory + "/" + shard
            for name in FileSystem.entries(shardPath) ?? [] {
                let path = shardPath + "/" + name
                guard let info = try? Syscall.stat(path, follow: false), FileType(mode: info.st_mode) == .regular else {
                    continue
                }
                if name.contains(".tmp-") {
                    if now - Int64(info.st_mtim.tv_sec) > 3600 { try? Syscall.unlink(path) }
                    continue
                }
                // Blocks actually used, so that many small entries are not undercounted.
                let size = max(Int64(info.st_size), Int64(info.st_blocks) * 512)
                total += size
                let isPayload = name.hasSuffix(Self.payloadSuffix)
                let header = isPayload ? String(path.dropLast(Self.payloadSuffix.count)) : path
                var entry = entries[header] ?? (0, 0)
                entry.size += size
                if !isPayload { entry.used = Int64(info.st_mtim.tv_sec) }
                entries[header] = entry
            }
        }
        guard total > maxSize else { return }
        // A payload without its header (a torn store) sorts first, with used = 0.
        for (header, entry) in entries.sorted(by: {
            $0.value.used != $1.value.used ? $0.value.used < $1.value.used : $0.key < $1.key
        }) {
            if total <= maxSize { break }
            Self.remove(header)
            total -= entry.size
        }
    }
}
