/// Which collected files get pre-compressed siblings, in which codings, and which siblings are
/// worth keeping.
///
/// The defaults reproduce WhiteNoise 6's `whitenoise.compress.Compressor` (as used by
/// `CompressedManifestStaticFilesStorage`), extended with a few more already-compressed formats.
/// Build one in the CLI from `--no-brotli`, `--no-zstd`, `--no-gzip` and the threshold flag; it is a plain
/// value, safe to share between worker threads.
public struct CompressionPolicy: Sendable, Equatable {
    /// WhiteNoise's `Compressor.SKIP_COMPRESS_EXTENSIONS`: images, archives, Flash, fonts, video.
    public static let whiteNoiseSkippedExtensions: [String] = [
        "jpg", "jpeg", "png", "gif", "webp",
        "zip", "gz", "tgz", "bz2", "tbz", "xz", "br",
        "swf", "flv",
        "woff", "woff2",
        "3gp", "3gpp", "asf", "avi", "m4v", "mov", "mp4", "mpeg", "mpg", "webm", "wmv",
    ]

    /// Formats that are compressed already and that WhiteNoise's list misses.
    public static let additionalSkippedExtensions: [String] = [
        "avif", "zst", "zstd", "7z", "rar", "mp3", "ogg", "opus", "pdf",
    ]

    /// The default skip list: WhiteNoise's plus ``additionalSkippedExtensions``.
    public static let defaultSkippedExtensions: Set<String> =
        Set(whiteNoiseSkippedExtensions + additionalSkippedExtensions)

    /// WhiteNoise keeps a sibling when `compressed / original <= 0.95`.
    public static let defaultRatio = 0.95

    /// Extensions (without the dot, lowercase ASCII) whose files are never compressed.
    public var skippedExtensions: Set<String>
    /// The codings to produce, in ``ContentCoding`` order: Brotli first (the order WhiteNoise tries
    /// them in; see ``keptCodings(originalSize:compressedSizes:)``), then zstd, then gzip. Empty
    /// when all are disabled.
    public private(set) var codings: [ContentCoding]
    /// A sibling is kept only when `compressed / original <= ratio`. Default 0.95.
    public var ratio: Double

    /// - Parameters:
    ///   - codings: the codings to produce; default all (`--no-brotli` / `--no-zstd` / `--no-gzip`
    ///     remove one).
    ///   - ratio: the keep threshold; default 0.95 as WhiteNoise.
    ///   - skippedExtensions: extensions never compressed, matched case-insensitively; default
    ///     ``defaultSkippedExtensions``.
    public init(
        codings: Set<ContentCoding> = Set(ContentCoding.allCases),
        ratio: Double = CompressionPolicy.defaultRatio,
        skippedExtensions: Set<String> = CompressionPolicy.defaultSkippedExtensions
    ) {
        self.codings = ContentCoding.allCases.filter(codings.contains)
        self.ratio = ratio
        self.skippedExtensions = Set(skippedExtensions.map(Self.asciiLowercased))
    }

    /// Whether `path` should be compressed at all: false when it ends in `.` + a skipped
    /// extension, compared ASCII case-insensitively, or when no coding is enabled.
    ///
    /// This is WhiteNoise's `re.search(r"\.(jpg|jpeg|…)$", name, re.IGNORECASE)` on the whole
    /// name: `archive.tar.GZ` and a file named just `.gz` are skipped, `gz` (no dot) is not.
    public func shouldCompress(path: String) -> Bool {
        guard !codings.isEmpty else { return false }
        let name = Self.asciiLowercased(path)
        guard let dot = name.utf8.lastIndex(of: UInt8(ascii: ".")) else { return true }
        // A skipped extension never contains a dot, so only the text after the last dot can match.
        let ext = String(name[name.index(after: dot)...])
        return !skippedExtensions.contains(ext)
    }

    /// Whether a sibling of `compressedSize` bytes is worth keeping next to `originalSize` bytes.
    ///
    /// Exactly WhiteNoise 6's `Compressor.is_compressed_effectively`: an empty original is never
    /// compressed effectively; otherwise `compressed_size / orig_size <= 0.95` in floating point
    /// (Python's true division of two ints, correctly rounded; equal to this `Double` division for
    /// any size below 2^53 bytes). So at the default a 95-byte sibling of a 100-byte file is kept,
    /// a 96-byte one is not.
    public func keeps(compressedSize: Int64, originalSize: Int64) -> Bool {
        guard originalSize > 0 else { return false }
        return Double(compressedSize) / Double(originalSize) <= ratio
    }

    /// The codings whose siblings to keep, given the sizes produced for the enabled codings.
    ///
    /// WhiteNoise (`Compressor.compress`) tries Brotli first and, when Brotli is not effective,
    /// does not write a gzip sibling either ("if Brotli compression wasn't effective gzip won't be
    /// either"); Hush does the same so that the set of siblings matches WhiteNoise's, and applies
    /// it to zstd too (which WhiteNoise does not write). With Brotli disabled, each other coding
    /// is judged on its own. A coding missing from `compressedSizes` is not kept.
    public func keptCodings(originalSize: Int64, compressedSizes: [ContentCoding: Int64]) -> Set<ContentCoding> {
        var kept: Set<ContentCoding> = []
        for coding in codings {
            guard let size = compressedSizes[coding], keeps(compressedSize: size, originalSize: originalSize) else {
                if coding == .br { return [] }
                continue
            }
            kept.insert(coding)
        }
        return kept
    }

    /// A stable text naming every setting that changes which siblings are written, for the
    /// incremental cache key: equal policies give equal fingerprints on every run and machine.
    /// (The encoder's own settings and library versions are in HushCompress's
    /// `Compressor.fingerprint`; a cache key needs both.)
    public var fingerprint: String {
        let skip = skippedExtensions.sorted().joined(separator: ",")
        let enabled = codings.map(\.token).joined(separator: ",")
        return "policy1;codings=\(enabled);ratio=\(ratio);skip=\(skip)"
    }

    private static func asciiLowercased(_ text: String) -> String {
        String(decoding: text.utf8.map { (0x41...0x5a).contains($0) ? $0 + 0x20 : $0 }, as: UTF8.self)
    }
}
