import ArgumentParser
import Glibc
import HushCore
import HushServe
import HushSystem

/// `hush serve`'s flags for ETag digests: where they are kept between runs, and whether a
/// background pass computes the ones no request has asked for yet.
struct DigestOptions: ParsableArguments {
    @Option(
        name: .customLong("digest-cache"),
        help: ArgumentHelp(
            "File keeping ETag digests between runs, '' for none (env HUSH_DIGEST_CACHE; default: one per root under the cache directory, as hush collect's --cache-dir).",
            valueName: "PATH"
        )
    )
    var digestCache: String?
    @Flag(
        name: .customLong("no-digest-pass"),
        help:
            "Hash files only when first requested, not in a background pass after each scan (env HUSH_NO_DIGEST_PASS=1)."
    )
    var noDigestPass = false

    func makeConfiguration(root: String, environment env: [String: String]) -> DigestConfiguration {
        var c = DigestConfiguration()
        if let v = digestCache ?? env["HUSH_DIGEST_CACHE"] {
            c.cacheFile = v.isEmpty ? nil : v
        } else if let directory = CollectCommand.defaultCacheDirectory(getenv: { env[$0] }) {
            c.cacheFile = Self.defaultFile(directory: directory, root: root)
        }
        if noDigestPass || ["1", "true", "yes", "on"].contains(env["HUSH_NO_DIGEST_PASS"]?.lowercased() ?? "") {
            c.hashInBackground = false
        }
        return c
    }

    /// `CACHE_DIR/serve/<key>.digests`, keyed by the root's resolved path as collect keys its
    /// state, so two roots never share a file. Nil when the root cannot be resolved (serve then
    /// fails with its own message).
    static func defaultFile(directory: String, root: String) -> String? {
        guard let resolved = try? Syscall.realpath(root), let path = String(validating: resolved, as: UTF8.self)
        else { return nil }
        return directory + "/serve/" + Hex.encode(SHA384.digest(Array(path.utf8)).prefix(16)) + ".digests"
    }
}
