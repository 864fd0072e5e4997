import ArgumentParser
import Dispatch
import HushCollect
import HushCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `hush collect`: turns flags into a ``CollectConfiguration``, runs the collector, prints one
/// summary line (stdout) or one error line (stderr).
struct CollectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collect",
        abstract: "Collect source directories into STATIC_ROOT with hashed names and Django's staticfiles.json.",
        discussion: """
            Each SOURCE is a directory, or PREFIX=DIR to collect DIR under PREFIX/. Sources are searched \
            in order; when a path exists in several, the first wins (Django's STATICFILES_DIRS).
            """
    )

    @Argument(help: ArgumentHelp("Source directories, DIR or PREFIX=DIR, searched in order.", valueName: "SOURCE"))
    var sources: [String]

    @Option(name: .shortAndLong, help: ArgumentHelp("STATIC_ROOT to write (replaced atomically).", valueName: "STATIC_ROOT"))
    var output: String

    @Option(help: "STATIC_URL: absolute references under it are rewritten too.")
    var staticURL = "/static/"

    @Option(name: .customLong("ignore"), help: ArgumentHelp("Also skip files and directories matching GLOB (Django's CVS, .*, *~ always apply).", valueName: "GLOB"))
    var ignore: [String] = []

    @Flag(help: "Rewrite ES module import/export references (Django's support_js_module_import_aggregation).")
    var jsModules = false

    @Flag(help: "Do everything but publish: STATIC_ROOT is left untouched.")
    var dryRun = false

    @Option(parsing: .unconditional, help: "Worker threads (default: one per core).")
    var jobs = 0

    @Flag(help: "Write no .br siblings.")
    var noBrotli = false

    @Flag(help: "Write no .gz siblings.")
    var noGzip = false

    @Option(parsing: .unconditional, help: ArgumentHelp("Keep a compressed sibling only when it is at most this fraction of the original (WhiteNoise: 0.95).", valueName: "RATIO"))
    var maxRatio = CompressionPolicy.defaultRatio

    @Flag(help: "Publish only hashed copies (and their siblings); staticfiles.json still lists every file.")
    var keepOnlyHashed = false

    @Option(parsing: .unconditional, help: ArgumentHelp("Keep the hashed files of this many previous runs, for rolling deploys.", valueName: "N"))
    var keepVersions = 2

    @Option(parsing: .unconditional, help: ArgumentHelp("Also keep the hashed files of runs retired within D days.", valueName: "D"))
    var maxAgeDays: Int?

    @Flag(help: "Read nothing from the cache directory and do all the work again (the cache is still written afresh).")
    var noCache = false

    @Option(help: ArgumentHelp("Where incremental state and compressed siblings are kept, never inside STATIC_ROOT or a source (default: $HUSH_CACHE_DIR, else $XDG_CACHE_HOME/hush, else ~/.cache/hush).", valueName: "DIR"))
    var cacheDir: String?

    @Option(help: ArgumentHelp("Prune the compression cache to this size after each run, least recently used first (e.g. 500M, 2G).", valueName: "SIZE"))
    var cacheMaxSize = "1G"

    @Option(help: ArgumentHelp("A sourceMappingURL whose map is missing: error (Django's behaviour) or warn (leave it as written, one line on stderr).", valueName: "error|warn"))
    var missingSourcemaps = "error"

    @Flag(name: .shortAndLong, help: "Name every shadowed file.")
    var verbose = false

    @Flag(name: .shortAndLong, help: "Print no summary on success (warnings still go to stderr).")
    var quiet = false

    /// `$HUSH_CACHE_DIR`, else `$XDG_CACHE_HOME/hush` (when absolute, as the XDG spec requires),
    /// else `$HOME/.cache/hush`; nil (no cache) when none is set.
    static func defaultCacheDirectory(getenv: (String) -> String?) -> String? {
        if let dir = getenv("HUSH_CACHE_DIR"), !dir.isEmpty { return dir }
        if let xdg = getenv("XDG_CACHE_HOME"), xdg.hasPrefix("/") { return xdg + "/hush" }
        if let home = getenv("HOME"), !home.isEmpty { return home + "/.cache/hush" }
        return nil
    }

    func run() throws {
        var configuration = CollectConfiguration(sources: sources.map(SourceDirectory.init(argument:)), output: output)
        configuration.staticURL = staticURL
        configuration.extraIgnorePatterns = ignore
        configuration.jsModules = jsModules
        configuration.dryRun = dryRun
        configuration.jobs = jobs
        guard maxRatio > 0 && maxRatio <= 1 else { throw CLIFailure(message: "--max-ratio \(maxRatio): expected a fraction in (0, 1]", exitCode: 1) }
        guard keepVersions >= 0 else { throw CLIFailure(message: "--keep-versions \(keepVersions): expected 0 or more", exitCode: 1) }
        if let maxAgeDays, maxAgeDays < 0 { throw CLIFailure(message: "--max-age-days \(maxAgeDays): expected 0 or more", exitCode: 1) }
        guard jobs >= 0 else { throw CLIFailure(message: "--jobs \(jobs): expected 0 (one per core) or more", exitCode: 1) }
        var codings: Set<ContentCoding> = [.br, .gzip]
        if noBrotli { codings.remove(.br) }
        if noGzip { codings.remove(.gzip) }
        configuration.compression = CompressionPolicy(codings: codings, ratio: maxRatio)
        configuration.keepOnlyHashed = keepOnlyHashed
        configuration.retention = RetentionPolicy(keepVersions: keepVersions, maxAgeDays: maxAgeDays)
        configuration.incremental = !noCache
        configuration.cacheDirectory = cacheDir ?? Self.defaultCacheDirectory(getenv: { getenv($0).map { String(cString: $0) } })
        guard let maxSize = ByteSize.parse(cacheMaxSize) else {
            throw CLIFailure(message: "--cache-max-size \(cacheMaxSize): expected a size like 1G, 500M or 1000000", exitCode: 1)
        }
        configuration.cacheMaxSize = Int64(maxSize)
        guard let missing = MissingSourceMaps(rawValue: missingSourcemaps) else {
            throw CLIFailure(message: "--missing-sourcemaps \(missingSourcemaps): expected error or warn", exitCode: 1)
        }
        configuration.missingSourceMaps = missing

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
            print("hush: \(verb) \(summary.found) files into \(output) — \(summary.written) written, \(summary.hashed) hashed, \(summary.rewritten) rewritten, \(summary.shadowed.count) shadowed, \(summary.ignored) ignored in \(seconds)s")
        }
    }
}
