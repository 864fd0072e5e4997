/// Where ETag digests are kept between runs and when they are computed: part of
/// ``ServeConfiguration`` (its `digests` field), built only by the CLI.
public struct DigestConfiguration: Sendable, Equatable {
    /// The file the digests are kept in between runs (``DigestStore``), or nil for none: then a
    /// restart hashes each file again, on its first request or in the background pass. The CLI
    /// defaults it to a file per root in Hush's cache directory.
    public var cacheFile: String?
    /// Whether, after each scan, a background thread (at low priority) hashes every file whose
    /// digest is not yet known, so no request waits for a large file to be hashed and the cache
    /// file is complete for the next start. Default true.
    public var hashInBackground = true

    public init(cacheFile: String? = nil, hashInBackground: Bool = true) {
        self.cacheFile = cacheFile
        self.hashInBackground = hashInBackground
    }
}
