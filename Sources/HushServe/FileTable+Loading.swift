import Glibc
import HushCore
import HushSystem
import NIOCore

extension FileTable {
    /// Scans `configuration.root` into a table.
    ///
    /// Dotfiles and dot directories (the collector's `.hush/`) are never taken in, nor symlinks
    /// whose target lies outside the root. `name.br` / `name.gz` (`name` + a ``ContentCoding``'s
    /// suffix) next to `name` become its pre-compressed representations rather than URLs of their
    /// own. The scan reads directories only: each file is opened, and hashed for its ETag unless
    /// `digests` knows its identity, on its first request (``EntryLoader``). A table loaded with
    /// `previous` shares its digest store, so unchanged files are not hashed again.
    public static func load(
        configuration: ServeConfiguration,
        previous: FileTable? = nil
    ) throws(ServeError) -> FileTable {
        try load(configuration: configuration, digests: previous?.loader.digests ?? DigestStore())
    }

    /// Scans `configuration.root` into a table whose files take their digests from `digests`.
    static func load(configuration: ServeConfiguration, digests: DigestStore) throws(ServeError) -> FileTable {
        guard let realRoot = realPath(configuration.root) else { throw .rootNotADirectory(configuration.root) }
        guard let info = try? Syscall.stat(realRoot), FileType(mode: info.st_mode) == .directory else {
            throw .rootNotADirectory(configuration.root)
        }
        var found: [String: FoundFile] = [:]  // relative path → where it is opened
        var visited: Set<[UInt64]> = [[UInt64(info.st_dev), UInt64(info.st_ino)]]
        try walk(directory: realRoot, relative: "", realRoot: realRoot, into: &found, visited: &visited)

        let hashedNames = try manifestValues(realRoot: realRoot, found: found)
        var siblings: [String: [ContentCoding]] = [:]  // primary → codings with a sibling
        var primaries: [String] = []
        primaries.reserveCapacity(found.count)
        for rel in found.keys {
            if let (primary, coding) = ContentCoding.sibling(rel), found[primary] != nil {
                siblings[primary, default: []].append(coding)
            } else {
                primaries.append(rel)
            }
        }
        var entries: [String: TableEntry] = [:]
        entries.reserveCapacity(primaries.count)
        var indexed: Set<String> = []
        for rel in primaries {
            let isHashed = hashedNames.map { $0.contains(rel) } ?? HashedName.isHashed(rel)
            entries[rel] = TableEntry(rel: rel, siblings: siblings[rel] ?? [], isHashed: isHashed)
            if !configuration.index.isEmpty {
                let slash = rel.lastIndex(of: "/")
                let name = slash.map { String(rel[rel.index(after: $0)...]) } ?? rel
                if name == configuration.index { indexed.insert(slash.map { String(rel[..<$0]) } ?? "") }
            }
        }
        var targets: [String: String] = [:]
        for (rel, file) in found where file.path != realRoot + "/" + rel { targets[rel] = file.path }
        let loader = EntryLoader(
            realRoot: realRoot,
            symlinkTargets: targets,
            renderer: HeadRenderer(maxAge: configuration.maxAge, cors: configuration.cors),
            memoryBudget: configuration.memoryCacheBytes,
            memoryFileLimit: configuration.memoryFileLimit,
            digests: digests
        )
        return FileTable(
            root: configuration.root,
            entries: entries,
            indexedDirectories: indexed,
            indexName: configuration.index,
            loader: loader
        )
    }

    /// The set of hashed names from `staticfiles.json` (its values), or nil without a manifest.
    private static func manifestValues(realRoot: String, found: [String: FoundFile]) throws(ServeError) -> Set<String>?
    {
        guard let path = found[Manifest.fileName]?.path else { return nil }
        let bytes: [UInt8]
        do { bytes = try readAll(path: path) } catch { throw .unreadable(path: path, errno: error.errno) }
        do {
            return Set(try Manifest.decode(bytes).paths.values)
        } catch {
            throw .badManifest(path: path, reason: error.description)
        }
    }

    /// A regular file the scan found.
    struct FoundFile {
        /// Where it is opened: below the root, or a symlink's checked target.
        var path: String
    }

    /// Lists regular files below `directory`, skipping dot entries and symlinks that leave the root.
    private static func walk(
        directory: String,
        relative: String,
        realRoot: String,
        into found: inout [String: FoundFile],
        visited: inout Set<[UInt64]>
    ) throws(ServeError) {
        let entries: [DirectoryEntry]
        do { entries = try Directory.entries(directory) } catch {
            if relative.isEmpty { throw .unreadable(path: directory, errno: error.errno) }
            return
        }
        for entry in entries {
            // A name that is not UTF-8 could never be requested (paths must decode to UTF-8).
            guard let name = entry.name, !name.isEmpty, !name.hasPrefix(".") else { continue }
            let path = directory + "/" + name
            let rel = relative.isEmpty ? name : relative + "/" + name
            // What the directory entry says is enough for a regular file: no stat, so a scan
            // of a hundred thousand files is a walk of their directories (directories are still
            // stat'ed below, for the loop check).
            if entry.type == .regular {
                found[rel] = FoundFile(path: path)
                continue
            }
            guard var s = try? Syscall.stat(path, follow: false) else { continue }
            var opened = path
            if (s.st_mode & S_IFMT) == S_IFLNK {
                // Follow a symlink only when it resolves inside the root and not into a dot entry.
                guard let target = realPath(path), target.hasPrefix(realRoot + "/"),
                    !target.dropFirst(realRoot.utf8.count + 1).split(separator: "/").contains(where: {
                        $0.hasPrefix(".")
                    }),
                    let targetStatus = try? Syscall.stat(target)
                else { continue }
                s = targetStatus
                // The file is opened by its checked target, so a link swapped in later is refused.
                opened = target
            }
            switch s.st_mode & S_IFMT {
            case S_IFDIR:
                // Symlinked directories could form a loop; each directory is entered once.
                guard visited.insert([UInt64(s.st_dev), UInt64(s.st_ino)]).inserted else { continue }
                try walk(directory: path, relative: rel, realRoot: realRoot, into: &found, visited: &visited)
            case S_IFREG:
                found[rel] = FoundFile(path: opened)
            default:
                continue
            }
        }
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = try? Syscall.realpath(path) else { return nil }
        return String(validating: resolved, as: UTF8.self)
    }

    /// Opens `path` for reading if it is a regular file, and its status. The scan saw a regular
    /// file, but the name may since have become a FIFO (whose open would wait for a writer, and
    /// with it the reload and SIGTERM), a device or a symlink: so the open does not block or
    /// follow a final symlink, and the type is checked on what was actually opened. O_NONBLOCK
    /// does not change reads of regular files, so the descriptor is used as it is.
    /// Something that is not a regular file (any more) fails with `EINVAL`.
    static func openRegularFile(_ path: String) throws(SystemError) -> (CInt, stat) {
        let fd = try Syscall.open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW)
        do throws(SystemError) {
            let s = try Syscall.fstat(fd, path: path)
            guard (s.st_mode & S_IFMT) == S_IFREG else { throw SystemError(errno: EINVAL, call: "open", path: path) }
            return (fd, s)
        } catch {
            try? Syscall.close(fd)
            throw error
        }
    }

    /// The whole file at `path`, if it is a regular file.
    static func readAll(path: String) throws(SystemError) -> [UInt8] {
        let (fd, s) = try openRegularFile(path)
        defer { try? Syscall.close(fd) }
        return try Syscall.readToEnd(fd, sizeHint: Int(s.st_size), path: path)
    }
}
