import Glibc
import HushCore
import HushSystem

/// Whether an existing STATIC_ROOT may be replaced, proven by content rather than by a name
/// (a `.hush` *file* made by `touch` once let a collect delete an unrelated `documents/`).
///
/// Hush writes `.hush/owner` into every tree it publishes: a regular file holding one fixed
/// line (no paths, no dates: STATIC_ROOT is public behind nginx `alias`, Caddy or WhiteNoise).
/// A directory is Hush's when `.hush` is a real directory (not a symlink) holding that file (a
/// regular file, not a symlink) whose first line is the signature.
///
/// Outputs of earlier Hush versions have no `owner` file. They are accepted when `.hush` is a
/// real directory holding something only Hush writes: a `cache` file whose first line is the
/// cache format header (`hush-cache N`), or a `manifests/` directory with a history record that
/// parses as a manifest. The next publish writes `owner` and the old proof is no longer needed.
enum OutputOwnership {
    static let markerPath = Staging.markerDirectory + "/owner"
    /// The one line `.hush/owner` holds. Never change it: every published tree is recognised by it.
    static let signature = "hush-output 1: written by hush collect, which replaces this directory as a whole"

    /// What an existing, non-empty output directory is.
    enum Kind: Equatable {
        /// Written by Hush (this version or an earlier one).
        case hush
        /// Written by Django's `collectstatic` with a manifest storage: `--adopt` may take it over.
        case collectstatic
        /// Anything else: never replaced.
        case foreign
    }

    static func kind(of output: String) -> Kind {
        if isHush(output) { return .hush }
        if isCollectstaticOutput(output) { return .collectstatic }
        return .foreign
    }

    /// The bytes of the marker file.
    static var markerBytes: [UInt8] { Array((signature + "\n").utf8) }

    /// Writes `.hush/owner` into a tree about to be published.
    static func mark(_ tree: String) throws(CollectError) {
        try FileSystem.makeDirectories(tree + "/" + Staging.markerDirectory)
        try FileSystem.write(markerBytes, to: tree + "/" + markerPath)
    }

    static func isHush(_ output: String) -> Bool {
        let marker = output + "/" + Staging.markerDirectory
        guard fileType(marker) == .directory else { return false }
        if firstLine(of: marker + "/owner") == signature { return true }
        // Earlier versions: the cache header, or a manifest history record Hush named and wrote.
        if let line = firstLine(of: marker + "/cache"), line.hasPrefix("hush-cache ") { return true }
        let history = marker + "/manifests"
        guard fileType(history) == .directory else { return false }
        for name in FileSystem.entries(history) ?? [] where ManifestHistory.parse(fileName: name) != nil {
            let path = history + "/" + name
            if fileType(path) == .regular, let bytes = try? FileSystem.readAll(path),
                (try? Manifest.decode(bytes)) != nil
            {
                return true
            }
        }
        return false
    }

    /// Whether `output/staticfiles.json` is a manifest Django's `ManifestFilesMixin` wrote: a
    /// regular file holding a JSON object with a `paths` object of strings and `version` 1.0 or
    /// 1.1 (the versions Django reads), and, when present, a string `hash`.
    static func isCollectstaticOutput(_ output: String) -> Bool {
        let path = output + "/" + Manifest.fileName
        guard fileType(path) == .regular, let bytes = try? FileSystem.readAll(path),
            let root = OrderedJSON.parse(bytes), case .object = root,
            case .object(let paths)? = root["paths"],
            case .string(let version)? = root["version"], version == "1.0" || version == "1.1"
        else { return false }
        switch root["hash"] {
        case nil, .string?: break
        default: return false
        }
        return paths.allSatisfy { if case .string = $0.value { return true } else { return false } }
    }

    /// The type of `path` itself (a symlink is `.symbolicLink`), or nil when it does not exist.
    private static func fileType(_ path: String) -> FileType? {
        Syscall.fileType(path, follow: false)
    }

    /// The first line of a small regular file, read without following a symlink.
    private static func firstLine(of path: String) -> String? {
        guard let fd = try? Syscall.open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK) else { return nil }
        defer { try? Syscall.close(fd) }
        guard let info = try? Syscall.fstat(fd, path: path), FileType(mode: info.st_mode) == .regular else {
            return nil
        }
        var buffer = [UInt8](repeating: 0, count: 256)
        guard let n = buffer.withUnsafeMutableBytes({ try? Syscall.read(fd, into: $0, path: path) }), n > 0 else {
            return nil
        }
        let bytes = buffer[..<n]
        guard let end = bytes.firstIndex(of: 0x0a) else { return nil }
        return String(decoding: bytes[..<end], as: UTF8.self)
    }
}
