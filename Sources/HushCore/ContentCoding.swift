/// The content codings Hush pre-compresses into and serves (RFC 9110 §8.4.1).
///
/// The coding table: everything that differs between codings is in ``entry``. Adding a coding is
/// a case here, its entry, and its encoder in HushCompress; collect (siblings, cache, manifests,
/// retention), the server's file table, negotiation and headers iterate `allCases`. The order of
/// the cases is the order siblings are made in and the preference between equal sizes: usually
/// smallest output first (Brotli beats zstd by about 10 % on JS/CSS, zstd beats gzip by 10 %).
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
        /// Another suffix other tools give the sibling (`.zstd`): the server reads it when there is
        /// no sibling under ``suffix``; Hush never writes it.
        public let foreignSuffix: StaticString?

        @inlinable
        init(
            token: StaticString,
            suffix: StaticString,
            alias: StaticString? = nil,
            foreignSuffix: StaticString? = nil
        ) {
            self.token = token
            self.suffix = suffix
            self.alias = alias
            self.foreignSuffix = foreignSuffix
        }
    }

    /// This coding's row of the table.
    @inlinable
    public var entry: Entry {
        switch self {
        case .br: return Entry(token: "br", suffix: ".br")
        case .zstd: return Entry(token: "zstd", suffix: ".zst", foreignSuffix: ".zstd")
        case .gzip: return Entry(token: "gzip", suffix: ".gz", alias: "x-gzip")
        }
    }

    /// The suffix of the pre-compressed sibling on disk.
    public var fileSuffix: String { entry.suffix.description }

    /// The `Content-Encoding` token.
    public var token: String { rawValue }

    /// The primary file and coding of a pre-compressed sibling's path (`a.css.br` → `a.css`,
    /// `.br`), or nil when `path` ends in no coding's suffix or is nothing but the suffix.
    /// `foreign` is true when the path ends in the coding's ``Entry/foreignSuffix`` (`a.js.zstd`),
    /// which yields to a sibling under the coding's own suffix. Compares bytes, as the collector
    /// builds sibling names by appending the suffix.
    public static func sibling(_ path: String) -> (primary: String, coding: ContentCoding, foreign: Bool)? {
        // Called for every name a scan of the root finds: byte compares of the static suffixes,
        // no allocation unless a name matches.
        var path = path
        return path.withUTF8 { bytes in
            for coding in allCases {
                let entry = coding.entry
                if let length = matchedSuffixLength(bytes, entry.suffix) {
                    return (String(decoding: bytes[..<(bytes.count - length)], as: UTF8.self), coding, false)
                }
                if let foreign = entry.foreignSuffix, let length = matchedSuffixLength(bytes, foreign) {
                    return (String(decoding: bytes[..<(bytes.count - length)], as: UTF8.self), coding, true)
                }
            }
            return nil
        }
    }

    /// The suffix's length when `bytes` ends in it and is longer than it.
    @inline(__always)
    private static func matchedSuffixLength(_ bytes: UnsafeBufferPointer<UInt8>, _ suffix: StaticString) -> Int? {
        let length = suffix.utf8CodeUnitCount
        guard bytes.count > length else { return nil }
        let start = suffix.utf8Start
        for i in 0..<length where bytes[bytes.count - length + i] != start[i] { return nil }
        return length
    }
}
