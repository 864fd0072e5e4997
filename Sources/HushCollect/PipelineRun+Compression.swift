import Synchronization
import HushCompress
import HushCore
import HushSystem

extension PipelineRun {
    /// Phase 4: pre-compressed siblings and SRI values, once per distinct content.
    ///
    /// A file and its hashed copy usually have the same bytes, and so do duplicates across
    /// directories: each content is compressed once (largest first, on every core) and its
    /// siblings are linked next to every path with that content. Siblings and SRI values the
    /// previous run produced for the same content, under the same settings, are linked from the
    /// old STATIC_ROOT instead of being computed again.
    func compress(_ published: [(path: String, md5: String, size: Int64)], pairs: [SharedPrefixPair]) throws(CollectError) -> [String: CollectCache.ContentRecord] {
        let policy = configuration.compression
        let precomputed = try sharedPrefixBrotli(pairs)
        struct Group {
            var md5: String
            var size: Int64
            var compressible: Bool
            var paths: [String]
        }
        var groups: [Group] = []
        var index: [String: Int] = [:]
        for item in published {
            let compressible = policy.shouldCompress(path: item.path)
            let key = item.md5 + (compressible ? "+" : "-")
            if let g = index[key] {
                groups[g].paths.append(item.path)
            } else {
                index[key] = groups.count
                groups.append(Group(md5: item.md5, size: item.size, compressible: compressible, paths: [item.path]))
            }
        }
        let order = groups.indices.sorted { groups[$0].size > groups[$1].size }
        let results = Slots<CollectCache.ContentRecord>(count: groups.count)
        let done = Atomic<Int>(0)
        try parallelForEach(order, jobs: jobs, cancellation: cancellation) { g throws(CollectError) in
            let group = groups[g]
            let representative = group.paths[0]
            configuration.faultInjection?(.beforeCompress(staging + "/" + representative))
            let large = announceLarge(representative, size: group.compressible ? group.size : 0, .compressing, done.load(ordering: .relaxed), groups.count)
            defer { if large { largeFiles.end(representative) } }
            let integrity: String
            if let known = reuse.integrity(of: group.md5) {
                integrity = known
            } else {
                integrity = try FileSystem.subresourceIntegrity(staging + "/" + representative)
            }
            var siblings: [ContentCoding: Int64] = [:]
            if group.compressible {
                if let reused = reuseSiblings(of: group.md5, into: representative) {
                    siblings = reused
                } else if let brotli = precomputed[group.md5] {
                    siblings = try writeSiblings(brotli: brotli, of: representative, size: group.size, integrity: integrity)
                } else if let remembered = try siblingsFromCache(of: representative, integrity: integrity, size: group.size) {
                    siblings = remembered
                } else {
                    do throws(CompressError) {
                        let made = try compressSiblings(of: staging + "/" + representative, policy: policy)
                        siblings = made.kept
                        remember(made, of: representative, integrity: integrity, size: group.size)
                    } catch {
                        throw .compressionFailed(error.description)
                    }
                }
                for path in group.paths.dropFirst() {
                    for coding in siblings.keys {
                        try FileSystem.duplicate(staging + "/" + representative + coding.fileSuffix, as: staging + "/" + path + coding.fileSuffix)
                    }
                }
            }
            results[g] = CollectCache.ContentRecord(
                compressed: group.compressible, siblings: siblings, integrity: integrity,
                siblingPath: siblings.isEmpty ? nil : representative
            )
            report(.compressing, done.add(1, ordering: .relaxed).newValue, groups.count)
        }
        var contents: [String: CollectCache.ContentRecord] = [:]
        for g in groups.indices {
            let record = results[g]!
            if let existing = contents[groups[g].md5], existing.compressed { continue }
            contents[groups[g].md5] = record
        }
        return contents
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
                let target = staging + "/" + path + coding.fileSuffix
                guard (try? Syscall.link(reuse.root + "/" + source + coding.fileSuffix, as: target)) != nil else {
                    for other in sizes.keys { try? Syscall.unlink(staging + "/" + path + other.fileSuffix) }
                    return nil
                }
            }
            return sizes
        }
    }

    /// The plain siblings of a content from the compression cache (see ``CompressionCache``), as
    /// ``compressSiblings`` would write them, or nil when any entry the keep rule needs is missing.
    private func siblingsFromCache(of path: String, integrity: String, size: Int64) throws(CollectError) -> [ContentCoding: Int64]? {
        guard let cache = compressionCache else { return nil }
        let policy = configuration.compression
        var entries: [ContentCoding: CompressionCache.Entry] = [:]
        for coding in policy.codings {
            let key = CompressionCache.Key(coding: coding, variant: CompressionCache.Key.plain, integrity: integrity, length: size)
            guard let entry = cache.lookup(key) else { return nil }
            entries[coding] = entry
        }
        let kept = policy.keptCodings(originalSize: size, compressedSizes: entries.mapValues(\.size))
        // Recorded as not worth keeping under another ratio: compress again.
        let keptEntries = kept.compactMap { coding in entries[coding].map { (coding, $0) } }
        guard keptEntries.count == kept.count, keptEntries.allSatisfy({ $0.1.payload != nil }) else { return nil }
        var siblings: [ContentCoding: Int64] = [:]
        for (coding, entry) in keptEntries {
            try CompressionCache.publish(entry, to: staging + "/" + path + coding.fileSuffix)
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
                guard let payload = try? FileSystem.readAll(staging + "/" + path + coding.fileSuffix),
                      Int64(payload.count) == compressedSize else { continue }
                entry.payload = payload
            }
            cache.store(CompressionCache.Key(coding: coding, variant: CompressionCache.Key.plain, integrity: integrity, length: size), entry)
        }
    }

    /// `hush-manifest.json`: for every collected file, its hashed name, size, content type, SRI
    /// value and kept sibling sizes.
    func writeIntegrityManifest(
        finalNames: Slots<String>, published: [(path: String, md5: String, size: Int64)],
        contents: [String: CollectCache.ContentRecord]
    ) throws(CollectError) {
        var hashedContent: [String: (md5: String, size: Int64)] = [:]
        for item in published { hashedContent[item.path] = (item.md5, item.size) }
        var manifest = IntegrityManifest()
        for i in files.indices {
            let hashed = finalNames[i]!
            guard let content = hashedContent[hashed], let record = contents[content.md5] else { continue }
            var sizes: [ContentCoding: Int64] = [:]
            if configuration.compression.shouldCompress(path: hashed) {
                for coding in ContentCoding.allCases { sizes[coding] = record.siblings[coding] }
            }
            manifest.files[PythonString.replaceBackslashes(files[i].name)] = IntegrityEntry(
                hashedName: hashed, size: content.size, contentType: MediaType.contentType(forFileName: hashed),
                integrity: record.integrity, compressedSizes: sizes
            )
        }
        try FileSystem.write(manifest.encoded(), to: staging + "/" + IntegrityManifest.fileName)
    }

    /// Brotli streams for the CSS/JS files whose hashed copy differs from the original only near
    /// the end (a JS bundle's rewritten `sourceMappingURL` line): the shared prefix is compressed
    /// once for both (see `SharedPrefixBrotli`). Keyed by content MD5.
    private func sharedPrefixBrotli(_ pairs: [SharedPrefixPair]) throws(CollectError) -> [String: [UInt8]] {
        let policy = configuration.compression
        guard policy.codings.contains(.br) else { return [:] }
        let eligible = pairs.filter { pair in
            policy.shouldCompress(path: pair.original.path) && policy.shouldCompress(path: pair.rewritten.path)
                && !reuse.knows(content: pair.original.md5) && !reuse.knows(content: pair.rewritten.md5)
                && pair.cut != nil
        }
        let results = Slots<[[UInt8]]>(count: eligible.count)
        let order = eligible.indices.sorted { eligible[$0].rewritten.content.count > eligible[$1].rewritten.content.count }
        try parallelForEach(order, jobs: jobs, cancellation: cancellation) { k throws(CollectError) in
            let pair = eligible[k]
            let cut = pair.cut!
            let original = pair.original.content, rewritten = pair.rewritten.content
            // Each stream is a function of its own content and the cut: cached under both.
            let keys = [original, rewritten].map {
                CompressionCache.Key(
                    coding: .br, variant: CompressionCache.Key.sharedPrefix(cut: cut),
                    integrity: SHA384.subresourceIntegrity(of: $0), length: Int64($0.count))
            }
            if let cache = compressionCache {
                let remembered = keys.compactMap { cache.lookup($0)?.payload }
                if remembered.count == 2 {
                    results[k] = remembered
                    return
                }
            }
            defer {
                if let cache = compressionCache, let streams = results[k] {
                    for (key, stream) in zip(keys, streams) { cache.store(key, CompressionCache.Entry(size: Int64(stream.count), payload: stream)) }
                }
            }
            let streams: Result<[[UInt8]], CompressError> = original.withUnsafeBytes { o in
                rewritten.withUnsafeBytes { r in
                    Result { () throws(CompressError) in
                        try SharedPrefixBrotli.compress(
                            prefix: UnsafeRawBufferPointer(rebasing: o[..<cut]),
                            tails: [UnsafeRawBufferPointer(rebasing: o[cut...]), UnsafeRawBufferPointer(rebasing: r[cut...])])
                    }
                }
            }
            do throws(CompressError) {
                results[k] = try streams.get()
            } catch {
                throw .compressionFailed("\(pair.rewritten.path): \(error.description)")
            }
        }
        var byMD5: [String: [UInt8]] = [:]
        for k in eligible.indices {
            byMD5[eligible[k].original.md5] = results[k]![0]
            byMD5[eligible[k].rewritten.md5] = results[k]![1]
        }
        return byMD5
    }

    /// Writes the precomputed Brotli sibling and a freshly compressed gzip one next to `path`,
    /// keeping each as the policy says; returns the kept sizes.
    private func writeSiblings(brotli: [UInt8], of path: String, size: Int64, integrity: String) throws(CollectError) -> [ContentCoding: Int64] {
        let policy = configuration.compression
        let target = staging + "/" + path
        var sizes: [ContentCoding: Int64] = [.br: Int64(brotli.count)]
        if policy.codings.contains(.gzip) {
            let key = CompressionCache.Key(coding: .gzip, variant: CompressionCache.Key.plain, integrity: integrity, length: size)
            if let entry = compressionCache?.lookup(key), entry.payload != nil {
                try CompressionCache.publish(entry, to: target + ContentCoding.gzip.fileSuffix)
                sizes[.gzip] = entry.size
            } else {
                do throws(CompressError) {
                    sizes[.gzip] = try compressFile(at: target, to: target + ContentCoding.gzip.fileSuffix, coding: .gzip)
                } catch {
                    throw .compressionFailed(error.description)
                }
                if let cache = compressionCache, let payload = try? FileSystem.readAll(target + ContentCoding.gzip.fileSuffix) {
                    cache.store(key, CompressionCache.Entry(size: Int64(payload.count), payload: payload))
                }
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

/// A CSS/JS file's original and hashed copy, for sharing Brotli work between them.
struct SharedPrefixPair {
    var original: (path: String, md5: String, content: [UInt8])
    var rewritten: (path: String, md5: String, content: [UInt8])

    /// Worth sharing from 256 KiB of common prefix on.
    static let minimumPrefix = 256 * 1024

    /// Where the shared prefix ends (at a line start), when both tails after it are short.
    var cut: Int? {
        let a = original.content, b = rewritten.content
        let limit = min(a.count, b.count)
        guard limit >= Self.minimumPrefix else { return nil }
        let common: Int = a.withUnsafeBufferPointer { x in
            b.withUnsafeBufferPointer { y in
                var n = 0
                while n < limit && x[n] == y[n] { n += 1 }
                return n
            }
        }
        var cut = common
        while cut > 0 && a[cut - 1] != 0x0a { cut -= 1 }
        guard cut >= Self.minimumPrefix, a.count - cut <= SharedPrefixBrotli.maximumTail,
              b.count - cut <= SharedPrefixBrotli.maximumTail else { return nil }
        return cut
    }
}
