/// The content codings Hush pre-compresses into and serves (RFC 9110 §8.4.1).
///
/// The coding table: everything that differs between codings is in ``entry``. Adding a coding is
/// a case here, its entry, and its encoder in HushCompress; the server's file table, negotiation
/// and headers iterate `allCases`. The order of the cases is the preference when a client accepts
/// several equally (smallest output first).
public enum ContentCoding: String, Sendable, CaseIterable, Hashable {
    /// Brotli (RFC 7932), stored as `FILE.br`.
    case br
    /// Zstandard (RFC 8878, with RFC 9659's 8 MiB window limit for HTTP), stored as `FILE.zst`.
    case zstd
    /// gzip (RFC 1952), stored as `FILE.gz`.
    case gzip

    /// What Hush needs to know about one coding. Static strings only: reading an entry costs no
    /// reference counting (negotiation reads them per request).
    public struct Entry: Sendable {
        /// The `Content-Encoding` token, lowercase; equal to the case's raw value.
        public let token: StaticString
        /// The suffix of the pre-compressed sibling on disk.
        public let suffix: StaticString
        /// Another token that names it in `Accept-Encoding`, lowercase (`x-gzip`, RFC 9110 §8.4.1.3).
        public let alias: StaticString?

        @inlinable
        init(token: StaticString, suffix: StaticString, alias: StaticString? = nil) {
            self.token = token
            self.suffix = suffix
            self.alias = alias
        }
    }

    /// The codings collect and serve use. zstd is withheld while only HushCompress handles it:
    /// the pipeline, the incremental cache and the manifests learn it in the next change, which
    /// removes this list so the synthesised one (every case, in declaration order) takes over.
    public static var allCases: [ContentCoding] { [.br, .gzip] }

    /// This coding's row of the table.
    @inlinable
    public var entry: Entry {
        switch self {
        case .br: return Entry(token: "br", suffix: ".br")
        case .zstd: return Entry(token: "zstd", suffix: ".zst")
        case .gzip: return Entry(token: "gzip", suffix: ".gz", alias: "x-gzip")
        }
    }

    /// The suffix of the pre-compressed sibling on disk.
    public var fileSuffix: String { entry.suffix.description }

    /// The `Content-Encoding` token.
    public var token: String { rawValue }

    /// The primary file and coding of a pre-compressed sibling's path (`a.css.br` → `a.css`,
    /// `.br`), or nil when `path` ends in no coding's suffix or is nothing but the suffix.
    /// Compares bytes, as the collector builds sibling names by appending the suffix.
    public static func sibling(_ path: String) -> (primary: String, coding: ContentCoding)? {
        let bytes = path.utf8
        for coding in allCases {
            let suffix = coding.fileSuffix.utf8
            guard bytes.count > suffix.count, bytes.suffix(suffix.count).elementsEqual(suffix) else { continue }
            return (String(decoding: bytes.dropLast(suffix.count), as: UTF8.self), coding)
        }
        return nil
    }
}
