import Glibc
import HushSystem
import NIOConcurrencyHelpers

/// The background pass after each scan: reads the digest cache file at start-up (off the path to
/// the first response), then hashes, only while the core is otherwise idle, every file of the
/// table whose digest the store does not know, and writes the digest cache file. Requests never wait for
/// it — a file requested first is hashed by its request — but after it no request hashes a large
/// file on an event loop, and the next start finds every digest in the cache.
///
/// One pass runs at a time: a reload starts a new one and the old one stops at its next file.
final class DigestPass: Sendable {
    private let generation = NIOLockedValueBox(0)
    /// Whether no pass is running (for tests and shutdown).
    private let idle = NIOLockedValueBox(true)

    /// Starts a pass over `table` on a thread of its own: it first reads the digest cache file
    /// if the store has not yet, then, when `hashing`, hashes what is missing and writes
    /// `cacheFile`.
    func start(table: FileTable, hashing: Bool, cacheFile: String?, warn: @escaping @Sendable (String) -> Void) {
        let mine = generation.withLockedValue {
            $0 += 1
            return $0
        }
        idle.withLockedValue { $0 = false }
        BackgroundThread.run {
            // The event loops keep their cores; the pass takes only what they leave idle.
            Syscall.runCallingThreadOnlyWhenIdle()
            table.loader.digests.readCacheIfUnread()
            let finished =
                hashing ? Self.hashAll(table) { self.generation.withLockedValue { $0 } != mine } : nil
            if let identities = finished, let cacheFile {
                table.loader.digests.save(to: cacheFile, keeping: identities, warn: warn)
            }
            // What the pass gathered (every identity, the file's bytes) is freed: return it.
            Syscall.releaseFreeMemory()
            if self.generation.withLockedValue({ $0 }) == mine { self.idle.withLockedValue { $0 = true } }
        }
    }

    /// Stops the running pass at its next file.
    func cancel() {
        generation.withLockedValue { $0 += 1 }
        idle.withLockedValue { $0 = true }
    }

    /// Whether no pass is running.
    var isIdle: Bool { idle.withLockedValue { $0 } }

    /// Hashes every file of `table` (primaries and siblings) the store does not know. Returns the
    /// identities of all of them, or nil when cancelled.
    static func hashAll(_ table: FileTable, cancelled: () -> Bool) -> Set<FileIdentity>? {
        let loader = table.loader
        var identities = Set<FileIdentity>()
        var cancelledNow = false
        table.pathIndex.forEachEntry { primary, entry in
            if cancelledNow { return }
            if cancelled() {
                cancelledNow = true
                return
            }
            hash(primary, loader: loader, into: &identities)
            for sibling in entry.siblings { hash(primary + sibling.suffix, loader: loader, into: &identities) }
        }
        if cancelledNow { return nil }
        return identities
    }

    /// Hashes the file at `rel` unless the store knows its identity; adds the identity.
    private static func hash(_ rel: String, loader: EntryLoader, into identities: inout Set<FileIdentity>) {
        let path = loader.path(rel)
        guard let (fd, info) = try? FileTable.openRegularFile(path) else { return }
        defer { try? Syscall.close(fd) }
        let identity = FileIdentity(info)
        identities.insert(identity)
        if loader.digests.digest(for: identity) == nil, let digest = EntryLoader.hash(fd, path: path) {
            loader.digests.record(digest, for: identity)
        }
    }
}

/// A detached thread of its own (not a pool's: the pass lowers its own priority).
enum BackgroundThread {
    private final class Job {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    static func run(_ body: @escaping @Sendable () -> Void) {
        let job = Unmanaged.passRetained(Job(body))
        var thread = pthread_t()
        let started = pthread_create(
            &thread,
            nil,
            { argument in
                guard let argument else { return nil }
                Unmanaged<Job>.fromOpaque(argument).takeRetainedValue().body()
                return nil
            },
            job.toOpaque()
        )
        if started == 0 {
            pthread_detach(thread)
        } else {
            // No thread to be had: run it here rather than not at all.
            job.takeRetainedValue().body()
        }
    }
}
