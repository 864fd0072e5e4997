#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization
import HushCompress
import HushCore

extension PipelineRun {
    /// Phase 4: pre-compressed siblings and SRI values, once per distinct content.
    ///
    /// A file and its hashed copy usually have the same bytes, and so do duplicates across
    /// directories: each content is compressed once (largest first, on every core) and its
    /// siblings are linked next to every path with that content. Siblings and SRI values the
    /// previous run produced for the same content, under the same settings, are linked from the
    /// old STATIC_ROOT instead of being computed again.
    func compress(_ published: [(path: String, md5: String, size: Int64)]) throws(CollectError) -> [String: CollectCache.ContentRecord] {
        let policy = configuration.compression
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
            let cached = previous.cache?.contents[group.md5]
            let integrity: String
            if let known = cached?.integrity {
                integrity = known
            } else {
                integrity = try FileSystem.subresourceIntegrity(staging + "/" + representative)
            }
            var siblings: [String: Int64] = [:]
            if group.compressible {
                if let cached, reuseSiblings(cached, into: representative) {
                    siblings = cached.siblings
                } else {
                    do throws(CompressError) {
                        let made = try compressSiblings(of: staging + "/" + representative, policy: policy)
                        for (coding, size) in made.kept { siblings[coding.fileSuffix] = size }
                    } catch {
                        throw .compressionFailed(error.description)
                    }
                }
                for path in group.paths.dropFirst() {
                    for suffix in siblings.keys {
                        try FileSystem.duplicate(staging + "/" + representative + suffix, as: staging + "/" + path + suffix)
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

    /// Links the siblings a previous run made for the same content, if all of them are still
    /// exactly as it left them.
    private func reuseSiblings(_ cached: CollectCache.ContentRecord, into path: String) -> Bool {
        guard cached.compressed else { return false }
        guard !cached.siblings.isEmpty else {
            // Compressed before and nothing was worth keeping: nothing to link, nothing to redo.
            return true
        }
        guard let source = cached.siblingPath else { return false }
        for (suffix, size) in cached.siblings {
            guard let record = previous.reusable(source + suffix), record.size == size else { return false }
        }
        for suffix in cached.siblings.keys {
            let target = staging + "/" + path + suffix
            guard link(previous.root + "/" + source + suffix, target) == 0 else {
                for other in cached.siblings.keys { unlink(staging + "/" + path + other) }
                return false
            }
        }
        return true
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
                for coding in ContentCoding.allCases { sizes[coding] = record.siblings[coding.fileSuffix] }
            }
            manifest.files[PythonString.replaceBackslashes(files[i].name)] = IntegrityEntry(
                hashedName: hashed, size: content.size, contentType: MediaType.contentType(forFileName: hashed),
                integrity: record.integrity, compressedSizes: sizes
            )
        }
        try FileSystem.write(manifest.encoded(), to: staging + "/" + IntegrityManifest.fileName)
    }
}
