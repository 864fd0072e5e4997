import HushCore
import HushSystem

/// Files in the STATIC_ROOT being replaced that no manifest of that tree names: put there by hand
/// (`robots.txt`, a verification file) or by another tool. A publish replaces the whole tree, so
/// they would vanish without a word; the run refuses unless `--discard-unknown`.
///
/// Known are the two manifests, every name in `staticfiles.json` (originals and hashed copies),
/// the hashed names of the retained manifests in `.hush/manifests/` (carried over by retention),
/// the `.br`/`.zst`/`.gz` siblings of all of these, the `dcz` deltas between two of them, and
/// Hush's own `.hush/` directory.
enum UnknownFiles {
    /// Relative paths of the unknown non-directories below `previous.root`, sorted.
    static func find(in previous: PreviousRun) -> [String] {
        var known: Set<String> = [Manifest.fileName, IntegrityManifest.fileName]
        func add(_ name: String) {
            known.insert(name)
            for coding in ContentCoding.allCases { known.insert(name + coding.fileSuffix) }
        }
        if let bytes = previous.manifestBytes, let manifest = try? Manifest.decode(bytes) {
            for (key, value) in manifest.entries {
                add(key)
                add(value)
            }
        }
        for version in previous.history {
            for entry in version.manifest.entries { add(entry.value) }
        }
        var unknown: [String] = []
        // Without following symlinks, and not into Hush's own top-level `.hush` directory.
        let descend: (String) -> Bool = { $0 != Staging.markerDirectory }
        try? Directory.walk(previous.root, descend: descend) { relative, type in
            // Django's clean_name turns `\` into `/` in manifest names; the file keeps its own.
            if type != .directory && !known.contains(relative)
                && !known.contains(PythonString.replaceBackslashes(relative))
                && !isDeltaOfKnown(relative)
            {
                unknown.append(relative)
            }
        }
        return unknown.sorted()

        /// A `dcz` delta (``DictionaryCompression``) of a known file against another is Hush's.
        func isDeltaOfKnown(_ relative: String) -> Bool {
            guard let delta = DictionaryCompression.parseDeltaPath(relative) else { return false }
            return known.contains(delta.target) && known.contains(delta.dictionary)
        }
    }
}
