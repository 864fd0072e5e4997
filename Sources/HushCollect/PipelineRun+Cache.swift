import HushCore

extension PipelineRun {
    /// Phase 7: what the next run may reuse (see ``CollectCache``). Returns how many files the
    /// run published.
    func writeCache(
        copies: Slots<FileSystem.Copied>, published: [(path: String, md5: String, size: Int64)],
        contents: [String: CollectCache.ContentRecord], rewrites: [String: CollectCache.RewriteRecord], carried: [String]
    ) throws(CollectError) -> Int {
        var cache = CollectCache(settings: configuration.cacheFingerprint)
        for i in files.indices {
            guard let signature = FileSignature(following: files[i].sourcePath) else { continue }
            cache.sources[files[i].sourcePath] = CollectCache.SourceRecord(
                size: signature.size, modified: signature.modified, changed: signature.changed,
                inode: signature.inode, device: signature.device, md5: copies[i]!.md5
            )
        }
        var written = 0
        func record(_ path: String, md5: String?) {
            guard let signature = FileSignature(path: staging + "/" + path) else { return }
            cache.outputs[path] = CollectCache.OutputRecord(size: signature.size, modified: signature.modified, md5: md5)
            written += 1
        }
        for item in published {
            record(item.path, md5: item.md5)
            for coding in ContentCoding.allCases { record(item.path + coding.fileSuffix, md5: nil) }
        }
        for path in carried {
            cache.outputs[path] = previous.cache?.outputs[path]
            written += 1
        }
        cache.contents = contents
        cache.rewrites = rewrites
        try FileSystem.makeDirectories(staging + "/" + Staging.markerDirectory)
        try FileSystem.write(cache.encoded(), to: staging + "/" + CollectCache.fileName)
        return written + 2  // + staticfiles.json and hush-manifest.json
    }
}
