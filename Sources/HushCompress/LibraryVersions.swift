import CBrotli
import CZlib
import CZstd

/// The versions of the C compression libraries linked into this binary, as they report
/// themselves at run time (not the headers Hush was compiled against).
public enum LibraryVersions {
    /// zlib's `zlibVersion()`, e.g. `1.2.13`.
    public static var zlib: String { zlibVersion().map { String(cString: $0) } ?? "unknown" }

    /// Brotli's `BrotliEncoderVersion()` as `major.minor.patch`, e.g. `1.0.9`.
    public static var brotli: String {
        let packed = BrotliEncoderVersion()
        return "\(packed >> 24).\((packed >> 12) & 0xfff).\(packed & 0xfff)"
    }

    /// libzstd's `ZSTD_versionString()`, e.g. `1.5.4`.
    public static var zstd: String { ZSTD_versionString().map { String(cString: $0) } ?? "unknown" }
}
