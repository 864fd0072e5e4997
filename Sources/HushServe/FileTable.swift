import Glibc
import HushCore
import HushSystem
import NIOCore

/// Everything the server can send, scanned once from STATIC_ROOT and never changed afterwards.
///
/// A request is a lookup here plus a choice between pre-rendered heads: all header bytes that
/// do not depend on the request are rendered once per file (WhiteNoise's approach). Only files in
/// the table are ever served, so no request path can reach outside it. A reload builds a new
/// table and swaps it in whole (see ``TableBox``).
///
/// The scan lists names only; a file's ``Resource`` (descriptors, validators, heads, and its
/// bytes when it is small enough for the memory cache) is made on its first request and kept
/// (``TableEntry``). Start-up therefore costs a directory walk, not a read of every byte, and
/// memory grows with the files actually requested, not with the size of the root.
public final class FileTable: Sendable {
    /// The STATIC_ROOT this table was scanned from, as given.
    public let root: String
    /// Directories (relative, no trailing slash; `""` is the root) that contain the index file.
    public let indexedDirectories: Set<String>
    /// The index file name (`index.html`), or empty when directory indexes are off.
    public let indexName: String
    /// The 404 page and the fallback file, if configured.
    let pages: TablePages
    /// `indexedDirectories` by the bytes of their paths: a request for a missing file asks it
    /// whether to redirect, without building and hashing a `String`.
    let directoryIndex: PathIndex<Bool>

    /// How many files (URLs) the table serves.
    public let count: Int
    /// Makes resources on first use; shared with no other table but for its digest store.
    let loader: EntryLoader

    /// The entries by the bytes of their paths, for lookups straight from a request.
    let pathIndex: PathIndex<TableEntry>

    /// Bytes of file content held in memory so far (the cache fills as files are requested).
    public var memoryBytes: Int { loader.memoryBytes }

    /// The resources requests have made so far (files are opened on first request); opens nothing.
    var madeResources: [Resource] { pathIndex.entries.compactMap { $0.1.madeResource } }

    /// URL path below the prefix → resource, for every file: makes every resource not yet made.
    /// For tests and tools; requests use ``resource(at:)``.
    public var resources: [String: Resource] {
        var out: [String: Resource] = [:]
        for (rel, entry) in pathIndex.entries {
            if let resource = entry.resource(loader, rel: rel) { out[rel] = resource }
        }
        return out
    }

    /// The resource at `path` (relative to the prefix), if any: the lookup requests use.
    public func resource(at path: String) -> Resource? {
        var bytes = path
        return bytes.withUTF8 { pathIndex.lookup(UnsafeRawBufferPointer($0))?.resource(loader, rel: path) }
    }

    /// The resource whose path is exactly these bytes (UTF-8, relative to the prefix), if any.
    @inline(__always)
    func resource(atBytes path: UnsafeRawBufferPointer) -> Resource? {
        pathIndex.lookup(path)?.resource(loader, rel: String(decoding: path, as: UTF8.self))
    }

    /// Whether these bytes name a directory that holds the index file (`indexedDirectories`).
    @inline(__always)
    func isIndexedDirectory(atBytes path: UnsafeRawBufferPointer) -> Bool { directoryIndex.lookup(path) != nil }

    init(
        root: String,
        pathIndex: PathIndex<TableEntry>,
        indexedDirectories: Set<String>,
        indexName: String,
        loader: EntryLoader,
        pages: TablePages = TablePages()
    ) {
        self.root = root
        self.count = pathIndex.count
        self.indexedDirectories = indexedDirectories
        self.indexName = indexName
        self.loader = loader
        self.pages = pages
        self.pathIndex = pathIndex
        self.directoryIndex = PathIndex(Dictionary(uniqueKeysWithValues: indexedDirectories.map { ($0, true) }))
    }
}

/// One file as a URL serves it: its identity bytes and any pre-compressed siblings.
/// A class, so a lookup costs one retain rather than one per buffer inside.
public final class Resource: Sendable {
    /// The file itself.
    public let identity: Representation
    /// The pre-compressed siblings collected (`name.br`, `name.zst`, `name.gz`, …), smallest
    /// first (equal sizes in the order of ``ContentCoding``'s cases): the preference on ties.
    public let variants: [Representation]
    /// The codings of ``variants``, in the same order: what negotiation chooses among.
    public let codings: [ContentCoding]
    /// Whether the name carries a content hash (and so is cached for ten years, immutable).
    public let isHashed: Bool
    /// Modification time of the identity file, whole seconds since the epoch (`Last-Modified`).
    public let lastModified: Int64
    /// This version compressed against earlier ones (RFC 9842 `dcz`), by dictionary; empty for
    /// most files, so a request without `Available-Dictionary` looks no further.
    public let deltas: [DictionaryDelta]

    /// - Parameter variants: representations with a coding, in preference order (smallest first).
    init(
        identity: Representation,
        variants: [Representation],
        isHashed: Bool,
        lastModified: Int64,
        deltas: [DictionaryDelta] = []
    ) {
        self.identity = identity
        self.variants = variants
        self.codings = variants.compactMap(\.coding)
        self.isHashed = isHashed
        self.lastModified = lastModified
        self.deltas = deltas
    }

    /// Whether any sibling exists, i.e. whether responses must say `Vary: Accept-Encoding`.
    public var hasSiblings: Bool { !variants.isEmpty }

    /// The sibling in `coding`, if collected.
    public func variant(_ coding: ContentCoding) -> Representation? {
        variants.first { $0.coding == coding }
    }

    /// The representation for a coding chosen by ``Negotiation/chooseCoding(acceptEncoding:available:)-(ArraySlice<UInt8>?,_)``
    /// among ``codings``.
    @inline(__always)
    public func representation(for coding: ContentCoding?) -> Representation {
        coding.flatMap(variant) ?? identity
    }
}

/// A `dcz` representation of a resource (RFC 9842 §5) and the SHA-256 of the dictionary it
/// needs, read from its own 40-byte header when the table was built.
public struct DictionaryDelta: Sendable {
    public let dictionaryHash: [UInt8]
    public let representation: Representation
}

/// One sendable form of a resource (RFC 9110 §3.2), with its validators and pre-rendered heads.
public final class Representation: Sendable {
    /// Its content coding, nil for identity.
    public let coding: ContentCoding?
    /// Length of the bytes sent for a full response.
    public let length: Int
    /// Strong entity tag with quotes, `"<md5 hex>"`: derived from the bytes only, so every replica
    /// serving the same files sends the same tag (RFC 9110 §8.8.3).
    public let etag: String
    /// Where the bytes come from.
    public let body: Body
    /// The 200 head: `HTTP/1.1 200 OK` and every header that does not depend on the request,
    /// each line ending in CRLF (the final empty line is not included). Its fields are ordered so
    /// that the 304 and 206 heads are ranges of it behind their own status lines: first the
    /// fields a 304 carries (ETag, Cache-Control, Vary, CORS; RFC 9110 §15.4.5), then the rest
    /// of the representation metadata, `Content-Length` last. One buffer per representation
    /// instead of three: a large table's heads take half the memory.
    public let head: ByteBuffer
    /// The range of `head` a 304 sends behind `HTTP/1.1 304 Not Modified`.
    let notModifiedFields: Range<Int>
    /// The range of `head` a 206 sends behind its status line (all but `Content-Length`).
    let partialFields: Range<Int>

    static let status200 = "HTTP/1.1 200 OK\r\n"
    static let status206: StaticString = "HTTP/1.1 206 Partial Content\r\n"
    static let status304: StaticString = "HTTP/1.1 304 Not Modified\r\n"

    /// The 206 head without `Content-Range` and `Content-Length`, assembled on each access.
    public var head206: ByteBuffer { assembled(Self.status206, partialFields) }
    /// The 304 head, assembled on each access.
    public var head304: ByteBuffer { assembled(Self.status304, notModifiedFields) }

    private func assembled(_ status: StaticString, _ fields: Range<Int>) -> ByteBuffer {
        var out = ByteBuffer()
        out.writeStaticString(status)
        writeFields(fields, into: &out)
        return out
    }

    /// Appends the bytes of `range` of ``head`` to `out`.
    @inline(__always)
    func writeFields(_ range: Range<Int>, into out: inout ByteBuffer) {
        head.withUnsafeReadableBytes { _ = out.writeBytes(UnsafeRawBufferPointer(rebasing: $0[range])) }
    }

    /// Whether the resource has siblings, so every response says `Vary: Accept-Encoding`.
    public let varies: Bool
    /// Whether it has `dcz` deltas too, so `Vary` names `Available-Dictionary` as well.
    public let variesOnDictionary: Bool
    /// ETag bytes without quotes, for fast comparison with request validators.
    let opaqueTag: [UInt8]

    init(
        coding: ContentCoding?,
        length: Int,
        etag: String,
        body: Body,
        head: ByteBuffer,
        notModifiedFields: Range<Int>,
        partialFields: Range<Int>,
        varies: Bool,
        variesOnDictionary: Bool = false,
        opaqueTag: [UInt8]
    ) {
        self.coding = coding
        self.length = length
        self.etag = etag
        self.body = body
        self.head = head
        self.notModifiedFields = notModifiedFields
        self.partialFields = partialFields
        self.varies = varies
        self.variesOnDictionary = variesOnDictionary
        self.opaqueTag = opaqueTag
    }
}

/// The bytes of a representation.
public enum Body: Sendable {
    /// Held in memory (small files, within the memory-cache budget).
    case memory(ByteBuffer)
    /// Sent with sendfile from this open descriptor.
    case file(OpenFile)
}

/// A read-only file descriptor kept open for the life of the table that holds it. Each response
/// sends from a `dup` of it, so a swapped-out table may close it while responses still run.
///
/// The descriptor pins the inode: a file replaced by rename (what `hush collect` does) keeps
/// being served from the bytes its ETag was computed from. A file rewritten in place (`cp new
/// old`) changes under it; ``changedOnDisk()`` notices, from the size and mtime it had when it
/// was opened and hashed.
public final class OpenFile: Sendable {
    /// The descriptor; valid until this object is released.
    public let descriptor: CInt
    /// The path below the root, for messages.
    let name: String
    /// The file when it was opened and hashed.
    private let opened: FileIdentity

    init(descriptor: CInt, name: String, fingerprint: FileFingerprint) {
        self.descriptor = descriptor
        self.name = name
        self.opened = fingerprint.identity
    }

    deinit { try? Syscall.close(descriptor) }

    /// Whether the file's bytes may differ from those it was hashed from: its size or mtime moved.
    /// One fstat. Not ctime: every deploy moves it without touching a byte, since `hush collect`
    /// hard-links retained hashed files and cached siblings between trees (and unlinks the
    /// retired tree), so comparing it answered 503 for unchanged files right after each deploy.
    /// What this leaves uncaught until SIGHUP: bytes rewritten in place with the same size and
    /// the old mtime put back (`cp -p`, `touch -r`).
    func changedOnDisk() -> Bool {
        guard let now = try? Syscall.fstat(descriptor) else { return true }
        return !FileIdentity(now).sameContentStamp(opened)
    }
}

/// What a file's ETag was computed from, and the digest: a reload hashes a file again unless its
/// whole identity (device, inode, size, mtime and ctime — ctime because, unlike mtime, it cannot
/// be set back by `cp -p` or `rsync -t`) is unchanged.
struct FileFingerprint: Sendable, Equatable {
    var identity: FileIdentity
    var digest: String

    /// The byte count the body has (set to what was actually read for a file held in memory).
    var size: Int {
        get { Int(identity.size) }
        set { identity.size = Int64(newValue) }
    }

    /// Whole seconds of the modification time (`Last-Modified`).
    var modifiedSeconds: Int64 { identity.modifiedSeconds }
}
