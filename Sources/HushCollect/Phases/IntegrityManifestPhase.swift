import HushCore

extension IntegrityManifest {
    /// Phase 5: `hush-manifest.json`: for every collected file, its hashed name, size, content
    /// type, SRI value and kept sibling sizes.
    static func collected(
        files: [FoundFile],
        hashed: [HashedFile],
        published: [PublishedFile],
        contents: [String: CollectCache.ContentRecord],
        policy: CompressionPolicy
    ) -> IntegrityManifest {
        var publishedContent: [String: PublishedFile] = [:]
        for item in published { publishedContent[item.path] = item }
        var manifest = IntegrityManifest()
        for (file, copy) in zip(files, hashed) {
            guard let content = publishedContent[copy.name], let record = contents[content.md5] else { continue }
            var sizes: [ContentCoding: Int64] = [:]
            if policy.shouldCompress(path: copy.name) {
                for coding in ContentCoding.allCases { sizes[coding] = record.siblings[coding] }
            }
            manifest.files[PythonString.replaceBackslashes(file.name)] = IntegrityEntry(
                hashedName: copy.name,
                size: content.size,
                contentType: MediaType.contentType(forFileName: copy.name),
                integrity: record.integrity,
                compressedSizes: sizes
            )
        }
        return manifest
    }
}
