import Glibc
import HushCompress
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
        let rewriter = ReferenceRewriter(
            naming: DjangoNaming(staticURL: staticURL),
            jsModules: configuration.jsModules,
            missingSourceMaps: configuration.missingSourceMaps
        )
        // Rewritten files are held in memory: a bound, checked before any work.
        for file in found.files
        where file.problem == nil && file.size > configuration.maxRewriteSize && rewriter.rewrites(file.relativePath) {
            throw .tooLargeToRewrite(path: file.sourcePath, size: file.size, limit: configuration.maxRewriteSize)
        }
        let staging = try Staging.prepare(
            output: configuration.output,
            dryRun: configuration.dryRun,
            adopt: configuration.adopt
        )
        var summary = CollectSummary()
        var discarded: [String] = []
        let cache = configuration.cacheDirectory.map(CacheDirectory.init(path:))
        do throws(CollectError) {
            let statePath = cache?.statePath(for: configuration.output)
            let previous = PreviousRun.load(
                root: configuration.output,
                owner: staging.previous,
                statePath: configuration.incremental ? statePath : nil,
                settings: ReusePolicy.settingsFingerprint(configuration)
            )
            if staging.previous != nil {
                discarded = UnknownFiles.find(in: previous)
                if !discarded.isEmpty && !configuration.discardUnknown {
                    throw .unknownFilesInOutput(output: configuration.output, files: discarded)
                }
            }
            let compressionCache = cache.map {
                CompressionCache(
                    directory: $0.compressed,
                    encoder: Compressor.fingerprint,
                    readable: configuration.incremental,
                    writable: !configuration.dryRun
                )
            }
            let run = PipelineRun(
                files: found.files,
                staging: staging.path,
                jobs: jobs,
                configuration: configuration,
                rewriter: rewriter,
                previous: previous,
                compressionCache: compressionCache,
                cancellation: cancellation,
                progress: progress
            )
            let state: CollectCache
            do throws(CollectError) {
                (summary, state) = try run.execute()
            } catch {
                throw run.attributed(error)
            }
            if cancellation.isCancelled { throw .interrupted }
            configuration.faultInjection?(.beforePublish(staging: staging.path))
            if configuration.dryRun {
                staging.discard()
            } else {
                let inject = configuration.faultInjection
                try staging.publish(exchange: configuration.renameExchange) { retired in
                    inject?(.afterRetire(retired: retired))
                }
                // After publishing, so the state never describes a tree that is not there (and it
                // names the tree it describes: see ``CollectCache``). A state that cannot be
                // written costs only the next run's speed.
                if let statePath { CacheDirectory.writeAtomically(state.encoded(), to: statePath) }
                compressionCache?.prune(maxSize: configuration.cacheMaxSize)
            }
        } catch {
            staging.discard()
            throw error
        }
        summary.restored = staging.restored
        summary.adopted = staging.previous == .collectstatic
        summary.discarded = discarded
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

    /// Sources must be directories; the output may not contain a source or lie inside one; the
    /// cache directory may lie inside neither.
    private func validateLayout() throws(CollectError) {
        for source in configuration.sources { try Finder.validate(source) }
        if let cache = configuration.cacheDirectory {
            try CacheDirectory.validate(cache, sources: configuration.sources, output: configuration.output)
        }
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
