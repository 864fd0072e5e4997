import HushCompress
import HushCore
import HushSystem
import Synchronization

/// Phase 4: pre-compressed siblings and SRI values, once per distinct content.
///
/// A file and its hashed copy usually have the same bytes, and so do duplicates across
/// directories: each content is compressed once (largest first, on every core) and its siblings
/// are linked next to every path with that content. Siblings and SRI values the previous run
/// produced for the same content, under the same settings, are linked from the old STATIC_ROOT
/// instead of being computed again (see ``ReusePolicy``).
struct CompressPhase {
    let context: PhaseContext
    let policy: CompressionPolicy
    let reuse: ReusePolicy
    /// Compressed siblings by content (nil: no cache directory).
    let compressionCache: CompressionCache?

    /// The published paths with one content, compressed or not by the policy.
    struct ContentGroup {
        var md5: String
        var size: Int64
        var compressible: Bool
        /// The first is the representative: its siblings are made, the others link them.
        var paths: [String]

        static func grouping(_ published: [PublishedFile], policy: CompressionPolicy) -> [ContentGroup] {
            var groups: [ContentGroup] = []
            var index: [String: Int] = [:]
            for item in published {
                let compressible = policy.shouldCompress(path: item.path)
                let key = item.md5 + (compressible ? "+" : "-")
                if let g = index[key] {
                    groups[g].paths.append(item.path)
                } else {
                    index[key] = groups.count
                    groups.append(
                        ContentGroup(md5: item.md5, size: item.size, compressible: compressible, paths: [item.path])
                    )
                }
            }
            return groups
        }
    }

    /// What was derived from each content, by MD5.
    func run(
        _ published: [PublishedFile],
        pairs: [SharedPrefixPair]
    ) throws(CollectError) -> [String: CollectCache.ContentRecord] {
        let precomputed = try sharedPrefixBrotli(pairs)
        let groups = ContentGroup.grouping(published, policy: policy)
        let done = Atomic<Int>(0)
        let records = try context.mapInParallel(largestFirst(groups.map(\.size)), count: groups.count) {
            g throws(CollectError) in
            let record = try compress(
                groups[g],
                precomputed: precomputed[groups[g].md5],
                done: done.load(ordering: .relaxed),
                total: groups.count
            )
            context.report(.compressing, done.add(1, ordering: .relaxed).newValue, groups.count)
            return record
        }
        // One record per content: one that went through the compressors wins over one seen only
        // under names the policy skips.
        var contents: [String: CollectCache.ContentRecord] = [:]
        for (group, record) in zip(groups, records) where contents[group.md5]?.compressed != true {
            contents[group.md5] = record
        }
        return contents
    }

    private func compress(
        _ group: ContentGroup,
        precomputed: [UInt8]?,
        done: Int,
        total: Int
    ) throws(CollectError) -> CollectCache.ContentRecord {
        let representative = group.paths[0]
        context.faultInjection?(.beforeCompress(context.staged(representative)))
        let large = context.announceLarge(
            representative,
            size: group.compressible ? group.size : 0,
            .compressing,
            done,
            total
        )
        defer { if large { context.largeFiles.end(representative) } }
        let integrity: String
        if let known = reuse.integrity(of: group.md5) {
            integrity = known
        } else {
            integrity = try FileSystem.subresourceIntegrity(context.staged(representative))
        }
        var siblings: [ContentCoding: Int64] = [:]
        if group.compressible {
            siblings = try makeSiblings(
                of: representative,
                group: group,
                integrity: integrity,
                precomputed: precomputed
            )
            for path in group.paths.dropFirst() {
                for coding in siblings.keys {
                    try FileSystem.duplicate(
                        context.staged(representative + coding.fileSuffix),
                        as: context.staged(path + coding.fileSuffix)
                    )
                }
            }
        }
        return CollectCache.ContentRecord(
            compressed: group.compressible,
            siblings: siblings,
            integrity: integrity,
            siblingPath: siblings.isEmpty ? nil : representative
        )
    }

    /// The kept siblings of `path`, cheapest source first: the previous run's, the shared-prefix
    /// Brotli stream, the compression cache, the compressors.
    private func makeSiblings(
        of path: String,
        group: ContentGroup,
        integrity: String,
        precomputed: [UInt8]?
    ) throws(CollectError) -> [ContentCoding: Int64] {
        if let reused = reuseSiblings(of: group.md5, into: path) { return reused }
        if let brotli = precomputed {
            return try writeSiblings(brotli: brotli, of: path, size: group.size, integrity: integrity)
        }
        if let remembered = try siblingsFromCache(of: path, integrity: integrity, size: group.size) {
            return remembered
        }
        do throws(CompressError) {
            let made = try compressSiblings(of: context.staged(path), policy: policy)
            remember(made, of: path, integrity: integrity, size: group.size)
            return made.kept
        } catch {
            throw .compressionFailed(error.description)
        }
    }

    /// Links the siblings a previous run made for the same content when ``ReusePolicy`` allows;
    /// their sizes, or nil when they must be made again.
    private func reuseSiblings(of md5: String, into path: String) -> [ContentCoding: Int64]? {
        switch reuse.siblings(of: md5) {
        case .compress:
            return nil
        case .noneKept:
            return [:]
        case .link(let source, let sizes):
            for coding in sizes.keys {
                let target = context.staged(path + coding.fileSuffix)
                guard (try? Syscall.link(reuse.root + "/" + source + coding.fileSuffix, as: target)) != nil else {
                    for other in sizes.keys { try? Syscall.unlink(context.staged(path + other.fileSuffix)) }
                    return nil
                }
            }
            return sizes
        }
    }

    /// The plain siblings of a content from the compression cache (see ``CompressionCache``), as
    /// ``compressSiblings`` would write them, or nil when any entry the keep rule needs is missing.
    private func siblingsFromCache(
        of path: String,
        integrity: String,
        size: Int64
    ) throws(CollectError) -> [ContentCoding: Int64]? {
        guard let cache = compressionCache else { return nil }
        var entries: [ContentCoding: CompressionCache.Entry] = [:]
        for coding in policy.codings {
            let key = CompressionCache.Key(
                coding: coding,
                variant: CompressionCache.Key.plain,
                integrity: integrity,
                length: size
            )
            guard let entry = cache.lookup(key) else { return nil }
            entries[coding] = entry
        }
        let kept = policy.keptCodings(originalSize: size, compressedSizes: entries.mapValues(\.size))
        // Recorded as not worth keeping under another ratio: compress again.
        let keptEntries = kept.compactMap { coding in entries[coding].map { (coding, $0) } }
        guard keptEntries.count == kept.count, keptEntries.allSatisfy({ $0.1.payload != nil }) else { return nil }
        var siblings: [ContentCoding: Int64] = [:]
        for (coding, entry) in keptEntries {
            try CompressionCache.publish(entry, to: context.staged(path + coding.fileSuffix))
            siblings[coding] = entry.size
        }
        return siblings
    }

    /// Records what ``compressSiblings`` produced: the kept siblings with their bytes, the
    /// rejected ones by size only.
    private func remember(_ made: CompressedSiblings, of path: String, integrity: String, size: Int64) {
        guard let cache = compressionCache else { return }
        for (coding, compressedSize) in made.compressedSizes {
            var entry = CompressionCache.Entry(size: compressedSize, payload: nil)
            if made.kept[coding] != nil {
                guard let payload = try? FileSystem.readAll(context.staged(path + coding.fileSuffix)),
                    Int64(payload.count) == compressedSize
                else { continue }
                entry.payload = payload
            }
            cache.store(
                CompressionCache.Key(
                    coding: coding,
                    variant: CompressionCache.Key.plain,
                    integrity: integrity,
                    length: size
                ),
                entry
            )
        }
    }

    /// Writes the precomputed Brotli sibling, and the other enabled codings' from the compression
    /// cache or freshly compressed, next to `path`, keeping each as the policy says; returns the
    /// kept sizes.
    private func writeSiblings(
        brotli: [UInt8],
        of path: String,
        size: Int64,
        integrity: String
    ) throws(CollectError) -> [ContentCoding: Int64] {
        let target = context.staged(path)
        var sizes: [ContentCoding: Int64] = [.br: Int64(brotli.count)]
        for coding in policy.codings where coding != .br {
            let key = CompressionCache.Key(
                coding: coding,
                variant: CompressionCache.Key.plain,
                integrity: integrity,
                length: size
            )
            if let entry = compressionCache?.lookup(key), entry.payload != nil {
                try CompressionCache.publish(entry, to: target + coding.fileSuffix)
                sizes[coding] = entry.size
                continue
            }
            do throws(CompressError) {
                sizes[coding] = try compressFile(at: target, to: target + coding.fileSuffix, coding: coding)
            } catch {
                throw .compressionFailed(error.description)
            }
            if let cache = compressionCache, let payload = try? FileSystem.readAll(target + coding.fileSuffix) {
                cache.store(key, CompressionCache.Entry(size: Int64(payload.count), payload: payload))
            }
        }
        let kept = policy.keptCodings(originalSize: size, compressedSizes: sizes)
        var siblings: [ContentCoding: Int64] = [:]
        for (coding, bytes) in sizes {
            if kept.contains(coding) {
                if coding == .br { try FileSystem.write(brotli, to: target + coding.fileSuffix) }
                siblings[coding] = bytes
            } else {
                try? Syscall.unlink(target + coding.fileSuffix)
            }
        }
        return siblings
    }
}
