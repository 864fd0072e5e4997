import Glibc
import HushCore
import HushSystem

/// The cache directory's layout (the contract is docs/cache.md):
///
///     CACHE_DIR/
///       outputs/<key>/state     incremental state of one STATIC_ROOT (``CollectCache``)
///       compressed/<xx>/<key>   compressed siblings by content and encoder settings
///                               (``CompressionCache``), shared by every output
///
/// It lives outside STATIC_ROOT because the state names source paths, inodes and digests: a web
/// server that publishes every file under STATIC_ROOT (nginx `alias`, Caddy, WhiteNoise) would
/// otherwise publish the build machine's layout.
struct CacheDirectory: Sendable {
    let path: String

    /// `outputs/<key>`: one per STATIC_ROOT, keyed by a digest of its canonical absolute path, so
    /// two projects (or two outputs of one project) never read each other's state.
    func outputDirectory(for output: String) -> String {
        // 128 bits of SHA-384: a collision between two paths on one machine is not a concern.
        path + "/outputs/" + Hex.encode(SHA384.digest(Array(FileSystem.canonical(output).utf8)).prefix(16))
    }

    func statePath(for output: String) -> String { outputDirectory(for: output) + "/state" }

    var compressed: String { path + "/compressed" }

    /// The cache directory may not be a source or inside one (a run would collect its own cache)
    /// nor be STATIC_ROOT or inside it (publishing would replace it, and publish it).
    static func validate(_ directory: String, sources: [SourceDirectory], output: String) throws(CollectError) {
        let cache = FileSystem.canonical(directory)
        for source in sources {
            let path = FileSystem.canonical(source.path)
            if cache == path || cache.hasPrefix(path + "/") {
                throw .cacheInsideSource(cache: directory, source: source.path)
            }
        }
        let root = FileSystem.canonical(output)
        if cache == root || cache.hasPrefix(root + "/") { throw .cacheInsideOutput(cache: directory, output: output) }
    }

    /// Writes `bytes` to `path` under a temporary name in the same directory, then renames it:
    /// concurrent runs sharing the directory see the old file or the new one, never a mixture.
    /// Returns false when it could not (the cache is an optimisation; the run goes on).
    @discardableResult
    static func writeAtomically(_ bytes: [UInt8], to path: String) -> Bool {
        let (parent, _) = PosixPath.split(path)
        do throws(CollectError) { try FileSystem.makeDirectories(parent) } catch { return false }
        let temporary = path + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        do throws(CollectError) { try FileSystem.write(bytes, to: temporary) } catch {
            try? Syscall.unlink(temporary)
            return false
        }
        guard (try? Syscall.rename(temporary, to: path)) != nil else {
            try? Syscall.unlink(temporary)
            return false
        }
        return true
    }
}
