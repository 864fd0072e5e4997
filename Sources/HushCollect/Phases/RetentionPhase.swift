import Foundation
import HushCore

/// Phase 6: rolling deploys. The manifest being replaced joins the history; the hashed files (and
/// siblings) of every history version the retention policy keeps are linked into the new tree
/// from the old one, so a browser still holding an older page gets its assets.
struct RetentionPhase {
    let context: PhaseContext
    let previous: PreviousRun
    let policy: RetentionPolicy

    /// What the new tree keeps of earlier versions.
    struct Carried {
        /// The relative paths carried over.
        var paths: [String] = []
        /// The manifests of the versions kept, newest first (the dictionaries of ``DeltaPhase``).
        var manifests: [Manifest] = []
    }

    /// Links the kept versions' files and history records into staging.
    func carryOverEarlierVersions(current: Manifest) throws(CollectError) -> Carried {
        let staging = context.staging
        // History file names have one-second resolution: a version retired within the same second
        // as the newest recorded one is dated one second later, so order stays newest first.
        let latest = previous.history.map(\.retiredAt).max()
        let now = latest.map { max(Date(), $0.addingTimeInterval(1)) } ?? Date()
        var history = previous.history
        var retiring: (name: String, bytes: [UInt8])?
        if let bytes = previous.manifestBytes, let manifest = try? Manifest.decode(bytes) {
            let name = ManifestHistory.fileName(retiredAt: now, manifest: manifest)
            history.append(ManifestVersion(fileName: name, retiredAt: now, manifest: manifest))
            retiring = (name, bytes)
        }
        guard !history.isEmpty else { return Carried() }
        let plan = Retention.plan(current: current, history: history, existingFiles: [], policy: policy, now: now)
        let kept = Set(plan.keptVersions)
        let currentNames = Set(current.entries.map { Array($0.value.utf8) })
        var carried: [String] = []
        for version in history where kept.contains(version.fileName) {
            for entry in version.manifest.entries where !currentNames.contains(Array(entry.value.utf8)) {
                for path in [entry.value] + ContentCoding.allCases.map({ entry.value + $0.fileSuffix }) {
                    guard DjangoNaming.storagePath(path) != nil, FileSystem.exists(previous.root + "/" + path),
                        !FileSystem.exists(staging + "/" + path)
                    else { continue }
                    try context.makeParents([path])
                    try FileSystem.duplicate(previous.root + "/" + path, as: staging + "/" + path)
                    carried.append(path)
                }
            }
        }
        // The history itself: kept versions only.
        try FileSystem.makeDirectories(staging + "/" + ManifestHistory.directory)
        for version in previous.history where kept.contains(version.fileName) {
            let relative = ManifestHistory.directory + "/" + version.fileName
            try FileSystem.duplicate(previous.root + "/" + relative, as: staging + "/" + relative)
        }
        if let retiring, kept.contains(retiring.name) {
            try FileSystem.write(retiring.bytes, to: staging + "/" + ManifestHistory.directory + "/" + retiring.name)
        }
        let byName = Dictionary(history.map { ($0.fileName, $0.manifest) }, uniquingKeysWith: { a, _ in a })
        return Carried(paths: carried, manifests: plan.keptVersions.compactMap { byName[$0] })
    }
}
