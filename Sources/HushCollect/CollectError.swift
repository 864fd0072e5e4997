import HushCore

/// Why a collect run stopped. Every case renders as one line a user can act on; the previous
/// STATIC_ROOT is untouched whenever one of these is thrown.
public enum CollectError: Error, Equatable, CustomStringConvertible {
    case sourceMissing(String)
    case sourceNotADirectory(String)
    case invalidPrefix(String, reason: String)
    case outputInsideSource(output: String, source: String)
    case sourceInsideOutput(source: String, output: String)
    case outputNotOwned(String)
    case outputFromCollectstatic(String)
    case notAdoptable(String)
    case unknownFilesInOutput(output: String, files: [String])
    case cannotRestore(output: String, retired: String, reason: String)
    case tooLargeToRewrite(path: String, size: Int64, limit: Int64)
    case cannotWriteOutput(source: String, output: String, reason: String)
    case cacheInsideSource(cache: String, source: String)
    case cacheInsideOutput(cache: String, output: String)
    case invalidStaticURL(String)
    case unreadable(path: String, reason: String)
    case notUTF8Name(directory: String, escaped: String)
    case symlinkLoop(String)
    case nameClash(name: String, file: String, directoryEntry: String)
    case brokenSymlink(String)
    case notRegularFile(String)
    case notUTF8Content(String)
    case missingReference(file: String, line: Int, reference: String, target: String)
    case referenceOutsideRoot(file: String, line: Int, reference: String)
    case unsupportedReference(file: String, line: Int, reference: String, reason: String)
    case referenceCycle([String])
    case writeFailed(path: String, reason: String)
    case changedWhileReading(String)
    case compressionFailed(String)
    case interrupted

    public var description: String {
        switch self {
        case .sourceMissing(let path): return "source \(path): no such directory"
        case .sourceNotADirectory(let path): return "source \(path): is a file, not a directory"
        case .invalidPrefix(let prefix, let reason): return "source prefix '\(prefix)': \(reason)"
        case .outputInsideSource(let output, let source):
            return
                "output \(output) lies inside source \(source): it would collect its own output; choose an output outside every source"
        case .sourceInsideOutput(let source, let output):
            return
                "source \(source) lies inside output \(output): publishing would replace it; choose an output outside every source"
        case .outputNotOwned(let path):
            return
                "output \(path) exists, is not empty and was not written by hush (no \(path)/.hush/owner marker); empty or remove it, or choose another output"
        case .outputFromCollectstatic(let path):
            return
                "output \(path) exists, is not empty and was not written by hush: its \(Manifest.fileName) is Django's collectstatic manifest; pass --adopt to take it over, or choose another output"
        case .notAdoptable(let path):
            return
                "output \(path): --adopt takes over only a collectstatic output (with Django's \(Manifest.fileName)) and this is not one; empty or remove it, or choose another output"
        case .unknownFilesInOutput(let output, let files):
            let shown =
                files.prefix(3).joined(separator: ", ") + (files.count > 3 ? ", and \(files.count - 3) more" : "")
            let count = files.count == 1 ? "1 file" : "\(files.count) files"
            return
                "output \(output) holds \(count) no hush manifest lists (\(shown)); publishing would delete them: move them into a source, or pass --discard-unknown"
        case .cannotRestore(let output, let retired, let reason):
            return
                "\(output) is missing and the previous tree is at \(retired) (a publish was interrupted); restoring it failed: \(reason); rename it back by hand"
        case .tooLargeToRewrite(let path, let size, let limit):
            return
                "\(path): \(ByteCountText.describe(size)), over --max-rewrite-size \(ByteCountText.describe(limit)) (CSS/JS is rewritten in memory); raise the limit or --ignore it"
        case .cannotWriteOutput(let source, let output, let reason):
            return "\(source): cannot write its output \(output): \(reason)"
        case .cacheInsideSource(let cache, let source):
            return
                "cache directory \(cache) lies inside source \(source): it would be collected; choose a --cache-dir outside every source"
        case .cacheInsideOutput(let cache, let output):
            return
                "cache directory \(cache) lies inside output \(output): it would be published; choose a --cache-dir outside STATIC_ROOT"
        case .invalidStaticURL(let url): return "--static-url '\(url)': must end with '/' (Django's STATIC_URL rule)"
        case .unreadable(let path, let reason): return "\(path): cannot read: \(reason)"
        case .notUTF8Name(let directory, let escaped):
            return "\(directory): file name '\(escaped)' is not valid UTF-8; rename it"
        case .nameClash(let name, let file, let entry):
            return "\(name) is a file (\(file)) and a directory (holding \(entry)) in different sources; rename one"
        case .symlinkLoop(let path): return "\(path): symlink loop (this directory contains itself)"
        case .brokenSymlink(let path): return "\(path): broken symlink"
        case .notRegularFile(let path): return "\(path): not a regular file (socket, FIFO or device)"
        case .notUTF8Content(let path): return "\(path): not valid UTF-8, so its references cannot be rewritten"
        case .missingReference(let file, let line, let reference, let target):
            return "\(file):\(line): \(reference) — no such file in any source (\(target))"
        case .referenceOutsideRoot(let file, let line, let reference):
            return "\(file):\(line): \(reference) — points outside the collected tree"
        case .unsupportedReference(let file, let line, let reference, let reason):
            return "\(file):\(line): \(reference) — \(reason)"
        case .referenceCycle(let files):
            return
                "reference cycle: \((files + [files.first ?? ""]).joined(separator: " → ")) — hashed names cannot depend on each other; break the cycle"
        case .writeFailed(let path, let reason): return "\(path): cannot write: \(reason)"
        case .changedWhileReading(let path): return "\(path): changed while it was being read; run again"
        case .compressionFailed(let message): return message
        case .interrupted: return "interrupted; STATIC_ROOT left as it was"
        }
    }
}
