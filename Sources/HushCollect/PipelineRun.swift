import Foundation
import HushCore
import HushSystem
import Synchronization

/// One run's state, phase by phase: copy and hash → rewrite → hashed copies and manifest →
/// compress → integrity manifest → retention → cache. Every phase writes only into staging.
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
    /// Large files being copied or compressed, named in the progress.
    let largeFiles = LargeFilesInFlight()

    /// What of the previous run may be reused.
    var reuse: ReusePolicy { ReusePolicy(previous: previous, missingSourceMaps: configuration.missingSourceMaps) }

    /// Largest first, so one big bundle does not finish last.
    var bySize: [Int] { files.indices.sorted { files[$0].size > files[$1].size } }

    /// The summary, and the state the next run into the same STATIC_ROOT may reuse.
    func execute() throws(CollectError) -> (CollectSummary, CollectCache) {
        var summary = CollectSummary()
        summary.found = files.count
        let copies = try copyAndHash()
        let tree = TreeIndex(files: files, originalHashes: files.indices.map { String(copies[$0]!.md5.prefix(HashedName.hashLength)) })
        let outcome = try rewriteReferences(tree: tree, copies: copies)
        let finalNames = outcome.finalNames
        summary.rewritten = outcome.rewritten.count
        try writeHashedCopies(outcome)
        let manifest = Manifest(entries: files.indices.map { (PythonString.replaceBackslashes(files[$0].name), finalNames[$0]!) })
        try FileSystem.write(manifest.encoded(), to: staging + "/" + Manifest.fileName)

        // Every published file with the MD5 of its content.
        var published: [(path: String, md5: String, size: Int64)] = []
        // A collected file named like one of the manifests is overwritten by it (as in Django), so
        // its original is not published as collected.
        let manifestNames: Set<String> = [Manifest.fileName, IntegrityManifest.fileName]
        for i in files.indices {
            let original = copies[i]!
            if !configuration.keepOnlyHashed && !manifestNames.contains(files[i].name) {
                published.append((files[i].name, original.md5, original.size))
            }
            let final = outcome.outputs[i] ?? (original.md5, original.size)
            published.append((finalNames[i]!, final.md5, final.size))
        }
        var pairs: [SharedPrefixPair] = []
        if !configuration.keepOnlyHashed {
            for (i, rewrittenContent) in outcome.rewritten {
                guard let originalContent = copies[i]!.content, let final = outcome.outputs[i] else { continue }
                pairs.append(SharedPrefixPair(
                    original: (files[i].name, copies[i]!.md5, originalContent),
                    rewritten: (finalNames[i]!, final.md5, rewrittenContent)))
            }
        }
        let contents = try compress(published, pairs: pairs)
        try writeIntegrityManifest(finalNames: finalNames, published: published, contents: contents)
        if configuration.keepOnlyHashed {
            for file in files { FileSystem.removeTree(staging + "/" + file.name) }
        }
        let carried = try carryOverEarlierVersions(current: manifest)
        summary.hashed = files.count
        let (state, written) = try makeCache(copies: copies, published: published, contents: contents, rewrites: outcome.records, carried: carried)
        summary.written = written
        summary.warnings = outcome.missingMaps.keys.sorted().flatMap { i in
            outcome.missingMaps[i]!.map { map in
                "\(files[i].sourcePath):\(map.line): \(Self.oneLine(map.reference)) — source map \(map.target) is in no source; left as written"
            }
        }
        return (summary, state)
    }

    func report(_ phase: CollectProgress.Phase, _ done: Int, _ total: Int) {
        progress?(CollectProgress(phase: phase, done: done, total: total, largeFiles: largeFiles.current))
    }

    /// Reports `name` as a large file in progress when `size` makes it one; the caller ends it
    /// (``LargeFilesInFlight/end(_:)``) when this returns true.
    func announceLarge(_ name: String, size: Int64, _ phase: CollectProgress.Phase, _ done: Int, _ total: Int) -> Bool {
        guard size >= CollectProgress.largeFileSize else { return false }
        largeFiles.begin(name, size: size)
        report(phase, done, total)
        return true
    }

    /// Creates every directory the given relative paths need, once, before the parallel phases.
    func makeParents(_ paths: [String]) throws(CollectError) {
        var made = Set<String>()
        for path in paths {
            let parent = PosixPath.dirname(path)
            if parent.isEmpty || made.contains(parent) { continue }
            try FileSystem.makeDirectories(staging + "/" + parent)
            made.insert(parent)
        }
    }

    /// Phase 1: every file into staging with its MD5; the text of the files whose references get
    /// rewritten is kept in memory. An unchanged file the previous run already published is linked
    /// from the old STATIC_ROOT instead of read again (a CSS/JS file is then read only if its
    /// rewrite cannot be reused).
    func copyAndHash() throws(CollectError) -> Slots<FileSystem.Copied> {
        try makeParents(files.map(\.name))
        let copies = Slots<FileSystem.Copied>(count: files.count)
        let done = Atomic<Int>(0)
        let total = files.count
        try parallelForEach(bySize, jobs: jobs, cancellation: cancellation) { i throws(CollectError) in
            let file = files[i]
            configuration.faultInjection?(.beforeCopy(file.name))
            let keep = rewriter.rewrites(file.relativePath)
            let target = staging + "/" + file.name
            if let reused = reuse.source(at: file.sourcePath, name: file.name),
               (try? Syscall.link(reuse.root + "/" + reused.output, as: target)) != nil {
                copies[i] = FileSystem.Copied(md5: reused.md5, size: reused.size, content: nil, identity: reused.identity)
            } else {
                let large = announceLarge(file.name, size: file.size, .copying, done.load(ordering: .relaxed), total)
                defer { if large { largeFiles.end(file.name) } }
                let copied = try FileSystem.copy(file.sourcePath, to: target, keepContent: keep)
                if let content = copied.content, String(validating: content, as: UTF8.self) == nil {
                    throw .notUTF8Content(file.sourcePath)
                }
                copies[i] = copied
            }
            report(.copying, done.add(1, ordering: .relaxed).newValue, total)
        }
        return copies
    }

    /// Phase 3: the hashed copies: rewritten text, the previous run's identical output, or a
    /// second link to the unchanged original.
    func writeHashedCopies(_ outcome: RewriteOutcome) throws(CollectError) {
        let finalNames = outcome.finalNames
        for i in files.indices {
            guard DjangoNaming.storagePath(finalNames[i]!) != nil else {
                throw .writeFailed(path: files[i].sourcePath, reason: "its hashed name \(finalNames[i]!) would lie outside STATIC_ROOT")
            }
        }
        try makeParents(files.indices.map { finalNames[$0]! })
        let done = Atomic<Int>(0)
        let total = files.count
        try parallelForEach(bySize, jobs: jobs, cancellation: cancellation) { i throws(CollectError) in
            let name = finalNames[i]!
            let target = staging + "/" + name
            if let content = outcome.rewritten[i] {
                try FileSystem.write(content, to: target)
            } else if outcome.reused.contains(i) {
                try FileSystem.duplicate(previous.root + "/" + name, as: target)
            } else {
                try FileSystem.duplicate(staging + "/" + files[i].name, as: target)
            }
            report(.writing, done.add(1, ordering: .relaxed).newValue, total)
        }
    }
}
