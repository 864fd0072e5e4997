import HushCompress
import HushCore
import HushSystem

/// Every "may this be reused?" decision of an incremental run, in one place. The phases ask; only
/// this type (with ``CollectCache`` and ``PreviousRun`` behind it) knows what the cache holds and
/// when an entry is trusted. An entry is trusted only when both sides still match (see
/// ``CollectCache``): anything else means the work is done again, never a wrong output.
struct ReusePolicy {
    /// The STATIC_ROOT being replaced (where reused outputs are linked from).
    let root: String
    /// Its state, or nil (no cache, another tree, other settings: nothing is reused).
    let cache: CollectCache?
    /// How a missing source map is handled in this run.
    let missingSourceMaps: MissingSourceMaps
    /// A path's identity on disk now (`follow`: `stat`, else `lstat`); tests substitute a table.
    let observe: (_ path: String, _ follow: Bool) -> FileIdentity?

    init(
        root: String,
        cache: CollectCache?,
        missingSourceMaps: MissingSourceMaps,
        observe: @escaping (_ path: String, _ follow: Bool) -> FileIdentity? = { FileIdentity(path: $0, follow: $1) }
    ) {
        self.root = root
        self.cache = cache
        self.missingSourceMaps = missingSourceMaps
        self.observe = observe
    }

    init(previous: PreviousRun, missingSourceMaps: MissingSourceMaps) {
        self.init(root: previous.root, cache: previous.cache, missingSourceMaps: missingSourceMaps)
    }

    /// Everything that changes the bytes of the output besides the sources themselves: a state
    /// written under other settings is not loaded (``CollectCache/decode(_:settings:)``). The
    /// compression policy and the encoder libraries describe themselves; this names them all.
    static func settingsFingerprint(_ configuration: CollectConfiguration) -> String {
        "hush-collect-1;static=\(configuration.staticURL);js-modules=\(configuration.jsModules);"
            + "only-hashed=\(configuration.keepOnlyHashed);\(configuration.compression.fingerprint);\(Compressor.fingerprint)"
    }

    // MARK: Sources

    /// A source the previous run hashed, and whose published copy may stand for it.
    struct ReusedSource: Equatable {
        var md5: String
        var size: Int64
        /// The source as observed now (recorded again for the next run).
        var identity: FileIdentity
        /// The previous run's copy, relative to ``root``.
        var output: String
    }

    /// The source at `sourcePath`, collected as `name`, may be linked from the old tree instead of
    /// read: its size, times, inode and device are what the run that hashed it saw, and that run's
    /// copy is still exactly as it wrote it, with that hash.
    func source(at sourcePath: String, name: String) -> ReusedSource? {
        guard let known = cache?.sources[sourcePath], let identity = observe(sourcePath, true),
            known.matches(identity), let output = intactOutput(name), output.md5 == known.md5
        else { return nil }
        return ReusedSource(md5: known.md5, size: identity.size, identity: identity, output: name)
    }

    // MARK: Rewrites

    /// The previous rewrite of a file with this content, name and path, if one was recorded:
    /// a candidate only, until ``mayReuse(_:hashedName:replays:)`` says yes.
    func rewrite(md5: String, name: String, path: String) -> CollectCache.RewriteRecord? {
        cache?.rewrites[CollectCache.rewriteKey(md5: md5, name: name, path: path)]
    }

    /// A recorded rewrite holds when every question it asked of the tree gets the same answer now
    /// (`replays`) and its output, under the hashed name it gave, is still in the old tree. One
    /// that left missing maps holds only while they are tolerated; under `error` the file is
    /// rewritten and fails as a cold run would.
    func mayReuse(
        _ memo: CollectCache.RewriteRecord,
        hashedName: (_ hash: String) -> String,
        replays: ([LookupRecord]) -> Bool
    ) -> Bool {
        guard memo.missingMaps.isEmpty || missingSourceMaps == .warn, replays(memo.trace) else { return false }
        let name = hashedName(String(memo.outputMD5.prefix(HashedName.hashLength)))
        return intactOutput(name)?.md5 == memo.outputMD5
    }

    // MARK: Contents

    /// Whether the previous run derived anything from this content (its shared-prefix Brotli
    /// work is then not needed: the siblings are linked or the compression cache has them).
    func knows(content md5: String) -> Bool { cache?.contents[md5] != nil }

    /// The SRI value of this content, as the previous run computed it (a function of the bytes).
    func integrity(of md5: String) -> String? { cache?.contents[md5]?.integrity }

    /// What may be done with a content's compressed siblings.
    enum Siblings: Equatable {
        /// Nothing known (or changed since): compress.
        case compress
        /// Compressed before and no sibling was worth keeping: nothing to link, nothing to redo.
        case noneKept
        /// Link these siblings of `path` (relative to ``root``), each still as written.
        case link(from: String, sizes: [ContentCoding: Int64])
    }

    /// The previous run's siblings of this content may be linked when it put the content through
    /// the compressors and every kept sibling is still in the old tree with the recorded size.
    func siblings(of md5: String) -> Siblings {
        guard let record = cache?.contents[md5], record.compressed else { return .compress }
        guard !record.siblings.isEmpty else { return .noneKept }
        guard let source = record.siblingPath else { return .compress }
        for (coding, size) in record.siblings {
            guard let output = intactOutput(source + coding.fileSuffix), output.size == size else { return .compress }
        }
        return .link(from: source, sizes: record.siblings)
    }

    // MARK: Outputs

    /// The record of a file in the old tree (carried over by retention without being checked: the
    /// next run checks it before trusting it).
    func outputRecord(_ relative: String) -> CollectCache.OutputRecord? { cache?.outputs[relative] }

    /// The old file at `relative`, if it is still exactly what the cache recorded (size and
    /// modification time, not following links).
    func intactOutput(_ relative: String) -> CollectCache.OutputRecord? {
        guard let record = cache?.outputs[relative], let identity = observe(root + "/" + relative, false),
            record.matches(identity)
        else { return nil }
        return record
    }
}
