import Glibc
import HushCore
import HushSystem
import NIOConcurrencyHelpers
import NIOCore
import Synchronization

/// One URL of a table as the scan found it: its path, which siblings it has, whether its name is
/// hashed, and — once it has been requested — its ``Resource``.
///
/// The resource is published once with a compare-and-swap and read with one atomic load per
/// request (what `ManagedAtomicLazyReference` does): no lock on the hot path. Two loops making
/// the same resource at once both build one; the first published wins, the other is dropped.
final class TableEntry: Sendable {
    /// The ``ContentCoding``s with a sibling, as bits by the coding's position in `allCases`.
    let siblingBits: UInt8
    /// Which of them are under the coding's foreign suffix (`a.js.zstd`, not `a.js.zst`).
    let foreignBits: UInt8
    /// Whether the name carries a content hash (cached as immutable).
    let isHashed: Bool
    /// Its `dcz` deltas' paths below the root (RFC 9842); empty for almost every file.
    let deltas: [String]
    /// The made resource as a retained pointer's bits, 0 until made.
    private let made = Atomic<UInt>(0)

    /// No path: the table's index holds it (a hundred thousand paths are kept once).
    init(siblingBits: UInt8, foreignBits: UInt8 = 0, isHashed: Bool, deltas: [String] = []) {
        self.siblingBits = siblingBits
        self.foreignBits = foreignBits
        self.isHashed = isHashed
        self.deltas = deltas
    }

    deinit {
        let raw = made.load(ordering: .acquiring)
        if let pointer = UnsafeRawPointer(bitPattern: raw) { Unmanaged<Resource>.fromOpaque(pointer).release() }
    }

    /// The codings with a sibling, in ``ContentCoding`` order, and the suffix each is found under.
    var siblings: [(coding: ContentCoding, suffix: String)] {
        ContentCoding.allCases.enumerated().filter { siblingBits & (1 << $0.offset) != 0 }.map { position, coding in
            let foreign = foreignBits & (1 << position) != 0
            return (coding, foreign ? coding.entry.foreignSuffix?.description ?? coding.fileSuffix : coding.fileSuffix)
        }
    }

    /// The resource if a request has made it already; never opens a file.
    var madeResource: Resource? {
        UnsafeRawPointer(bitPattern: made.load(ordering: .acquiring)).map {
            Unmanaged<Resource>.fromOpaque($0).takeUnretainedValue()
        }
    }

    /// The resource at `rel` (this entry's path, as the index holds it), made by `loader` on first
    /// use; nil when the file can no longer be opened (then the next request tries again).
    @inline(__always)
    func resource(_ loader: EntryLoader, rel: @autoclosure () -> String) -> Resource? {
        if let pointer = UnsafeRawPointer(bitPattern: made.load(ordering: .acquiring)) {
            return Unmanaged<Resource>.fromOpaque(pointer).takeUnretainedValue()
        }
        return make(loader, rel: rel())
    }

    private func make(_ loader: EntryLoader, rel: String) -> Resource? {
        guard let resource = loader.make(self, rel: rel) else { return nil }
        let mine = Unmanaged.passRetained(resource)
        let bits = UInt(bitPattern: mine.toOpaque())
        let (published, current) = made.compareExchange(expected: 0, desired: bits, ordering: .acquiringAndReleasing)
        if published { return resource }
        mine.release()
        loader.returnMemory(of: resource)
        guard let pointer = UnsafeRawPointer(bitPattern: current) else { return resource }
        return Unmanaged<Resource>.fromOpaque(pointer).takeUnretainedValue()
    }
}

/// Makes a ``Resource`` from a ``TableEntry`` on its first request: opens the file and its
/// siblings, takes each one's ETag digest from the ``DigestStore`` when its identity is unchanged
/// (else hashes it and records the digest), renders the heads, and reads small files into the
/// memory cache while its budget lasts.
final class EntryLoader: Sendable {
    /// The resolved root, which every path below starts with.
    let realRoot: String
    /// Symlinks inside the root, by path below it: the checked target to open instead.
    let symlinkTargets: [String: String]
    let renderer: HeadRenderer
    /// Files up to this size may be held in memory.
    let memoryFileLimit: Int
    let digests: DigestStore
    private let memory: NIOLockedValueBox<(budget: Int, used: Int)>

    init(
        realRoot: String,
        symlinkTargets: [String: String],
        renderer: HeadRenderer,
        memoryBudget: Int,
        memoryFileLimit: Int,
        digests: DigestStore
    ) {
        self.realRoot = realRoot
        self.symlinkTargets = symlinkTargets
        self.renderer = renderer
        self.memoryFileLimit = memoryFileLimit
        self.digests = digests
        self.memory = NIOLockedValueBox((memoryBudget, 0))
    }

    /// Bytes of file content in memory.
    var memoryBytes: Int { memory.withLockedValue { $0.used } }

    /// Where the file at `rel` below the root is opened.
    func path(_ rel: String) -> String { symlinkTargets[rel] ?? realRoot + "/" + rel }

    /// The resource for `entry`, or nil when its file cannot be opened as a regular file.
    func make(_ entry: TableEntry, rel: String) -> Resource? {
        guard let identity = load(rel) else { return nil }
        // Smallest first, equal sizes in the coding table's order: negotiation prefers the
        // fewest bytes among codings the client accepts equally.
        let encoded = entry.siblings.compactMap { sibling in load(rel + sibling.suffix).map { (sibling.coding, $0) } }
            .enumerated().sorted {
                ($0.element.1.fingerprint.size, $0.offset) < ($1.element.1.fingerprint.size, $1.offset)
            }
            .map(\.element)
        let lastModified = identity.fingerprint.modifiedSeconds
        // RFC 9842: a hashed file of a type that changes a little between releases offers itself
        // as the dictionary for its later versions, and its deltas against earlier ones are
        // served by the dictionary hash in their headers.
        let useAsDictionary =
            entry.isHashed ? DictionaryCompression.useAsDictionary(prefix: renderer.prefix, path: rel) : nil
        let deltas: [(hash: [UInt8], file: LoadedFile)] =
            useAsDictionary == nil
            ? []
            : entry.deltas.compactMap { name in
                guard let file = load(name), let hash = Self.dictionaryHash(of: file, path: name) else { return nil }
                return (hash, file)
            }
        let meta = HeadRenderer.Metadata(
            contentType: MediaType.contentType(forFileName: rel),
            isHashed: entry.isHashed,
            hasSiblings: !encoded.isEmpty,
            lastModified: lastModified,
            hasDeltas: !deltas.isEmpty,
            useAsDictionary: useAsDictionary,
            ruleFields: renderer.ruleFields(path: rel)
        )
        func representation(_ file: LoadedFile, _ coding: ContentCoding?, delta: Bool = false) -> Representation {
            renderer.representation(
                meta: meta,
                coding: coding,
                length: file.fingerprint.size,
                digest: file.fingerprint.digest,
                body: file.body,
                dictionaryCompressed: delta
            )
        }
        return Resource(
            identity: representation(identity, nil),
            variants: encoded.map { representation($0.1, $0.0) },
            isHashed: entry.isHashed,
            lastModified: lastModified,
            deltas: deltas.map {
                DictionaryDelta(dictionaryHash: $0.hash, representation: representation($0.file, nil, delta: true))
            }
        )
    }

    /// The dictionary's SHA-256 from the 40-byte header of a `dcz` delta (RFC 9842 §5), or nil
    /// when the file does not start with one (it is then not served as a delta).
    private static func dictionaryHash(of file: LoadedFile, path: String) -> [UInt8]? {
        let length = DictionaryCompression.headerLength
        switch file.body {
        case .memory(let buffer):
            guard let header = buffer.getBytes(at: buffer.readerIndex, length: length) else { return nil }
            return DictionaryCompression.dictionaryHash(inHeader: header)
        case .file(let open):
            var header = [UInt8](repeating: 0, count: length)
            let read = header.withUnsafeMutableBytes {
                try? Syscall.preadFully(open.descriptor, into: $0, at: 0, path: path)
            }
            guard read == length else { return nil }
            return DictionaryCompression.dictionaryHash(inHeader: header)
        }
    }

    /// Gives back the memory budget a resource that was not published took.
    func returnMemory(of resource: Resource) {
        let bytes = ([resource.identity] + resource.variants + resource.deltas.map(\.representation)).reduce(0) {
            sum,
            r in
            if case .memory(let buffer) = r.body { return sum + buffer.readableBytes }
            return sum
        }
        guard bytes > 0 else { return }
        memory.withLockedValue {
            $0.budget += bytes
            $0.used -= bytes
        }
    }

    struct LoadedFile {
        var fingerprint: FileFingerprint
        var body: Body
    }

    /// Opens one file: in memory when it is small and the budget allows, else kept open for
    /// sendfile; its digest from the store or from its bytes. Nil when it vanished or is no
    /// longer a regular file.
    func load(_ rel: String) -> LoadedFile? {
        let path = path(rel)
        guard let (fd, info) = try? FileTable.openRegularFile(path) else { return nil }
        var fingerprint = FileFingerprint(identity: FileIdentity(info), digest: "")
        let size = fingerprint.size
        let known = digests.digest(for: fingerprint.identity)
        if size <= memoryFileLimit, takeMemory(size) {
            defer { try? Syscall.close(fd) }
            guard let buffer = readWhole(fd, size: size, path: path) else {
                returnMemory(size)
                return nil
            }
            // What was read is what is served: a file that grew or shrank since fstat is hashed.
            if buffer.readableBytes != size {
                returnMemory(size - buffer.readableBytes)
                fingerprint.size = buffer.readableBytes
            }
            if let known, buffer.readableBytes == size {
                fingerprint.digest = known.hex
            } else {
                var md5 = MD5()
                buffer.withUnsafeReadableBytes { md5.update($0) }
                let digest = ETagDigest(md5)
                if buffer.readableBytes == size { digests.record(digest, for: fingerprint.identity) }
                fingerprint.digest = digest.hex
            }
            return LoadedFile(fingerprint: fingerprint, body: .memory(buffer))
        }
        if let known {
            fingerprint.digest = known.hex
        } else {
            guard let digest = Self.hash(fd, path: path) else {
                try? Syscall.close(fd)
                return nil
            }
            digests.record(digest, for: fingerprint.identity)
            fingerprint.digest = digest.hex
        }
        return LoadedFile(
            fingerprint: fingerprint,
            body: .file(OpenFile(descriptor: fd, name: rel, fingerprint: fingerprint))
        )
    }

    /// MD5 of the whole file behind `fd`, read in 256 KiB chunks; nil on a read error.
    static func hash(_ fd: CInt, path: String) -> ETagDigest? {
        var md5 = MD5()
        var chunk = [UInt8](repeating: 0, count: 256 << 10)
        var offset: Int64 = 0
        while true {
            guard
                let r = chunk.withUnsafeMutableBytes({ try? Syscall.preadFully(fd, into: $0, at: offset, path: path) })
            else { return nil }
            if r == 0 { break }
            chunk.withUnsafeBytes { md5.update(UnsafeRawBufferPointer(rebasing: $0[..<r])) }
            offset += Int64(r)
        }
        return ETagDigest(md5)
    }

    /// The file's bytes in a buffer of exactly their size (plus one byte to see the end without a
    /// second buffer): a 1 KB file costs about 1 KB.
    private func readWhole(_ fd: CInt, size: Int, path: String) -> ByteBuffer? {
        var buffer = ByteBufferAllocator().buffer(capacity: size + 1)
        while true {
            var result: Int? = 0
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 1) { raw -> Int in
                result = try? Syscall.read(fd, into: raw)
                return result ?? 0
            }
            guard let got = result else { return nil }
            if got == 0 { return buffer }
        }
    }

    private func takeMemory(_ bytes: Int) -> Bool {
        memory.withLockedValue {
            guard $0.budget >= bytes else { return false }
            $0.budget -= bytes
            $0.used += bytes
            return true
        }
    }

    private func returnMemory(_ bytes: Int) {
        memory.withLockedValue {
            $0.budget += bytes
            $0.used -= bytes
        }
    }
}
