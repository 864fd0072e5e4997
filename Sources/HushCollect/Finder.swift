import HushSystem

/// A file found in a source directory, under the name it is collected as.
public struct FoundFile: Sendable, Equatable {
    /// The collected name: prefix + path relative to its source, `/`-separated.
    public var name: String
    /// The path relative to its source directory (what Django's patterns match against).
    public var relativePath: String
    /// The file on disk.
    public var sourcePath: String
    public var size: Int64
    /// Why the file cannot be collected (a broken symlink, a FIFO…). Reported only if the file
    /// wins: like Django, a shadowed file is never opened.
    public var problem: CollectError?
}

/// A file that lost to an earlier source with the same collected name.
public struct ShadowedFile: Sendable, Equatable {
    public var name: String
    public var sourcePath: String
    public var winnerPath: String
}

/// What the finder saw.
public struct FindResult: Sendable {
    /// In discovery order: sources in the order given, each walked as Django's `get_files`
    /// walks it (a directory's files in listing order, then its subdirectories).
    public var files: [FoundFile]
    public var shadowed: [ShadowedFile]
    /// Files and directories skipped by an ignore pattern.
    public var ignored: Int
}

/// Walks source directories with Django's STATICFILES_DIRS semantics: sources in order, the
/// first file for each collected name wins, ignore patterns matched against base names (and
/// against relative paths for files), symlinks followed, loops refused.
public struct Finder: Sendable {
    public let sources: [SourceDirectory]
    public let ignorePatterns: [String]

    public init(sources: [SourceDirectory], ignorePatterns: [String]) {
        self.sources = sources
        self.ignorePatterns = ignorePatterns
    }

    public func find() throws(CollectError) -> FindResult {
        var result = FindResult(files: [], shadowed: [], ignored: 0)
        // Keyed by exact bytes: Python compares names by code point, Swift strings by canonical equivalence.
        var winners: [[UInt8]: String] = [:]
        for source in sources {
            var state = WalkState(source: source, ignorePatterns: ignorePatterns)
            try state.walk(relative: "")
            result.ignored += state.ignored
            for file in state.files {
                if let winner = winners[Array(file.name.utf8)] {
                    result.shadowed.append(
                        ShadowedFile(name: file.name, sourcePath: file.sourcePath, winnerPath: winner)
                    )
                } else {
                    if let problem = file.problem { throw problem }
                    winners[Array(file.name.utf8)] = file.sourcePath
                    result.files.append(file)
                }
            }
        }
        // A name that is a file in one source and a directory in another cannot be published.
        for file in result.files {
            var prefix = Substring(file.name)
            while let slash = prefix.lastIndex(of: "/") {
                prefix = prefix[..<slash]
                if let other = winners[Array(prefix.utf8)] {
                    throw .nameClash(name: String(prefix), file: other, directoryEntry: file.sourcePath)
                }
            }
        }
        return result
    }

    /// Checks a source before walking: it must exist and be a directory.
    static func validate(_ source: SourceDirectory) throws(CollectError) {
        guard let type = Syscall.fileType(source.path) else { throw .sourceMissing(source.path) }
        guard type == .directory else { throw .sourceNotADirectory(source.path) }
        if source.prefix.hasSuffix("/") {
            throw .invalidPrefix(source.prefix, reason: "must not end with a slash (Django's rule)")
        }
        if source.prefix.hasPrefix("/") { throw .invalidPrefix(source.prefix, reason: "must be relative") }
        let segments = source.prefix.split(separator: "/", omittingEmptySubsequences: false)
        if !source.prefix.isEmpty, segments.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) {
            throw .invalidPrefix(
                source.prefix,
                reason: "must be a plain relative path (no empty, '.' or '..' segments)"
            )
        }
    }
}

private struct WalkState {
    let source: SourceDirectory
    let ignorePatterns: [String]
    var files: [FoundFile] = []
    var ignored = 0
    /// (device, inode) of the directories on the current path, to refuse symlink loops.
    var ancestors: [(UInt64, UInt64)] = []

    init(source: SourceDirectory, ignorePatterns: [String]) {
        self.source = source
        self.ignorePatterns = ignorePatterns
    }

    func ignores(_ name: String) -> Bool { ignorePatterns.contains { Glob.matches(name, $0) } }

    func diskPath(_ relative: String) -> String {
        relative.isEmpty ? source.path : source.path + "/" + relative
    }

    mutating func walk(relative: String) throws(CollectError) {
        let directory = diskPath(relative)
        let info: FileIdentity
        do { info = FileIdentity(try Syscall.stat(directory)) } catch {
            throw .unreadable(path: directory, reason: error.reason)
        }
        let identity = (info.device, info.inode)
        if ancestors.contains(where: { $0 == identity }) { throw .symlinkLoop(directory) }
        ancestors.append(identity)
        defer { ancestors.removeLast() }

        let (fileNames, directoryNames) = try list(directory)
        for fileName in fileNames {
            if ignores(fileName) {
                ignored += 1
                continue
            }
            let path = relative.isEmpty ? fileName : relative + "/" + fileName
            if !relative.isEmpty && ignores(path) {
                ignored += 1
                continue
            }
            let onDisk = diskPath(path)
            let name = source.prefix.isEmpty ? path : source.prefix + "/" + path
            var size: Int64 = 0
            var problem: CollectError?
            do {
                let info = try Syscall.stat(onDisk)
                size = Int64(info.st_size)
                if FileType(mode: info.st_mode) != .regular { problem = .notRegularFile(onDisk) }
            } catch {
                let isLink = Syscall.fileType(onDisk, follow: false) == .symbolicLink
                problem = isLink ? .brokenSymlink(onDisk) : .unreadable(path: onDisk, reason: error.reason)
            }
            files.append(FoundFile(name: name, relativePath: path, sourcePath: onDisk, size: size, problem: problem))
        }
        for directoryName in directoryNames {
            if ignores(directoryName) {
                ignored += 1
                continue
            }
            try walk(relative: relative.isEmpty ? directoryName : relative + "/" + directoryName)
        }
    }

    /// The directory's entries in listing order (as `os.scandir` gives them), split into files and
    /// directories; symlinks count as what they point to, as `DirEntry.is_dir()` decides.
    mutating func list(_ directory: String) throws(CollectError) -> (files: [String], directories: [String]) {
        let entries: [DirectoryEntry]
        do { entries = try Directory.entries(directory) } catch {
            throw .unreadable(path: directory, reason: error.reason)
        }
        var files: [String] = []
        var directories: [String] = []
        var ignoredNames = 0
        defer { ignored += ignoredNames }
        for entry in entries {
            let bytes = entry.bytes
            guard let name = entry.name else {
                // Django would ignore such a name if a pattern matches it (`.*`, `*~`): check the
                // patterns on its readable part before refusing it.
                if ignores(String(decoding: bytes, as: UTF8.self)) {
                    ignoredNames += 1
                    continue
                }
                throw .notUTF8Name(directory: directory, escaped: ByteEscaping.escape(bytes))
            }
            let isDirectory: Bool
            switch entry.type {
            case .directory?: isDirectory = true
            case .regular?: isDirectory = false
            default: isDirectory = Syscall.fileType(directory + "/" + name) == .directory
            }
            if isDirectory { directories.append(name) } else { files.append(name) }
        }
        return (files, directories)
    }
}
