import HushCompress

/// What `hush --version` prints: Hush's release, the commit it was built from, and the versions
/// of the compression libraries it runs with (they decide the bytes of `.br`/`.zst`/`.gz`
/// siblings).
enum Version {
    /// Hush's release number; raise it with each release.
    static let release = "0.4.0"

    static var text: String {
        "hush \(release) (commit \(BuildInfo.commit))\n"
            + "zlib \(LibraryVersions.zlib), brotli \(LibraryVersions.brotli), zstd \(LibraryVersions.zstd)"
    }
}
