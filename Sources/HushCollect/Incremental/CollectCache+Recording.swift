import HushCore
import HushSystem

extension CollectCache {
    /// Phase 7: what the next run may reuse, and how many files the run published, read from the
    /// staged tree. The state is not written into staging (STATIC_ROOT is public): the collector
    /// writes it to the cache directory once the tree is published.
    static func recording(
        settings: String,
        staging: String,
        files: [FoundFile],
        copies: [CopiedFile],
        published: [PublishedFile],
        contents: [String: ContentRecord],
        rewrites: [String: RewriteRecord],
        carried: [String],
        reuse: ReusePolicy
    ) throws(CollectError) -> (state: CollectCache, written: Int) {
        var cache = CollectCache(settings: settings)
        cache.tree = MD5.hex(try FileSystem.readAll(staging + "/" + IntegrityManifest.fileName))
        // Each source's signature was taken when it was read, with the hash of those very bytes:
        // a file edited after its copy gets a new signature, so the next run reads it again.
        for (file, copy) in zip(files, copies) {
            guard let identity = copy.identity else { continue }
            cache.sources[file.sourcePath] = SourceRecord(identity: identity, md5: copy.md5)
        }
        var written = 0
        func record(_ path: String, md5: String?) {
            guard let identity = FileIdentity(path: staging + "/" + path, follow: false) else { return }
            cache.outputs[path] = OutputRecord(size: identity.size, modified: identity.modified, md5: md5)
            written += 1
        }
        for item in published {
            record(item.path, md5: item.md5)
            for coding in ContentCoding.allCases { record(item.path + coding.fileSuffix, md5: nil) }
        }
        for path in carried {
            cache.outputs[path] = reuse.outputRecord(path)
            written += 1
        }
        cache.contents = contents
        cache.rewrites = rewrites
        return (cache, written + 2)  // + staticfiles.json and hush-manifest.json
    }
}
