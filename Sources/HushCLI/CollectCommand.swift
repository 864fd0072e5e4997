import ArgumentParser
import Dispatch
import Glibc
import HushCollect
import HushCore

/// `hush collect`: turns flags into a ``CollectConfiguration``, runs the collector, prints one
/// summary line (stdout) or one error line (stderr).
struct CollectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collect",
        abstract: "Collect source directories into STATIC_ROOT with hashed names and Django's staticfiles.json.",
        discussion: """
            Each SOURCE is a directory, or PREFIX=DIR to collect DIR under PREFIX/. Sources are searched \
            in order; when a path exists in several, the first wins (Django's STATICFILES_DIRS). \
            With --django (run where manage.py is), the sources, STATIC_ROOT, STATIC_URL, ignore patterns \
            and ES-module setting come from the project's own Django; explicit flags override them.
            """
    )

    @Argument(help: ArgumentHelp("Source directories, DIR or PREFIX=DIR, searched in order.", valueName: "SOURCE"))
    var sources: [String] = []

    @Option(
        name: .shortAndLong,
        help: ArgumentHelp("STATIC_ROOT to write (replaced atomically).", valueName: "STATIC_ROOT")
    )
    var output: String?

    @Option(help: "STATIC_URL: absolute references under it are rewritten too (default /static/).")
    var staticURL: String?

    @Flag(
        help:
            "Take sources, STATIC_ROOT, STATIC_URL, ignore patterns and ES-module setting from the Django project in this directory."
    )
    var django = false

    @OptionGroup var djangoOptions: DjangoOptions

    @Option(
        name: .customLong("ignore"),
        help: ArgumentHelp(
            "Also skip files and directories matching GLOB (Django's CVS, .*, *~ always apply).",
            valueName: "GLOB"
        )
    )
    var ignore: [String] = []

    @Flag(
        inversion: .prefixedNo,
        help: "Rewrite ES module import/export references (Django's support_js_module_import_aggregation)."
    )
    var jsModules: Bool?

    @Flag(help: "Do everything but publish: STATIC_ROOT is left untouched.")
    var dryRun = false

    @Option(parsing: .unconditional, help: "Worker threads (default: one per core).")
    var jobs = 0

    @Flag(help: "Write no .br siblings.")
    var noBrotli = false

    @Flag(help: "Write no .zst siblings.")
    var noZstd = false

    @Flag(help: "Write no .gz siblings.")
    var noGzip = false

    @Flag(help: "Write no dictionary-compressed deltas (RFC 9842 dcz) against retained versions.")
    var noDcz = false

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Keep a compressed sibling only when it is at most this fraction of the original (WhiteNoise: 0.95).",
            valueName: "RATIO"
        )
    )
    var maxRatio = CompressionPolicy.defaultRatio

    @Flag(help: "Publish only hashed copies (and their siblings); staticfiles.json still lists every file.")
    var keepOnlyHashed = false

    @OptionGroup var retention: RetentionOptions

    @Flag(help: "Read nothing from the cache directory and do all the work again (the cache is still written afresh).")
    var noCache = false

    @Flag(
        help:
            "Take over a STATIC_ROOT that Django's collectstatic wrote (its staticfiles.json is Django's); its hashed files are kept as a retained version."
    )
    var adopt = false

    @Flag(
        help:
            "Let the publish delete files in STATIC_ROOT that no manifest names (put there by hand); without it the run refuses and names them."
    )
    var discardUnknown = false

    @Option(
        help: ArgumentHelp(
            "Refuse CSS/JS files larger than SIZE: they are rewritten in memory (default 64MiB).",
            valueName: "SIZE"
        )
    )
    var maxRewriteSize: String?
    @Option(
        help: ArgumentHelp(
            "Where incremental state and compressed siblings are kept, never inside STATIC_ROOT or a source (default: $HUSH_CACHE_DIR, else $XDG_CACHE_HOME/hush, else ~/.cache/hush).",
            valueName: "DIR"
        )
    )
    var cacheDir: String?

    @Option(
        help: ArgumentHelp(
            "Prune the compression cache to this size after each run, least recently used first (e.g. 500M, 2G).",
            valueName: "SIZE"
        )
    )
    var cacheMaxSize = "1G"

    @Option(
        help: ArgumentHelp(
            "A sourceMappingURL whose map is missing: error (Django's behaviour) or warn (leave it as written, one line on stderr).",
            valueName: "error|warn"
        )
    )
    var missingSourcemaps = "error"

    @Flag(name: .shortAndLong, help: "Name every shadowed file.")
    var verbose = false

    @Flag(name: .shortAndLong, help: "Print no summary on success (warnings still go to stderr).")
    var quiet = false

    /// Every check the flags alone decide, before any work (Django is not asked, nothing is
    /// read). Flags that need each other are usage errors (`ValidationError`: ArgumentParser prints
    /// the usage); a value out of range is one line, status 1 (``CLIFailure``). The retention
    /// flags check themselves (``RetentionOptions/validate()``).
    func validate() throws {
        if !django && sources.isEmpty {
            throw ValidationError("Missing expected argument '<SOURCE> ...' (or pass --django)")
        }
        if !django && output == nil {
            throw ValidationError("Missing expected argument '--output <STATIC_ROOT>' (or pass --django)")
        }
        if !django && (djangoOptions.python != nil || djangoOptions.settings != nil) {
            throw ValidationError("--python and --settings need --django")
        }
        guard maxRatio > 0 && maxRatio <= 1 else {
            throw CLIFailure(message: "--max-ratio \(maxRatio): expected a fraction in (0, 1]")
        }
        guard jobs >= 0 else { throw CLIFailure(message: "--jobs \(jobs): expected 0 (one per core) or more") }
        _ = try maxRewriteBytes
        _ = try cacheMaxBytes
        _ = try missingSourceMapsPolicy
    }

    /// `--max-rewrite-size` in bytes; nil when not given.
    private var maxRewriteBytes: Int64? {
        get throws(CLIFailure) {
            guard let maxRewriteSize else { return nil }
            guard let bytes = ByteSize.parse(maxRewriteSize), bytes > 0 else {
                throw CLIFailure(
                    message: "--max-rewrite-size \(maxRewriteSize): expected a size like 64MiB, 512K or 1000000"
                )
            }
            return Int64(bytes)
        }
    }

    private var cacheMaxBytes: Int64 {
        get throws(CLIFailure) {
            guard let bytes = ByteSize.parse(cacheMaxSize) else {
                throw CLIFailure(message: "--cache-max-size \(cacheMaxSize): expected a size like 1G, 500M or 1000000")
            }
            return Int64(bytes)
        }
    }

    private var missingSourceMapsPolicy: MissingSourceMaps {
        get throws(CLIFailure) {
            guard let policy = MissingSourceMaps(rawValue: missingSourcemaps) else {
                throw CLIFailure(message: "--missing-sourcemaps \(missingSourcemaps): expected error or warn")
            }
            return policy
        }
    }

    /// `$HUSH_CACHE_DIR`, else `$XDG_CACHE_HOME/hush` (when absolute, as the XDG spec requires),
    /// else `$HOME/.cache/hush`; nil (no cache) when none is set.
    static func defaultCacheDirectory(getenv: (String) -> String?) -> String? {
        if let dir = getenv("HUSH_CACHE_DIR"), !dir.isEmpty { return dir }
        if let xdg = getenv("XDG_CACHE_HOME"), xdg.hasPrefix("/") { return xdg + "/hush" }
        if let home = getenv("HOME"), !home.isEmpty { return home + "/.cache/hush" }
        return nil
    }

    func run() throws {
        // Django's answer first; every explicit flag then wins over it.
        let project = django ? try djangoOptions.introspect() : nil
        if let project, !quiet {
            for source in project.skipped {
                writeStandardError(
                    "hush: warning: \(source.path) (\(source.origin)) does not exist; skipped, as Django does\n"
                )
            }
        }
        let sources = sources.isEmpty ? project?.sourceDirectories ?? [] : sources.map(SourceDirectory.init(argument:))
        guard let output = output ?? project?.staticRoot else {
            throw CLIFailure(
                message: "settings \(project?.settings ?? "?") set no STATIC_ROOT: set it, or pass --output"
            )
        }
        if sources.isEmpty {
            throw CLIFailure(
                message:
                    "Django reports no static source directories (no STATICFILES_DIRS, no app with static/): nothing to collect"
            )
        }
        var configuration = CollectConfiguration(sources: sources, output: output)
        configuration.staticURL = staticURL ?? project?.staticURL ?? "/static/"
        configuration.extraIgnorePatterns = ignore.isEmpty ? project?.extraIgnorePatterns ?? [] : ignore
        configuration.jsModules = jsModules ?? project?.jsModules ?? false
        configuration.dryRun = dryRun
        configuration.jobs = jobs
        // Every coding of the table unless a flag turns it off.
        var codings = Set(ContentCoding.allCases)
        if noBrotli { codings.remove(.br) }
        if noZstd { codings.remove(.zstd) }
        if noGzip { codings.remove(.gzip) }
        configuration.compression = CompressionPolicy(codings: codings, ratio: maxRatio)
        configuration.keepOnlyHashed = keepOnlyHashed || project?.keepOnlyHashed == true
        configuration.retention = retention.policy
        configuration.dictionaryDeltas = !noDcz
        configuration.incremental = !noCache
        configuration.adopt = adopt
        configuration.discardUnknown = discardUnknown
        if let bytes = try maxRewriteBytes { configuration.maxRewriteSize = bytes }
        configuration.cacheDirectory =
            cacheDir ?? Self.defaultCacheDirectory(getenv: { getenv($0).map { String(cString: $0) } })
        configuration.cacheMaxSize = try cacheMaxBytes
        configuration.missingSourceMaps = try missingSourceMapsPolicy

        let cancellation = CancellationFlag()
        let signals = SignalWatch(signals: [SIGINT, SIGTERM]) { cancellation.cancel() }
        defer { signals.stop() }
        let status = StatusLine(enabled: !quiet && isatty(STDERR_FILENO) == 1)
        let summary: CollectSummary
        do {
            summary = try Collector(configuration: configuration).run(cancellation: cancellation) { status.show($0) }
        } catch {
            status.clear()
            throw CLIFailure(message: error.description, exitCode: error == .interrupted ? 130 : 1)
        }
        status.clear()
        if !quiet {
            if let restored = summary.restored {
                writeStandardError("hush: restored \(output) from \(restored), left aside by an interrupted publish\n")
            }
            if summary.adopted {
                writeStandardError(
                    "hush: adopted \(output), a collectstatic output; its hashed files are kept as a retained version\n"
                )
            }
            for file in summary.discarded {
                writeStandardError("hush: discarded \(file) from \(output): no manifest named it (--discard-unknown)\n")
            }
        }
        // On stderr even with --quiet: the run succeeded, but a reference was left unresolved.
        for warning in summary.warnings { writeStandardError("hush: warning: \(warning)\n") }
        if verbose {
            for file in summary.shadowed {
                print("hush: shadowed \(file.name): \(file.sourcePath) (using \(file.winnerPath))")
            }
        }
        if !quiet {
            let seconds = String(format: "%.2f", summary.seconds)
            let verb = summary.dryRun ? "dry run: would collect" : "collected"
            print(
                "hush: \(verb) \(summary.found) files into \(output) — \(summary.written) written, \(summary.hashed) hashed, \(summary.rewritten) rewritten, \(summary.deltas) dcz deltas, \(summary.shadowed.count) shadowed, \(summary.ignored) ignored in \(seconds)s"
            )
        }
    }
}
