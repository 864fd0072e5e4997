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
    /// exists. The representations are kept smallest first, so that negotiation prefers the
    /// fewest bytes among codings the client accepts equally. Every representation is read once to hash it for its ETag (MD5, a few ms per MB); with
    /// `previous`, files whose device, inode, size and modification time are unchanged keep their
    /// ETag without being hashed again.
    public static func load(
        configuration: ServeConfiguration,
        previous: FileTable? = nil
    ) throws(ServeError) -> FileTable {
        guard let realRoot = realPath(configuration.root) else { throw .rootNotADirectory(configuration.root) }
        guard let info = try? Syscall.stat(realRoot), FileType(mode: info.st_mode) == .directory else {
            throw .rootNotADirectory(configuration.root)
        }
        var found: [String: FoundFile] = [:]  // relative path → where and how big
        var visited: Set<[UInt64]> = [[UInt64(info.st_dev), UInt64(info.st_ino)]]
        try walk(directory: realRoot, relative: "", realRoot: realRoot, into: &found, visited: &visited)

        let hashedNames = try manifestValues(realRoot: realRoot, found: found)
        var primaries: [String] = []
        var siblings: [String: [ContentCoding: String]] = [:]  // primary → coding → sibling path
        var deltaFiles: [String: [String]] = [:]  // primary → its `dcz` deltas (RFC 9842)
        for rel in found.keys {
            if let delta = DictionaryCompression.parseDeltaPath(rel), found[delta.target] != nil {
                deltaFiles[delta.target, default: []].append(rel)
            } else if let (primary, coding, foreign) = ContentCoding.sibling(rel), found[primary] != nil {
                // The coding's own suffix wins over the foreign one (`.zst` over `.zstd`); the
                // loser is served as a file of its own.
                if let other = siblings[primary]?[coding] {
                    guard !foreign else {
                        primaries.append(rel)
                        continue
                    }
                    primaries.append(other)
                }
                siblings[primary, default: [:]][coding] = rel
            } else {
                primaries.append(rel)
            }
        }

        // Smallest files first into memory until the budget is spent: many small files gain the
        // most from skipping a sendfile call each.
        var sizes = found.map { (rel: $0.key, size: $0.value.size) }
        sizes.sort { $0.size != $1.size ? $0.size < $1.size : $0.rel < $1.rel }
        // They are read before anything else, back to back into the arena.
        var budget = configuration.memoryCacheBytes
        var arena = MemoryArena()
        var inMemory: [String: (fingerprint: FileFingerprint, placement: MemoryArena.Placement)] = [:]
        for (rel, size) in sizes where size <= configuration.memoryFileLimit && size <= budget {
            budget -= size
            guard let file = found[rel],
                let loaded = loadIntoMemory(rel: rel, found: file, arena: &arena, previous: previous)
            else { continue }
            inMemory[rel] = loaded
        }
        /// A file's bytes and fingerprint, from memory or from its open descriptor.
        func load(_ rel: String) -> LoadedFile? {
            if let memory = inMemory[rel] {
                return LoadedFile(
                    rel: rel,
                    fingerprint: memory.fingerprint,
                    body: .memory(arena.bytes(memory.placement))
                )
            }
            return openOnDisk(rel: rel, found: found[rel], previous: previous)
        }

        var resources: [String: Resource] = [:]
        var fingerprints: [String: FileFingerprint] = [:]
        var indexed: Set<String> = []
        var memoryBytes = 0
        var renderer = HeadRenderer(maxAge: configuration.maxAge, headers: configuration.headers)
        renderer.prefix = configuration.prefix
        for rel in primaries {
            guard let loaded = load(rel) else { continue }
            let sib = siblings[rel] ?? [:]
            // Smallest first; equal sizes in the coding table's order.
            let encoded = ContentCoding.allCases.compactMap { coding in sib[coding].flatMap(load).map { (coding, $0) } }
                .enumerated().sorted {
                    ($0.element.1.fingerprint.size, $0.offset) < ($1.element.1.fingerprint.size, $1.offset)
                }
                .map(\.element)
            let isHashed = hashedNames.map { $0.contains(rel) } ?? HashedName.isHashed(rel)
            let lastModified = loaded.fingerprint.modifiedSeconds
            // RFC 9842: a hashed file of a type that changes a little between releases offers
            // itself as the dictionary for its later versions, and its deltas against earlier
            // ones are served by the dictionary hash in their headers.
            let useAsDictionary =
                isHashed ? DictionaryCompression.useAsDictionary(prefix: renderer.prefix, path: rel) : nil
            let deltas: [(hash: [UInt8], file: LoadedFile)] =
                useAsDictionary == nil
                ? []
                : (deltaFiles[rel] ?? []).sorted().compactMap { name in
                    guard let file = load(name), let hash = dictionaryHash(of: file) else { return nil }
                    return (hash, file)
                }
            let meta = HeadRenderer.Metadata(
                contentType: MediaType.contentType(forFileName: rel),
                isHashed: isHashed,
                hasSiblings: !encoded.isEmpty,
                lastModified: lastModified,
                hasDeltas: !deltas.isEmpty,
                useAsDictionary: useAsDictionary,
                ruleFields: renderer.ruleFields(path: rel)
            )
            func representation(_ file: LoadedFile, _ coding: ContentCoding?, delta: Bool = false) -> Representation {
                fingerprints[file.rel] = file.fingerprint
                if case .memory(let buffer) = file.body { memoryBytes += buffer.readableBytes }
                return renderer.representation(
                    meta: meta,
                    coding: coding,
                    length: file.fingerprint.size,
                    digest: file.fingerprint.digest,
                    body: file.body,
                    dictionaryCompressed: delta
                )
            }
            resources[rel] = Resource(
                identity: representation(loaded, nil),
                variants: encoded.map { representation($0.1, $0.0) },
                isHashed: isHashed,
                lastModified: lastModified,
                deltas: deltas.map {
                    DictionaryDelta(dictionaryHash: $0.hash, representation: representation($0.file, nil, delta: true))
                }
            )
            if !configuration.index.isEmpty {
                let slash = rel.lastIndex(of: "/")
                let name = slash.map { String(rel[rel.index(after: $0)...]) } ?? rel
                if name == configuration.index { indexed.insert(slash.map { String(rel[..<$0]) } ?? "") }
            }
        }
        return FileTable(
            root: configuration.root,
            resources: resources,
            indexedDirectories: indexed,
            indexName: configuration.index,
            memoryBytes: memoryBytes,
            fingerprints: fingerprints,
            pages: try TablePages.load(configuration.headers, resources: resources)
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

    /// The dictionary's SHA-256 from the 40-byte header of a `dcz` delta (RFC 9842 §5), or nil
    /// when the file does not start with one (it is then not served as a delta).
    private static func dictionaryHash(of file: LoadedFile) -> [UInt8]? {
        let length = DictionaryCompression.headerLength
        switch file.body {
        case .memory(let buffer):
            guard let header = buffer.getBytes(at: buffer.readerIndex, length: length) else { return nil }
            return DictionaryCompression.dictionaryHash(inHeader: header)
        case .file(let open):
            var header = [UInt8](repeating: 0, count: length)
            let read = header.withUnsafeMutableBytes {
                try? Syscall.preadFully(open.descriptor, into: $0, at: 0, path: file.rel)
            }
            guard read == length else { return nil }
            return DictionaryCompression.dictionaryHash(inHeader: header)
        }
    }

    /// A regular file the scan found.
    struct FoundFile {
        var path: String
        /// Its size when listed (the body read later may differ; what is read is what is served).
        var size: Int
    }

    private struct LoadedFile {
        var rel: String
        var fingerprint: FileFingerprint
        var body: Body
    }

    /// Opens and checks one file: its descriptor, its fingerprint (digest empty) and the digest a
    /// previous table computed for the same bytes, if any. Nil when it vanished or is no longer a
    /// regular file (it is left out).
    static func openChecked(rel: String, found: FoundFile, previous: FileTable?) -> (CInt, FileFingerprint, String?)? {
        guard let (fd, s) = try? openRegularFile(found.path) else { return nil }
        let fingerprint = FileFingerprint(identity: FileIdentity(s), digest: "")
        var known = previous?.fingerprints[rel]
        known?.digest = ""
        return (fd, fingerprint, known == fingerprint ? previous?.fingerprints[rel]?.digest : nil)
    }

    /// Reads one file into the arena and hashes it; nil when it cannot be read.
    private static func loadIntoMemory(
        rel: String,
        found: FoundFile,
        arena: inout MemoryArena,
        previous: FileTable?
    ) -> (fingerprint: FileFingerprint, placement: MemoryArena.Placement)? {
        guard let (fd, opened, reuse) = openChecked(rel: rel, found: found, previous: previous) else { return nil }
        let placed = arena.load(fd, expectedSize: opened.size)
        try? Syscall.close(fd)
        guard let placement = placed else { return nil }
        var fingerprint = opened
        fingerprint.size = placement.length
        if let reuse, placement.length == opened.size {
            fingerprint.digest = reuse
        } else {
            var md5 = MD5()
            arena.withBytes(placement) { md5.update($0) }
            fingerprint.digest = md5.hexDigest()
        }
        return (fingerprint, placement)
    }

    /// Opens one file to be sent with sendfile, hashing it unless a previous table did.
    private static func openOnDisk(rel: String, found: FoundFile?, previous: FileTable?) -> LoadedFile? {
        guard let found, let (fd, opened, reuse) = openChecked(rel: rel, found: found, previous: previous) else {
            return nil
        }
        var fingerprint = opened
        if let reuse {
            fingerprint.digest = reuse
        } else {
            var md5 = MD5()
            var chunk = [UInt8](repeating: 0, count: 256 << 10)
            var offset: Int64 = 0
            while true {
                guard
                    let r = chunk.withUnsafeMutableBytes({
                        try? Syscall.preadFully(fd, into: $0, at: offset, path: found.path)
                    })
                else {
                    try? Syscall.close(fd)
                    return nil
                }
                if r == 0 { break }
                chunk.withUnsafeBytes { md5.update(UnsafeRawBufferPointer(rebasing: $0[..<r])) }
                offset += Int64(r)
            }
            fingerprint.digest = md5.hexDigest()
        }
        return LoadedFile(
            rel: rel,
            fingerprint: fingerprint,
            body: .file(OpenFile(descriptor: fd, name: rel, fingerprint: fingerprint))
        )
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
                found[rel] = FoundFile(path: opened, size: Int(s.st_size))
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
