import Dispatch
import NIOConcurrencyHelpers

/// Rescans STATIC_ROOT into a new table and swaps it in, one rescan at a time: on SIGHUP, and by
/// itself when a file is found changed on disk since it was scanned (see ``OpenFile``).
final class Reloader: Sendable {
    let configuration: ServeConfiguration
    let tables: TableBox
    private let warn: @Sendable (String) -> Void
    /// Outcomes of the rescans, for the metrics.
    let history = ReloadHistory()
    private let lock = NIOLock()
    /// Whether a reload for a changed file is running or was run less than a second ago.
    private let changeReloadBusy = NIOLockedValueBox(false)
    /// Hashes what no request has yet, after each scan.
    let digestPass = DigestPass()

    init(configuration: ServeConfiguration, tables: TableBox, warn: @escaping @Sendable (String) -> Void) {
        self.configuration = configuration
        self.tables = tables
        self.warn = warn
    }

    /// Starts the background work after a scan: reading the digest cache file at start-up, then
    /// (if configured) the digest pass over the current table.
    func startDigestPass() {
        digestPass.start(
            table: tables.current,
            hashing: configuration.digests.hashInBackground,
            cacheFile: configuration.digests.cacheFile,
            warn: warn
        )
    }

    /// Rescans now; on error the current table stays. Only the directories are read: files are
    /// opened on their next request, and hashed only when their identity changed (the digest
    /// store is shared with the previous table), so a reload costs what changed.
    func reload() throws(ServeError) -> FileTable {
        lock.lock()
        defer { lock.unlock() }
        do {
            let table = try FileTable.load(configuration: configuration, previous: tables.current)
            tables.swap(table)
            history.reloaded(succeeded: true)
            startDigestPass()
            return table
        } catch {
            history.reloaded(succeeded: false)
            throw error
        }
    }

    /// Stops the digest pass and writes what requests hashed to the digest cache file.
    func finish() {
        digestPass.cancel()
        if let file = configuration.digests.cacheFile {
            // What the previous run cached stays in the file even if the pass never read it.
            let digests = tables.current.loader.digests
            digests.readCacheIfUnread()
            digests.save(to: file, keeping: nil, warn: warn)
        }
    }

    /// Rescans soon, off the event loop, because the file `name` changed on disk. Requests for
    /// it are refused until then. At most one such rescan runs per second, so a file being
    /// rewritten, or a reload that keeps failing, is not rescanned in a loop.
    func reloadSoon(changed name: String) {
        let start = changeReloadBusy.withLockedValue { busy in
            defer { busy = true }
            return !busy
        }
        guard start else { return }
        DispatchQueue.global().async {
            let root = self.configuration.root
            self.warn("hush: \(root)/\(name) changed on disk since it was loaded; reloading")
            do {
                let table = try self.reload()
                self.warn("hush: reloaded \(root) (\(table.count) files)")
            } catch {
                self.warn("hush: reload failed, still serving the previous files: \(error)")
            }
            DispatchQueue.global().asyncAfter(deadline: .now() + 1) {
                self.changeReloadBusy.withLockedValue { $0 = false }
            }
        }
    }
}
