import Foundation
import HushCore

extension PipelineRun {
    /// A failed write into staging, restated to name what the user has: the source file whose
    /// output it was and that output's path in STATIC_ROOT — never the staging path, which is gone
    /// once the run ends ("File name too long" used to name `.static.hush-staging-PID/…`, a path the user never chose).
    func attributed(_ error: CollectError) -> CollectError {
        let prefix = staging + "/"
        var relative = ""
        var reason = ""
        switch error {
        case .writeFailed(let path, let why) where path.hasPrefix(prefix):
            relative = String(path.dropFirst(prefix.count))
            reason = why
        case .compressionFailed(let message) where message.hasPrefix(prefix):
            let rest = message.dropFirst(prefix.count)
            guard let colon = rest.range(of: ": ") else { return error }
            relative = String(rest[..<colon.lowerBound])
            reason = String(rest[colon.upperBound...])
        default:
            return error
        }
        var because = reason
        // NAME_MAX is per component: the hashed name (+13 bytes) or a sibling's (+3) can pass it
        // where the source's own name does not.
        if let longest = relative.split(separator: "/").map(\.utf8.count).max(), longest > 255 {
            because += " (a name of \(longest) bytes; most filesystems allow 255)"
        }
        guard let source = source(of: relative) else {
            return .writeFailed(path: configuration.output + "/" + relative, reason: because)
        }
        return .cannotWriteOutput(source: source, output: relative, reason: because)
    }

    /// The source file whose output (original, hashed copy or sibling) is `relative`, or whose
    /// output lies in the directory `relative`.
    private func source(of relative: String) -> String? {
        var name = relative
        for coding in ContentCoding.allCases where name.hasSuffix(coding.fileSuffix) {
            name = String(name.dropLast(coding.fileSuffix.count))
        }
        let candidates = [name, Self.unhashed(name)].compactMap { $0 }
        if let file = files.first(where: { candidates.contains($0.name) }) { return file.sourcePath }
        return files.first { $0.name.hasPrefix(relative + "/") }?.sourcePath
    }

    /// `css/app.css` for `css/app.0123456789ab.css` (Django's `name.HASH.ext`), else nil.
    private static func unhashed(_ path: String) -> String? {
        let (directory, base) = PosixPath.split(path)
        let (root, ext) = HashedName.splitExtension(base)
        let isHash = { (s: Substring) in s.count == HashedName.hashLength && s.allSatisfy(\.isHexDigit) }
        let name: String
        if let dot = root.lastIndex(of: "."), isHash(root[root.index(after: dot)...]) {
            name = String(root[..<dot]) + ext
        } else if ext.hasPrefix("."), isHash(ext.dropFirst()) {
            name = root
        } else {
            return nil
        }
        return directory.isEmpty ? name : directory + "/" + name
    }
}
