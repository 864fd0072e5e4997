import Foundation
import HushCore
import HushSystem

/// What the STATIC_ROOT being replaced offers the new run: its incremental state (from the cache
/// directory), its manifest (which the run retires into the history) and the history of earlier
/// manifests.
struct PreviousRun {
    let root: String
    let cache: CollectCache?
    /// The bytes of its `staticfiles.json`, if any.
    let manifestBytes: [UInt8]?
    let history: [ManifestVersion]

    /// `owner` is what ``Staging/prepare(output:dryRun:adopt:)`` found: nil for a missing or empty
    /// STATIC_ROOT; an adopted `collectstatic` output offers only its manifest. `statePath`: where
    /// the state of this STATIC_ROOT lives in the cache directory (nil: no cache directory, or
    /// `--no-cache`).
    static func load(root: String, owner: OutputOwnership.Kind?, statePath: String?, settings: String) -> PreviousRun {
        guard let owner, owner != .foreign else {
            return PreviousRun(root: root, cache: nil, manifestBytes: nil, history: [])
        }
        let bytes = FileManager.default.contents(atPath: root + "/" + Manifest.fileName).map { Array($0) }
        guard owner == .hush else { return PreviousRun(root: root, cache: nil, manifestBytes: bytes, history: []) }
        var cache: CollectCache?
        if let statePath, let integrity = FileManager.default.contents(atPath: root + "/" + IntegrityManifest.fileName)
        {
            cache = CollectCache.load(from: statePath, settings: settings, tree: MD5.hex(Array(integrity)))
        }
        return PreviousRun(
            root: root,
            cache: cache,
            manifestBytes: bytes,
            history: (try? ManifestHistory.load(from: root)) ?? []
        )
    }
}
