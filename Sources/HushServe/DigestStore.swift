import HushCore
import HushSystem
import NIOConcurrencyHelpers

/// The ETag digests computed so far (MD5 of a file's bytes), by file identity: shared by every
/// table a server builds, so a reload re-hashes only files whose identity changed, and kept on
/// disk between runs (``DigestStore+File.swift``) so a restart re-hashes only those too.
///
/// A digest is used only for a file whose identity — device, inode, size, mtime and ctime — is
/// exactly the one it was computed for. ctime cannot be set back (`cp -p`, `rsync -t`, `touch -r`
/// set mtime only), and any write moves it, so an entry can only be reused for bytes nothing has
/// written since. The digest itself is content-derived, so every replica sends the same ETag.
final class DigestStore: Sendable {
    private struct State {
        var digests: [FileIdentity: ETagDigest] = [:]
        /// Files hashed by this process (not found here), for tests and the reload message.
        var hashed = 0
        /// Whether anything was added since the store was last written to disk.
        var changed = false
    }

    private let state: NIOLockedValueBox<State>
    /// The digest cache file still to be read into the store, if any. It is read off the start-up
    /// path (by the background pass, or at exit at the latest): at 100,000 files reading it took
    /// a tenth of the time to the first response, and a request whose file's digest is not known
    /// yet simply hashes the file.
    private let unreadCache: NIOLockedValueBox<String?>

    /// A store holding `digests`, which reads the cache file `cacheToRead` when asked to
    /// (``readCacheIfUnread()``).
    init(_ digests: [FileIdentity: ETagDigest] = [:], cacheToRead: String? = nil) {
        state = NIOLockedValueBox(State(digests: digests))
        unreadCache = NIOLockedValueBox(cacheToRead)
    }

    /// Reads the cache file given at creation into the store, once; digests requests recorded
    /// meanwhile are kept. A second caller waits until the first has read it.
    func readCacheIfUnread() {
        unreadCache.withLockedValue { path in
            guard let file = path.take() else { return }
            let cached = Self.entries(from: file)
            state.withLockedValue { s in
                s.digests.merge(cached) { recorded, _ in recorded }
            }
        }
    }

    /// The digest recorded for exactly this identity, if any.
    func digest(for identity: FileIdentity) -> ETagDigest? {
        state.withLockedValue { $0.digests[identity] }
    }

    /// Records a digest just computed from the bytes of the file with `identity`.
    func record(_ digest: ETagDigest, for identity: FileIdentity) {
        state.withLockedValue {
            $0.digests[identity] = digest
            $0.hashed += 1
            $0.changed = true
        }
    }

    /// How many files this process hashed.
    var hashedCount: Int { state.withLockedValue { $0.hashed } }

    /// How many digests are known.
    var count: Int { state.withLockedValue { $0.digests.count } }

    /// Keeps only the digests of `identities` (the files of the current table), so the store does
    /// not grow with every deploy. Returns the entries and whether any was added since the last
    /// call.
    func snapshot(keeping identities: Set<FileIdentity>?) -> (entries: [FileIdentity: ETagDigest], changed: Bool) {
        state.withLockedValue { s in
            if let identities { s.digests = s.digests.filter { identities.contains($0.key) } }
            let changed = s.changed
            s.changed = false
            return (s.digests, changed)
        }
    }
}

/// An MD5 digest as two words: 16 bytes in a table of a hundred thousand files, not a string.
struct ETagDigest: Sendable, Hashable {
    var high: UInt64
    var low: UInt64

    /// From MD5's 16 bytes; nil for any other length.
    init?(_ bytes: [UInt8]) {
        guard bytes.count == 16 else { return nil }
        high = bytes[0..<8].reduce(0) { $0 << 8 | UInt64($1) }
        low = bytes[8..<16].reduce(0) { $0 << 8 | UInt64($1) }
    }

    init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// The 16 bytes, big-endian as MD5 prints them.
    var bytes: [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * $0)) }
            + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * $0)) }
    }

    /// Lowercase hex, as the ETag shows it.
    var hex: String { Hex.encode(bytes) }

    /// The MD5 of `md5`'s input so far.
    init(_ md5: MD5) {
        // MD5 is always 16 bytes.
        let bytes = md5.finalize()
        self.init(high: 0, low: 0)
        if let digest = ETagDigest(bytes) { self = digest }
    }
}
