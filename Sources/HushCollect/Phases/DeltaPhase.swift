import HushCompress
import HushCore
import HushSystem
import Synchronization

/// Phase 7: dictionary-compressed updates (RFC 9842 `dcz`). For each current hashed file of a
/// type that changes a little between releases (``DictionaryCompression/isEligible(_:)``), and each
/// different hashed version of the same original in a manifest retention keeps, the new version
/// compressed with the old one as dictionary: `NEW.<old hash>.dcz` next to `NEW`.
///
/// It runs after ``RetentionPhase``, so the dictionaries are exactly the earlier versions the new
/// tree publishes, read from staging. Each pair is compressed once, on every core, largest first;
/// a delta that does not save at least 10 % against the smallest other representation of the
/// file (``DictionaryCompression/keeps(deltaSize:smallestOther:)``) is not written. Results are
/// remembered in the compression cache under the target's and the dictionary's digests, so a run
/// on a fresh checkout with a warm cache compresses nothing it has seen.
///
/// Only the current version gets deltas: a browser holding any version asks for the current one
/// (the `match` pattern covers them all); deltas between two earlier versions would never be sent.
struct DeltaPhase {
    let context: PhaseContext
    /// Compressed siblings by content (nil: no cache directory).
    let compressionCache: CompressionCache?

    /// One delta to consider: `target` compressed against `dictionary`, written as `delta`.
    struct Pair: Equatable {
        var target: String
        var dictionary: String
        var delta: String
    }

    /// The pairs for `current` against the retained `kept` manifests (newest first): per original,
    /// each distinct earlier hashed name that `exists` in the new tree.
    static func pairs(current: Manifest, kept: [Manifest], exists: (String) -> Bool) -> [Pair] {
        var pairs: [Pair] = []
        for (original, hashed) in current.entries where DictionaryCompression.isEligible(hashed) {
            var seen: Set<String> = [hashed]
            for manifest in kept {
                guard let old = manifest.paths[original], seen.insert(old).inserted, exists(old),
                    let delta = DictionaryCompression.deltaPath(target: hashed, dictionary: old)
                else { continue }
                pairs.append(Pair(target: hashed, dictionary: old, delta: delta))
            }
        }
        return pairs
    }

    /// The largest dictionary + file a pair may have: both are held in memory, and beyond
    /// 128 MiB no window a `dcz` client must accept (RFC 9842 §5) reaches back over both.
    static let maxPairBytes: Int64 = 128 << 20

    /// Writes the deltas worth keeping into staging; returns how many.
    func run(_ all: [Pair]) throws(CollectError) -> Int {
        let measured = all.map {
            (pair: $0, size: Self.size(context.staged($0.target)) + Self.size(context.staged($0.dictionary)))
        }
        let pairs = measured.filter { $0.size <= Self.maxPairBytes }.map(\.pair)
        guard !pairs.isEmpty else { return 0 }
        let sizes = measured.filter { $0.size <= Self.maxPairBytes }.map(\.size)
        let done = Atomic<Int>(0)
        let kept = try context.mapInParallel(largestFirst(sizes), count: pairs.count) { i throws(CollectError) in
            let wrote = try make(pairs[i])
            context.report(.compressing, done.add(1, ordering: .relaxed).newValue, pairs.count)
            return wrote
        }
        return kept.filter { $0 }.count
    }

    /// Makes (or finds in the cache) one delta and writes it when it is worth keeping.
    private func make(_ pair: Pair) throws(CollectError) -> Bool {
        let target = try FileSystem.readAll(context.staged(pair.target))
        let dictionary = try FileSystem.readAll(context.staged(pair.dictionary))
        let key = CompressionCache.Key(
            coding: .zstd,
            variant: "dcz;dictionary=sha256-" + Hex.encode(SHA256.digest(dictionary)) + ";" + DeltaEncoder.fingerprint,
            integrity: SHA384.subresourceIntegrity(of: target),
            length: Int64(target.count)
        )
        let smallest = smallestRepresentation(of: pair.target, size: Int64(target.count))
        if let entry = compressionCache?.lookup(key) {
            guard DictionaryCompression.keeps(deltaSize: entry.size, smallestOther: smallest) else { return false }
            if entry.payload != nil {
                try CompressionCache.publish(entry, to: context.staged(pair.delta))
                return true
            }
        }
        let delta: [UInt8]
        do { delta = try DeltaEncoder.compress(target, dictionary: dictionary) } catch {
            throw .compressionFailed(pair.target + " against " + pair.dictionary + ": " + error.description)
        }
        let keep = DictionaryCompression.keeps(deltaSize: Int64(delta.count), smallestOther: smallest)
        compressionCache?.store(key, CompressionCache.Entry(size: Int64(delta.count), payload: keep ? delta : nil))
        if keep { try FileSystem.write(delta, to: context.staged(pair.delta)) }
        return keep
    }

    /// The size of the smallest representation the server has for `path` besides a delta: the
    /// file itself or any pre-compressed sibling in staging.
    private func smallestRepresentation(of path: String, size: Int64) -> Int64 {
        var smallest = size
        for coding in ContentCoding.allCases {
            let sibling = context.staged(path + coding.fileSuffix)
            if FileSystem.exists(sibling) { smallest = min(smallest, Self.size(sibling)) }
        }
        return smallest
    }

    private static func size(_ path: String) -> Int64 {
        (try? Syscall.stat(path)).map { Int64($0.st_size) } ?? 0
    }
}
