import Foundation
import Glibc
import HushCore
import HushSystem

/// Why recording manifest history or cleaning STATIC_ROOT failed. One line, naming the file.
public enum RetentionError: Error, Equatable, CustomStringConvertible {
    /// STATIC_ROOT has no `staticfiles.json`: without the current manifest nothing can be
    /// known to be unused, so nothing is removed.
    case noCurrentManifest(staticRoot: String)
    /// A manifest (current or in the history) could not be read or parsed.
    case unreadable(path: String, reason: String)
    /// Writing into the history directory failed.
    case cannotRecord(path: String, reason: String)
    /// Deleting a file failed (permissions); files listed before it were removed.
    case cannotRemove(path: String, reason: String)

    public var description: String {
        switch self {
        case .noCurrentManifest(let root):
            return "\(root): no \(Manifest.fileName) — run `hush collect` first; nothing was removed"
        case .unreadable(let path, let reason):
            return "\(path): \(reason); fix or delete it, nothing was removed"
        case .cannotRecord(let path, let reason):
            return "\(path): cannot record the previous manifest: \(reason)"
        case .cannotRemove(let path, let reason):
            return "\(path): cannot remove: \(reason)"
        }
    }
}

extension ManifestHistory {
    /// Keeps a copy of the `staticfiles.json` about to be replaced in a live STATIC_ROOT, so that
    /// its files survive the next ``StaticRootCleaner/clean(staticRoot:policy:now:dryRun:log:)``
    /// for as long as the policy says: for tools that publish in place. The collector does not
    /// call it; it writes its history records into the staging tree it publishes
    /// (`RetentionPhase.carryOverEarlierVersions`, docs/retention.md).
    ///
    /// Any earlier record of the same manifest (same hash) is replaced, so a version retired twice
    /// (A → B → A → C) ages from its latest retirement. Written via a temporary name and rename.
    ///
    /// - Returns: the history file name written.
    @discardableResult
    public static func record(
        previousManifest bytes: [UInt8],
        in staticRoot: String,
        retiredAt: Date
    ) throws(RetentionError) -> String {
        let manifest: Manifest
        do {
            manifest = try Manifest.decode(bytes)
        } catch {
            throw .unreadable(path: staticRoot + "/" + Manifest.fileName, reason: error.description)
        }
        let directory = staticRoot + "/" + Self.directory
        let name = fileName(retiredAt: retiredAt, manifest: manifest)
        let target = directory + "/" + name
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            for entry in try Directory.entries(directory) {
                let existing = String(decoding: entry.bytes, as: UTF8.self)
                guard existing != name else { continue }
                if let parsed = parse(fileName: existing), parsed.hash == manifest.hash {
                    try FileManager.default.removeItem(atPath: directory + "/" + existing)
                }
            }
            let temporary = target + ".tmp-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
            try Data(bytes).write(to: URL(fileURLWithPath: temporary))
            do { try Syscall.rename(temporary, to: target) } catch {
                try? Syscall.unlink(temporary)
                throw RetentionError.cannotRecord(path: target, reason: error.reason)
            }
        } catch let error as RetentionError {
            throw error
        } catch let error as SystemError {
            throw .cannotRecord(path: target, reason: error.reason)
        } catch {
            throw .cannotRecord(path: target, reason: error.localizedDescription)
        }
        return name
    }

    /// The previous manifests recorded in `staticRoot`'s history, in no particular order. Files
    /// whose names Hush did not write are ignored.
    public static func load(from staticRoot: String) throws(RetentionError) -> [ManifestVersion] {
        let directory = staticRoot + "/" + Self.directory
        var versions: [ManifestVersion] = []
        for name in FileSystem.entries(directory) ?? [] {
            guard let parsed = parse(fileName: name) else { continue }
            let path = directory + "/" + name
            guard let data = FileManager.default.contents(atPath: path) else {
                throw .unreadable(path: path, reason: "cannot read")
            }
            do {
                versions.append(
                    ManifestVersion(
                        fileName: name,
                        retiredAt: parsed.retiredAt,
                        manifest: try Manifest.decode(Array(data))
                    )
                )
            } catch {
                throw .unreadable(path: path, reason: error.description)
            }
        }
        return versions
    }
}

/// Applies ``Retention`` to a STATIC_ROOT on disk, in place: the body of `hush clean STATIC_ROOT`.
/// A collect does not run it; it carries only the kept versions into the tree it publishes
/// (`RetentionPhase.carryOverEarlierVersions`).
public enum StaticRootCleaner {
    /// Lists `staticRoot`, plans with ``Retention/plan(current:history:existingFiles:policy:now:)``
    /// against its `staticfiles.json` and history, removes the files to delete and the expired
    /// history records, and reports each removed path (relative to `staticRoot`) through `log` as
    /// `removed PATH` (`would remove PATH` when `dryRun`).
    ///
    /// Nothing is removed when a manifest cannot be read. Directories left empty stay (like
    /// `collectstatic`, Hush never removes directories it may not have created).
    ///
    /// - Returns: the plan that was applied.
    @discardableResult
    public static func clean(
        staticRoot: String,
        policy: RetentionPolicy,
        now: Date,
        dryRun: Bool = false,
        log: (String) -> Void
    ) throws(RetentionError) -> RetentionPlan {
        let manifestPath = staticRoot + "/" + Manifest.fileName
        guard let data = FileManager.default.contents(atPath: manifestPath) else {
            throw .noCurrentManifest(staticRoot: staticRoot)
        }
        let current: Manifest
        do {
            current = try Manifest.decode(Array(data))
        } catch {
            throw .unreadable(path: manifestPath, reason: error.description)
        }
        let history = try ManifestHistory.load(from: staticRoot)
        let plan = Retention.plan(
            current: current,
            history: history,
            existingFiles: listFiles(staticRoot),
            policy: policy,
            now: now
        )
        let verb = dryRun ? "would remove" : "removed"
        let removals = plan.delete + plan.expiredVersions.map { ManifestHistory.directory + "/" + $0 }
        for relative in removals {
            if !dryRun {
                do { try Syscall.unlink(staticRoot + "/" + relative) } catch  where error.errno == ENOENT {} catch {
                    throw .cannotRemove(path: staticRoot + "/" + relative, reason: error.reason)
                }
            }
            log("\(verb) \(relative)")
        }
        return plan
    }

    /// Every non-directory below `root` (symlinks not followed), as `/`-separated relative
    /// paths, except Hush's own `.hush/` state.
    static func listFiles(_ root: String) -> Set<String> {
        var files: Set<String> = []
        let descend: (String) -> Bool = { $0 != Staging.markerDirectory }
        try? Directory.walk(root, descend: descend) { relative, type in
            if type != .directory { files.insert(relative) }
        }
        return files
    }
}
