import HushCore

/// One run, phase by phase: copy and hash → rewrite → hashed copies and manifest → compress →
/// integrity manifest → retention → dictionary deltas → cache. Every phase writes only into staging and sees only its
/// inputs; each hands the next a typed result (``CopiedFile``, ``HashedFile``, ``PublishedFile``)
/// in file order. What may be reused from the previous run is ``ReusePolicy``'s to say.
struct PipelineRun {
    let files: [FoundFile]
    let staging: String
    let jobs: Int
    let configuration: CollectConfiguration
    let rewriter: ReferenceRewriter
    let previous: PreviousRun
    /// Compressed siblings by content (nil: no cache directory).
    let compressionCache: CompressionCache?
    let cancellation: CancellationFlag
    let progress: (@Sendable (CollectProgress) -> Void)?

    /// The summary, and the state the next run into the same STATIC_ROOT may reuse.
    func execute() throws(CollectError) -> (CollectSummary, CollectCache) {
        let context = PhaseContext(
            staging: staging,
            jobs: jobs,
            cancellation: cancellation,
            progress: progress,
            faultInjection: configuration.faultInjection
        )
        let reuse = ReusePolicy(previous: previous, missingSourceMaps: configuration.missingSourceMaps)
        var summary = CollectSummary()
        summary.found = files.count

        let copies = try CopyPhase(context: context, files: files, rewriter: rewriter, reuse: reuse).run()
        let tree = TreeIndex(files: files, originalHashes: copies.map(\.originalHash))
        let outcome = try RewritePhase(
            context: context,
            files: files,
            copies: copies,
            rewriter: rewriter,
            reuse: reuse,
            tree: tree
        ).run()
        summary.rewritten = outcome.rewrittenCount
        try HashedCopyPhase(context: context, files: files, hashed: outcome.hashed, previousRoot: previous.root).run()
        let manifest = Manifest(
            entries: zip(files, outcome.hashed).map { (PythonString.replaceBackslashes($0.name), $1.name) }
        )
        try FileSystem.write(manifest.encoded(), to: context.staged(Manifest.fileName))

        let published = publishedFiles(copies: copies, hashed: outcome.hashed)
        let contents = try CompressPhase(
            context: context,
            policy: configuration.compression,
            reuse: reuse,
            compressionCache: compressionCache
        ).run(published, pairs: sharedPrefixPairs(copies: copies, hashed: outcome.hashed))
        let integrity = IntegrityManifest.collected(
            files: files,
            hashed: outcome.hashed,
            published: published,
            contents: contents,
            policy: configuration.compression
        )
        try FileSystem.write(integrity.encoded(), to: context.staged(IntegrityManifest.fileName))
        if configuration.keepOnlyHashed {
            for file in files { FileSystem.removeTree(context.staged(file.name)) }
        }
        let carried = try RetentionPhase(context: context, previous: previous, policy: configuration.retention)
            .carryOverEarlierVersions(current: manifest)
        if configuration.dictionaryDeltas {
            let pairs = DeltaPhase.pairs(current: manifest, kept: carried.manifests) {
                FileSystem.exists(context.staged($0))
            }
            summary.deltas = try DeltaPhase(context: context, compressionCache: compressionCache).run(pairs)
        }
        summary.hashed = files.count

        let (state, written) = try CollectCache.recording(
            settings: ReusePolicy.settingsFingerprint(configuration),
            staging: staging,
            files: files,
            copies: copies,
            published: published,
            contents: contents,
            rewrites: outcome.records,
            carried: carried.paths,
            reuse: reuse
        )
        summary.written = written + summary.deltas
        summary.warnings = outcome.missingMaps.sorted { $0.key < $1.key }.flatMap { i, maps in
            maps.map { map in
                "\(files[i].sourcePath):\(map.line): \(RewritePhase.oneLine(map.reference)) — source map \(map.target) is in no source; left as written"
            }
        }
        return (summary, state)
    }

    /// Every file the run publishes with the MD5 of its content: each original (unless only hashed
    /// copies are kept), then its hashed copy.
    private func publishedFiles(copies: [CopiedFile], hashed: [HashedFile]) -> [PublishedFile] {
        // A collected file named like one of the manifests is overwritten by it (as in Django), so
        // its original is not published as collected.
        let manifestNames: Set<String> = [Manifest.fileName, IntegrityManifest.fileName]
        var published: [PublishedFile] = []
        for i in files.indices {
            if !configuration.keepOnlyHashed && !manifestNames.contains(files[i].name) {
                published.append(PublishedFile(path: files[i].name, md5: copies[i].md5, size: copies[i].size))
            }
            published.append(PublishedFile(path: hashed[i].name, md5: hashed[i].md5, size: hashed[i].size))
        }
        return published
    }

    /// The files rewritten in this run whose original is published too, for sharing Brotli work.
    private func sharedPrefixPairs(copies: [CopiedFile], hashed: [HashedFile]) -> [SharedPrefixPair] {
        guard !configuration.keepOnlyHashed else { return [] }
        return files.indices.compactMap { i in
            guard let rewritten = hashed[i].rewritten, let original = copies[i].content else { return nil }
            return SharedPrefixPair(
                original: .init(path: files[i].name, md5: copies[i].md5, content: original),
                rewritten: .init(path: hashed[i].name, md5: hashed[i].md5, content: rewritten)
            )
        }
    }
}
