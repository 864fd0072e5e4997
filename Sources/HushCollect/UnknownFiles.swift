#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import HushCore

/// Files in the STATIC_ROOT being replaced that no manifest of that tree names: put there by hand
/// (`robots.txt`, a verification file) or by another tool. A publish replaces the whole tree, so
/// they would vanish without a word; the run refuses unless `--discard-unknown`.
///
/// Known are the two manifests, every name in `staticfiles.json` (originals and hashed copies),
/// the hashed names of the retained manifests in `.hush/manifests/` (carried over by retention),
/// the `.br`/`.gz` siblings of all of these, and Hush's own `.hush/` directory.
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
        walk(previous.root, relative: "") { relative in
            // Django's clean_name turns `\` into `/` in manifest names; the file keeps its own.
            if !known.contains(relative) && !known.contains(PythonString.replaceBackslashes(relative)) {
                unknown.append(relative)
            }
        }
        return unknown.sorted()
    }

    /// Calls `visit` with the relative path of every non-directory below `directory`, without
    /// following symlinks, skipping a top-level `.hush` directory.
    private static func walk(_ directory: String, relative: String, visit: (String) -> Void) {
        for name in FileSystem.entries(directory) ?? [] {
            let path = directory + "/" + name
            let child = relative.isEmpty ? name : relative + "/" + name
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            if info.st_mode & S_IFMT == S_IFDIR {
                if relative.isEmpty && name == Staging.markerDirectory { continue }
                walk(path, relative: child, visit: visit)
            } else {
                visit(child)
            }
        }
    }
}
