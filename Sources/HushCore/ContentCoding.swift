/// The content codings Hush pre-compresses into and serves (RFC 9110 §8.4.1).
public enum ContentCoding: String, Sendable, CaseIterable, Hashable {
    /// Brotli (RFC 7932), stored as `FILE.br`.
    case br
    /// gzip (RFC 1952), stored as `FILE.gz`.
    case gzip

    /// The suffix of the pre-compressed sibling on disk.
    public var fileSuffix: String {
        switch self {
        case .br: return ".br"
        case .gzip: return ".gz"
        }
    }

    /// The `Content-Encoding` token.
    public var token: String { rawValue }
}
