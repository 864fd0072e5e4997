#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import HushCore

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
/// Entries are checked on every read (their own key, length and SHA-384 of the compressed bytes
/// in a header): a torn, truncated or altered entry is deleted and the content compressed again.
/// Writes go to a temporary name and are renamed into place, so runs sharing the directory never
/// see half an entry. A hit sets the entry's mtime to now; ``prune(maxSize:)`` removes the least
/// recently used entries first.
struct CompressionCache: Sendable {
    static let formatLine = "hush-compressed 1"

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
        guard readable else { return nil }
        let (name, path) = path(key)
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, let bytes = Self.read(fd, count: Int(info.st_size)),
              let entry = Self.decode(bytes, name: name) else {
            // Corrupt: remove it so that this run's fresh result can take its place.
            if writable { unlink(path) }
            return nil
        }
        // Both times to now: recently used. At most once a minute per entry, which is all the
        // precision LRU pruning needs, and it spares a system call per hit on a warm run.
        if writable && now - Int64(info.st_mtim.tv_sec) > 60 { futimens(fd, nil) }
        return entry
    }

    /// Exactly `count` bytes from `fd`, or nil (a read error, or a file that changed size).
    private static func read(_ fd: Int32, count: Int) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        var offset = 0
        let complete: Bool = bytes.withUnsafeMutableBytes { raw in
            while offset < raw.count {
                let n = Glibc.read(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 { if errno == EINTR { continue }; return false }
                if n == 0 { return false }
                offset += n
            }
            return true
        }
        return complete ? bytes : nil
    }

    func store(_ key: Key, _ entry: Entry) {
        guard writable else { return }
        let (name, path) = path(key)
        CacheDirectory.writeAtomically(Self.encode(entry, name: name), to: path)
    }

    /// Header lines: format, the entry's own name, the compressed size, the SHA-384 (hex) of the
    /// payload or `-` for a size-only entry; then the payload.
    static func encode(_ entry: Entry, name: String) -> [UInt8] {
        let digest = entry.payload.map { Hex.encode(SHA384.digest($0)) } ?? "-"
        var bytes = Array("\(formatLine)\n\(name)\n\(entry.size)\n\(digest)\n".utf8)
        if let payload = entry.payload { bytes += payload }
        return bytes
    }

    static func decode(_ bytes: [UInt8], name: String) -> Entry? {
        var lines: [String] = []
        var start = 0
        while lines.count < 4 {
            guard let end = bytes[start...].firstIndex(of: 0x0a) else { return nil }
            lines.append(String(decoding: bytes[start..<end], as: UTF8.self))
            start = end + 1
        }
        guard lines[0] == formatLine, lines[1] == name, let size = Int64(lines[2]), size >= 0 else { return nil }
        let payload = Array(bytes[start...])
        if lines[3] == "-" {
            return payload.isEmpty ? Entry(size: size, payload: nil) : nil
        }
        guard payload.count == size, Hex.encode(SHA384.digest(payload)) == lines[3] else { return nil }
        return Entry(size: size, payload: payload)
    }

    /// Removes least recently used entries (oldest mtime first) until the total size is at most
    /// `maxSize`, and temporary files that a killed run left (older than an hour).
    func prune(maxSize: Int64, now: Int64 = Int64(time(nil))) {
        guard writable else { return }
        var entries: [(path: String, size: Int64, used: Int64)] = []
        var total: Int64 = 0
        for shard in FileSystem.entries(directory) ?? [] {
            let shardPath = directory + "/" + shard
            for name in FileSystem.entries(shardPath) ?? [] {
                let path = shardPath + "/" + name
                var info = stat()
                guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
                let used = Int64(info.st_mtim.tv_sec)
                if name.contains(".tmp-") {
                    if now - used > 3600 { unlink(path) }
                    continue
                }
                // Blocks actually used, so that many small entries are not undercounted.
                let size = max(Int64(info.st_size), Int64(info.st_blocks) * 512)
                entries.append((path, size, used))
                total += size
            }
        }
        guard total > maxSize else { return }
        entries.sort { $0.used != $1.used ? $0.used < $1.used : $0.path < $1.path }
        for entry in entries {
            if total <= maxSize { break }
            if unlink(entry.path) == 0 || errno == ENOENT { total -= entry.size }
        }
    }
}
