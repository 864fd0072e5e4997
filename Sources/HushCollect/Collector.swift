#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import HushCore
import Synchronization

/// The collect pipeline: find → copy and hash → rewrite references in dependency order → write
/// hashed copies and the manifest → publish atomically.
///
/// The result is what Django 6.1's `collectstatic` with `ManifestStaticFilesStorage` writes for
/// the same sources: Django iterates up to five passes until no hashed name changes; Hush computes
/// the same fixed point directly by rewriting each file once its references' final names are
/// known, so long chains never run out of passes and a cycle is reported by name.
public struct Collector: Sendable {
    public let configuration: CollectConfiguration

    public init(configuration: CollectConfiguration) {
        self.configuration = configuration
    }

    /// STATIC_URL as Django's settings turn it into a URL prefix: relative values get a leading
    /// `/` (the default script prefix); it must end with `/`.
    public static func normalizedStaticURL(_ url: String) throws(CollectError) -> String {
        guard url.hasSuffix("/") else { throw .invalidStaticURL(url) }
        if url.hasPrefix("/") || url.hasPrefix("http://") || url.hasPrefix("https://") { return url }
        return "/" + url
    }

    /// Runs the whole pipeline. On any error the staging directory is removed and STATIC_ROOT is
    /// left as it was.
    public func run(
        cancellation: CancellationFlag = CancellationFlag(),
        progress: (@Sendable (CollectProgress) -> Void)? = nil
    ) throws(CollectError) -> CollectSummary {
        let started = ContinuousClock.now
        let staticURL = try Self.normalizedStaticURL(configuration.staticURL)
        try validateLayout()
        let found = try Finder(sources: configuration.sources, ignorePatterns: configuration.ignorePatterns).find()
        let staging = try Staging.prepare(output: configuration.output)
        var summary = CollectSummary()
        do throws(CollectError) {
            var run = PipelineRun(
                files: found.files, staging: staging.path, jobs: jobs,
                rewriter: ReferenceRewriter(naming: DjangoNaming(staticURL: staticURL), jsModules: configuration.jsModules),
                cancellation: cancellation, progress: progress
            )
            summary = try run.execute()
            if cancellation.isCancelled { throw .interrupted }
            if configuration.dryRun {
                staging.discard()
            } else {
                try staging.publish()
            }
        } catch {
            staging.discard()
            throw error
        }
        summary.shadowed = found.shadowed
        summary.ignored = found.ignored
        summary.dryRun = configuration.dryRun
        let elapsed = ContinuousClock.now - started
        summary.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return summary
    }

    private var jobs: Int {
        configuration.jobs > 0 ? configuration.jobs : max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    /// Sources must be directories; the output may not contain a source or lie inside one.
    private func validateLayout() throws(CollectError) {
        for source in configuration.sources { try Finder.validate(source) }
        let output = FileSystem.canonical(configuration.output)
        for source in configuration.sources {
            let path = FileSystem.canonical(source.path)
            if output == path || output.hasPrefix(path + "/") {
                throw .outputInsideSource(output: configuration.output, source: source.path)
            }
            if path.hasPrefix(output + "/") {
                throw .sourceInsideOutput(source: source.path, output: configuration.output)
            }
        }
    }
}

/// One run's state, phase by phase.
private struct PipelineRun {
    let files: [FoundFile]
    let staging: String
    let jobs: Int
    let rewriter: ReferenceRewriter
    let cancellation: CancellationFlag
    let progress: (@Sendable (CollectProgress) -> Void)?

    init(
        files: [FoundFile], staging: String, jobs: Int, rewriter: ReferenceRewriter,
        cancellation: CancellationFlag, progress: (@Sendable (CollectProgress) -> Void)?
    ) {
        self.files = files
        self.staging = staging
        self.jobs = jobs
        self.rewriter = rewriter
        self.cancellation = cancellation
        self.progress = progress
    }

    /// Largest first, so one big bundle does not finish last.
    var bySize: [Int] { files.indices.sorted { files[$0].size > files[$1].size } }

    mutating func execute() throws(CollectError) -> CollectSummary {
        var summary = CollectSummary()
        summary.found = files.count
        let copies = try copyAndHash()
        let tree = TreeIndex(files: files, originalHashes: (0..<files.count).map { String(copies[$0]!.md5.prefix(HashedName.hashLength)) })
        let (finalNames, rewritten) = try rewriteReferences(tree: tree, copies: copies)
        summary.rewritten = rewritten.count
        try writeHashedCopies(finalNames: finalNames, rewritten: rewritten)
        let manifest = Manifest(entries: files.indices.map { (PythonString.replaceBackslashes(files[$0].name), finalNames[$0]!) })
        try FileSystem.write(manifest.encoded(), to: staging + "/" + Manifest.fileName)
        summary.hashed = files.count
        summary.written = files.count * 2 + 1
        return summary
    }

    func report(_ phase: CollectProgress.Phase, _ done: Int, _ total: Int) {
        progress?(CollectProgress(phase: phase, done: done, total: total))
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

    /// Phase 1: copy every file into staging, hashing it on the way; keep the text of the files
    /// whose references get rewritten.
    func copyAndHash() throws(CollectError) -> Slots<FileSystem.Copied> {
        try makeParents(files.map(\.name))
        let copies = Slots<FileSystem.Copied>(count: files.count)
        let done = Atomic<Int>(0)
        let total = files.count
        try parallelForEach(bySize, jobs: jobs, cancellation: cancellation) { i throws(CollectError) in
            let file = files[i]
            let keep = rewriter.rewrites(file.relativePath)
            let copied = try FileSystem.copy(file.sourcePath, to: staging + "/" + file.name, keepContent: keep)
            if let content = copied.content, String(validating: content, as: UTF8.self) == nil {
                throw .notUTF8Content(file.sourcePath)
            }
            copies[i] = copied
            report(.copying, done.add(1, ordering: .relaxed).newValue, total)
        }
        return copies
    }

    /// Phase 2: final hashed names for every file and the rewritten text of CSS/JS files.
    ///
    /// A discovery pass rewrites every CSS/JS file once and records which other rewritten files it
    /// references; files without such references are final at once, the rest are rewritten level
    /// by level once everything they reference is final. What is left when no file is ready is a
    /// cycle.
    func rewriteReferences(tree: TreeIndex, copies: Slots<FileSystem.Copied>) throws(CollectError)
        -> (Slots<String>, [Int: [UInt8]])
    {
        let finalNames = Slots<String>(count: files.count)
        var adjustable: [Int] = []
        for i in files.indices {
            if copies[i]!.content != nil {
                adjustable.append(i)
            } else {
                finalNames[i] = hashedName(i, hash: tree.originalHashes[i])
            }
        }
        let results = Slots<([UInt8], Set<Int>)>(count: files.count)
        func rewrite(_ batch: [Int], discovering: Bool) throws(CollectError) {
            try parallelForEach(batch, jobs: jobs, cancellation: cancellation) { i throws(CollectError) in
                let lookup = CollectedLookup(tree: tree, finalNames: finalNames, discovering: discovering)
                let file = files[i]
                do throws(ReferenceRewriter.Failure) {
                    let output = try rewriter.rewrite(copies[i]!.content!, name: file.name, path: file.relativePath, lookup: lookup)
                    results[i] = (output, lookup.dependencies)
                } catch {
                    throw Self.collectError(error, file: file.sourcePath)
                }
            }
        }
        var rewritten: [Int: [UInt8]] = [:]
        func commit(_ i: Int) {
            let content = results[i]!.0
            rewritten[i] = content
            finalNames[i] = hashedName(i, hash: String(MD5.hex(content).prefix(HashedName.hashLength)))
        }
        report(.rewriting, 0, adjustable.count)
        try rewrite(adjustable, discovering: true)
        var waiting: [Int: Set<Int>] = [:]
        for i in adjustable {
            let dependencies = results[i]!.1
            if dependencies.isEmpty { commit(i) } else { waiting[i] = dependencies }
        }
        while !waiting.isEmpty {
            let ready = waiting.filter { $0.value.allSatisfy { finalNames[$0] != nil } }.keys.sorted()
            guard !ready.isEmpty else { throw .referenceCycle(cycle(in: waiting)) }
            try rewrite(ready, discovering: false)
            for i in ready {
                commit(i)
                waiting[i] = nil
            }
            report(.rewriting, adjustable.count - waiting.count, adjustable.count)
        }
        return (finalNames, rewritten)
    }

    /// The hashed name Django gives file `i` for content with `hash` (`clean_name` applied).
    func hashedName(_ i: Int, hash: String) -> String {
        PythonString.replaceBackslashes(DjangoNaming.hashedName(files[i].name, hash: hash))
    }

    /// One cycle among the waiting files, as source paths in reference order.
    func cycle(in waiting: [Int: Set<Int>]) -> [String] {
        var path: [Int] = []
        var current = waiting.keys.min()!
        while !path.contains(current) {
            path.append(current)
            current = waiting[current]!.filter { waiting[$0] != nil }.min()!
        }
        return path[path.firstIndex(of: current)!...].map { files[$0].sourcePath }
    }

    static func collectError(_ failure: ReferenceRewriter.Failure, file: String) -> CollectError {
        switch failure.reason {
        case .missing(let target):
            return .missingReference(file: file, line: failure.line, reference: failure.matched, target: target)
        case .outside:
            return .referenceOutsideRoot(file: file, line: failure.line, reference: failure.matched)
        case .unsupported(let reason):
            return .unsupportedReference(file: file, line: failure.line, reference: failure.matched, reason: reason)
        case .pending(let key):
            return .unsupportedReference(file: file, line: failure.line, reference: failure.matched, reason: "internal ordering error on \(key)")
        }
    }

    /// Phase 3: the hashed copies: rewritten text, or a second link to the unchanged original.
    func writeHashedCopies(finalNames: Slots<String>, rewritten: [Int: [UInt8]]) throws(CollectError) {
        for i in files.indices {
            guard DjangoNaming.storagePath(finalNames[i]!) != nil else {
                throw .writeFailed(path: files[i].sourcePath, reason: "its hashed name \(finalNames[i]!) would lie outside STATIC_ROOT")
            }
        }
        try makeParents(files.indices.map { finalNames[$0]! })
        let done = Atomic<Int>(0)
        let total = files.count
        try parallelForEach(bySize, jobs: jobs, cancellation: cancellation) { i throws(CollectError) in
            let target = staging + "/" + finalNames[i]!
            if let content = rewritten[i] {
                try FileSystem.write(content, to: target)
            } else {
                try FileSystem.duplicate(staging + "/" + files[i].name, as: target)
            }
            report(.writing, done.add(1, ordering: .relaxed).newValue, total)
        }
    }
}
