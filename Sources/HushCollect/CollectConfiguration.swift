import HushCompress
import HushCore

/// One source directory, optionally mounted under a prefix (Django's `("prefix", "path")`
/// form of a STATICFILES_DIRS entry).
public struct SourceDirectory: Sendable, Equatable {
    /// The URL path prefix its files are collected under, without slashes at either end; empty
    /// for none.
    public var prefix: String
    /// The directory, as the user gave it.
    public var path: String

    public init(prefix: String = "", path: String) {
        self.prefix = prefix
        self.path = path
    }

    /// Parses the CLI form: `DIR` or `PREFIX=DIR`, split at the first `=` (a directory whose
    /// name contains `=` is given as `=DIR`: an empty prefix).
    public init(argument: String) {
        if let equals = argument.firstIndex(of: "=") {
            self.init(prefix: String(argument[..<equals]), path: String(argument[argument.index(after: equals)...]))
        } else {
            self.init(path: argument)
        }
    }
}

/// Everything one `hush collect` run needs to know. Built by the CLI; defaults are Django's.
public struct CollectConfiguration: Sendable {
    /// Django's default ignore patterns (`staticfiles` app config).
    public static let defaultIgnorePatterns = ["CVS", ".*", "*~"]

    /// Searched in order; when a relative path exists in several, the first wins.
    public var sources: [SourceDirectory]
    /// STATIC_ROOT.
    public var output: String
    /// STATIC_URL: absolute references under it are rewritten. Must end with `/`.
    public var staticURL: String = "/static/"
    /// Extra `fnmatch` patterns, added to ``defaultIgnorePatterns``.
    public var extraIgnorePatterns: [String] = []
    /// Rewrite ES module `import`/`export` references too (Django's
    /// `support_js_module_import_aggregation`).
    public var jsModules = false
    /// Do everything but publish: STATIC_ROOT is left untouched.
    public var dryRun = false
    /// Threads for hashing, rewriting and compressing; 0 means one per core.
    public var jobs = 0
    /// Which pre-compressed siblings to write and keep (default: Brotli, zstd and gzip, kept when
    /// at most 95 % of the original, WhiteNoise's rule).
    public var compression = CompressionPolicy()
    /// Write dictionary-compressed deltas (RFC 9842 `dcz`) of the current hashed JS/CSS/JSON/SVG/
    /// HTML/WASM files against their retained earlier versions (default on; `--no-dcz` turns it
    /// off). Needs `retention` to keep at least one version to have anything to do.
    public var dictionaryDeltas = true
    /// Publish only the hashed copies (and their siblings); the manifest still lists every file
    /// (WhiteNoise's `KEEP_ONLY_HASHED_FILES`).
    public var keepOnlyHashed = false
    /// How many earlier manifests' hashed files stay published, for rolling deploys.
    public var retention = RetentionPolicy()
    /// Read what earlier runs left in ``cacheDirectory`` (incremental state, compressed
    /// siblings); false (`--no-cache`) makes a full run, which still writes the cache afresh.
    public var incremental = true
    /// Take over a non-empty STATIC_ROOT that Django's `collectstatic` wrote (its
    /// `staticfiles.json` is a Django manifest): it is replaced like a Hush output, and the
    /// hashed files its manifest names are kept as a retired version (see ``retention``).
    public var adopt = false
    /// Let a publish delete files in STATIC_ROOT that no manifest of the tree names (put there
    /// by hand); without it the run refuses and names them.
    public var discardUnknown = false
    /// CSS/JS files are rewritten in memory (about 2.3× their size at peak, up to 6× when nearly
    /// every line holds a reference): a larger one is refused with an error naming it. Default
    /// 64 MiB, far above any real stylesheet or bundle.
    public var maxRewriteSize: Int64 = CollectConfiguration.defaultMaxRewriteSize
    public static let defaultMaxRewriteSize: Int64 = 64 << 20
    /// Publish with `renameat2(RENAME_EXCHANGE)` when the filesystem has it; tests turn it off
    /// to take the two-rename path of NFS, CIFS and ZFS < 2.2.
    var renameExchange = true
    /// Where the incremental state and the compression cache live, outside STATIC_ROOT so that
    /// nothing published names the build machine (layout: docs/cache.md). nil: no cache at all —
    /// every run is a full run and nothing is remembered. The CLI's default is
    /// `$XDG_CACHE_HOME/hush`, else `~/.cache/hush`.
    public var cacheDirectory: String? = nil
    /// The compression cache is pruned to at most this many bytes after each run, least recently
    /// used entries first (default 1 GiB).
    public var cacheMaxSize: Int64 = 1 << 30
    /// What a `sourceMappingURL` whose map is missing does (default: fail, as Django).
    public var missingSourceMaps = MissingSourceMaps.error
    /// Called at fixed points of a run, so tests can make files vanish or writes fail mid-run.
    var faultInjection: (@Sendable (FaultPoint) -> Void)?

    public init(sources: [SourceDirectory], output: String) {
        self.sources = sources
        self.output = output
    }

    /// All ignore patterns, normalized as Django normalizes them (`os.path.normpath`).
    public var ignorePatterns: [String] {
        var seen = Set<String>()
        return (Self.defaultIgnorePatterns + extraIgnorePatterns).map(PosixPath.normpath).filter {
            seen.insert($0).inserted
        }
    }
}

/// Points in a run where tests inject faults (see ``CollectConfiguration/faultInjection``).
enum FaultPoint: Sendable, Equatable {
    /// Before a source file is read (its collected name).
    case beforeCopy(String)
    /// Before a published file is compressed (its path in staging).
    case beforeCompress(String)
    /// Before the staged tree is published.
    case beforePublish(staging: String)
    /// Publishing without `RENAME_EXCHANGE`: STATIC_ROOT was just renamed to `retired`.
    case afterRetire(retired: String)
}
