import Glibc
import HushCore
import HushSystem
import NIOCore

extension FileTable {
    /// Scans `configuration.root` into a table.
    ///
    /// Dotfiles and dot directories (the collector's `.hush/`) are never taken in, nor symlinks
    /// whose target lies outside the root. `name.br` / `name.zst` / `name.gz` (`name` + a
    /// ``ContentCoding``'s suffix) next to `name` become its pre-compressed representations rather
    /// than URLs of their own; so does `name.zstd`, which other tools write, unless `name.zst`
    /// exists. The scan reads directories only: each file is opened, and hashed for its ETag unless
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
        var scan = Scan(realRoot: realRoot, index: configuration.index)
        scan.visited.insert([UInt64(info.st_dev), UInt64(info.st_ino)])
        try scan.walk(directory: realRoot, relative: "")

        let manifest = scan.files.first { $0.rel == Manifest.fileName }
        let hashedNames = try manifestValues(manifest.map { $0.target ?? realRoot + "/" + $0.rel })
        // One index of the paths, by position in the scan: the manifest's names are looked up in
        // it, and its values then become the entries (no second hash of a hundred thousand keys).
        let positions = PathIndex(pairs: scan.files.enumerated().map { ($1.rel, $0) })
        var isHashed = [Bool](repeating: false, count: scan.files.count)
        if let hashedNames {
            hashedNames.forEachName { name in
                if let position = positions.lookup(name) { isHashed[position] = true }
            }
        } else {
            for (position, file) in scan.files.enumerated() { isHashed[position] = HashedName.isHashed(file.rel) }
        }
        let pathIndex = positions.mapValues { position in
            let file = scan.files[position]
            return TableEntry(
                siblingBits: file.siblingBits,
                foreignBits: file.foreignBits,
                isHashed: isHashed[position],
                deltas: file.deltas
            )
        }
        var targets: [String: String] = [:]
        for file in scan.files { if let target = file.target { targets[file.rel] = target } }
        targets.merge(scan.siblingTargets) { a, _ in a }
        var renderer = HeadRenderer(maxAge: configuration.maxAge, headers: configuration.headers)
        renderer.prefix = configuration.prefix
        let loader = EntryLoader(
            realRoot: realRoot,
            symlinkTargets: targets,
            renderer: renderer,
            memoryBudget: configuration.memoryCacheBytes,
            memoryFileLimit: configuration.memoryFileLimit,
            digests: digests
        )
        // The 404 page and the fallback are made now: a missing one fails the load.
        let pages = try TablePages.load(configuration.headers) { rel in
            var key = rel
            return key.withUTF8 { pathIndex.lookup(UnsafeRawBufferPointer($0)) }?.resource(loader, rel: rel)
        }
        return FileTable(
            root: configuration.root,
            pathIndex: pathIndex,
            indexedDirectories: scan.indexed,
            indexName: configuration.index,
            loader: loader,
            pages: pages
        )
    }

    /// The hashed names from `staticfiles.json` (its values), or nil without a manifest.
    private static func manifestValues(_ path: String?) throws(ServeError) -> ManifestValues.Names? {
        guard let path else { return nil }
        let bytes: [UInt8]
        do { bytes = try readAll(path: path) } catch { throw .unreadable(path: path, errno: error.errno) }
        if let values = ManifestValues.read(bytes) { return values }
        do {
            return ManifestValues.Names(try Manifest.decode(bytes).paths.values)
        } catch {
            throw .badManifest(path: path, reason: error.description)
        }
    }

    /// One URL the scan found: a file that is no other file's sibling.
    struct FoundFile {
        var rel: String
        /// A symlink's checked target, opened instead of the path below the root.
        var target: String?
        /// Which ``ContentCoding``s have a sibling beside it (``TableEntry/siblingBits``).
        var siblingBits: UInt8
        /// Which of those siblings carry the coding's foreign suffix (`a.js.zstd`).
        var foreignBits: UInt8
        /// Its `dcz` deltas (RFC 9842), paths below the root (`a.<new>.js.<old>.dcz`).
        var deltas: [String] = []
    }

    /// The directory walk: regular files by their directory entries alone (no `stat` per file:
    /// a scan of a hundred thousand files is a walk of their directories), siblings matched to
    /// their file within each directory (`a.css.br` beside `a.css`).
    private struct Scan {
        let realRoot: String
        let index: String
        var files: [FoundFile] = []
        var siblingTargets: [String: String] = [:]
        var indexed: Set<String> = []
        var visited: Set<[UInt64]> = []

        init(realRoot: String, index: String) {
            self.realRoot = realRoot
            self.index = index
        }

        /// Lists regular files below `directory`, skipping dot entries and symlinks that leave
        /// the root.
        mutating func walk(directory: String, relative: String) throws(ServeError) {
            let entries: [DirectoryEntry]
            do { entries = try Directory.entries(directory) } catch {
                if relative.isEmpty { throw .unreadable(path: directory, errno: error.errno) }
                return
            }
            var here: [(name: String, target: String?)] = []
            here.reserveCapacity(entries.count)
            for entry in entries {
                // A name that is not UTF-8 could never be requested (paths must decode to UTF-8).
                guard let name = entry.name, !name.isEmpty, !name.hasPrefix(".") else { continue }
                if entry.type == .regular {
                    here.append((name, nil))
                    continue
                }
                let path = directory + "/" + name
                guard var s = try? Syscall.stat(path, follow: false) else { continue }
                var target: String?
                if (s.st_mode & S_IFMT) == S_IFLNK {
                    // Follow a symlink only when it resolves inside the root and not into a dot entry.
                    guard let resolved = realPath(path), resolved.hasPrefix(realRoot + "/"),
                        !resolved.dropFirst(realRoot.utf8.count + 1).split(separator: "/").contains(where: {
                            $0.hasPrefix(".")
                        }),
                        let targetStatus = try? Syscall.stat(resolved)
                    else { continue }
                    s = targetStatus
                    // The file is opened by its checked target, so a link swapped in later is refused.
                    target = resolved
                }
                switch s.st_mode & S_IFMT {
                case S_IFDIR:
                    // Symlinked directories could form a loop; each directory is entered once.
                    guard visited.insert([UInt64(s.st_dev), UInt64(s.st_ino)]).inserted else { continue }
                    try walk(directory: path, relative: relative.isEmpty ? name : relative + "/" + name)
                case S_IFREG:
                    here.append((name, target))
                default:
                    continue
                }
            }
            // `name.br` beside `name` is its sibling, not a URL of its own. (The sets are built
            // only for a directory that has a name with a coding's suffix.)
            let candidates = here.filter { ContentCoding.sibling($0.name) != nil }
            let deltaCandidates = here.filter {
                $0.name.utf8.last == UInt8(ascii: "z") && $0.name.hasSuffix(DictionaryCompression.fileSuffix)
            }
            let names = candidates.isEmpty && deltaCandidates.isEmpty ? [] : Set(here.map(\.name))
            // A `dcz` delta beside its target is one of the target's representations, found by
            // the dictionary hash in its header when the target is first requested.
            var deltas: [String: [String]] = [:]
            var isDelta = Set<String>()
            for candidate in deltaCandidates {
                guard let delta = DictionaryCompression.parseDeltaPath(candidate.name), names.contains(delta.target)
                else { continue }
                let rel = relative.isEmpty ? candidate.name : relative + "/" + candidate.name
                deltas[delta.target, default: []].append(rel)
                isDelta.insert(candidate.name)
                if let target = candidate.target { siblingTargets[rel] = target }
            }
            var bits: [String: (own: UInt8, foreign: UInt8)] = [:]
            var isSibling = Set<String>()
            // A coding's own suffix first: it wins over the foreign one (`.zst` over `.zstd`),
            // and the loser is served as a file of its own.
            let classified = candidates.compactMap { c in ContentCoding.sibling(c.name).map { (c, $0) } }
            for (candidate, sibling) in classified.sorted(by: { !$0.1.foreign && $1.1.foreign }) {
                guard names.contains(sibling.primary),
                    let position = ContentCoding.allCases.firstIndex(of: sibling.coding)
                else { continue }
                let bit: UInt8 = 1 << position
                var known = bits[sibling.primary] ?? (0, 0)
                guard known.own & bit == 0 else { continue }
                known.own |= bit
                if sibling.foreign { known.foreign |= bit }
                bits[sibling.primary] = known
                isSibling.insert(candidate.name)
                if let target = candidate.target {
                    siblingTargets[relative.isEmpty ? candidate.name : relative + "/" + candidate.name] = target
                }
            }
            for (name, target) in here
            where (isSibling.isEmpty || !isSibling.contains(name)) && (isDelta.isEmpty || !isDelta.contains(name)) {
                if name == index { indexed.insert(relative) }
                let known = bits[name] ?? (0, 0)
                files.append(
                    FoundFile(
                        rel: relative.isEmpty ? name : relative + "/" + name,
                        target: target,
                        siblingBits: known.own,
                        foreignBits: known.foreign,
                        deltas: deltas[name]?.sorted() ?? []
                    )
                )
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
