import Foundation
import HushCore

/// What a run remembers in `STATIC_ROOT/.hush/cache.json` so the next run can skip work whose
/// output would be the same: reading and hashing unchanged sources, and compressing or
/// fingerprinting content it has seen before.
///
/// The cache is an optimisation only. It is trusted per entry and only when both sides still
/// match: a source by its size, modification and change times, inode and device; an output in
/// the old STATIC_ROOT by its size and modification time. Anything else — a missing, corrupt or
/// foreign cache, different settings — means the work is done again, never a wrong output.
struct CollectCache: Codable, Sendable {
    static let fileName = ".hush/cache.json"
    static let formatVersion = 1

    var version = formatVersion
    /// The settings the outputs were produced with (see ``CollectConfiguration/cacheFingerprint``).
    var settings: String
    /// Canonical source path → what was found there.
    var sources: [String: SourceRecord] = [:]
    /// Relative path in STATIC_ROOT → the file written there.
    var outputs: [String: OutputRecord] = [:]
    /// MD5 (full hex) of a content → what was derived from it.
    var contents: [String: ContentRecord] = [:]

    struct SourceRecord: Codable, Sendable, Equatable {
        var size: Int64
        var modified: Int64
        var changed: Int64
        var inode: UInt64
        var device: UInt64
        var md5: String
    }

    struct OutputRecord: Codable, Sendable, Equatable {
        var size: Int64
        var modified: Int64
        /// MD5 of the content (nil for compressed siblings).
        var md5: String?
    }

    struct ContentRecord: Codable, Sendable, Equatable {
        /// The compressed sibling sizes kept for this content (empty: none kept or not compressible).
        var siblings: [String: Int64]
        /// `sha384-…`.
        var integrity: String
        /// A path in STATIC_ROOT whose siblings hold this content compressed.
        var siblingPath: String?
    }

    /// The cache of the STATIC_ROOT at `root`, if it exists, parses and matches `settings`.
    static func load(from root: String, settings: String) -> CollectCache? {
        guard let data = FileManager.default.contents(atPath: root + "/" + fileName),
              let cache = try? JSONDecoder().decode(CollectCache.self, from: data),
              cache.version == formatVersion, cache.settings == settings
        else { return nil }
        return cache
    }

    func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array((try? encoder.encode(self)) ?? Data())
    }
}

/// A file's identity on disk, for the cache's comparisons.
struct FileSignature: Equatable {
    var size: Int64
    var modified: Int64
    var changed: Int64
    var inode: UInt64
    var device: UInt64

    init?(path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        size = Int64(info.st_size)
        modified = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        changed = Int64(info.st_ctim.tv_sec) * 1_000_000_000 + Int64(info.st_ctim.tv_nsec)
        inode = UInt64(info.st_ino)
        device = UInt64(info.st_dev)
    }

    /// Follows symlinks (sources may be links).
    init?(following path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        size = Int64(info.st_size)
        modified = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        changed = Int64(info.st_ctim.tv_sec) * 1_000_000_000 + Int64(info.st_ctim.tv_nsec)
        inode = UInt64(info.st_ino)
        device = UInt64(info.st_dev)
    }

    func matches(_ record: CollectCache.SourceRecord) -> Bool {
        size == record.size && modified == record.modified && changed == record.changed
            && inode == record.inode && device == record.device
    }

    func matches(_ record: CollectCache.OutputRecord) -> Bool {
        size == record.size && modified == record.modified
    }
}
