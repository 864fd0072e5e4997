import Glibc
import HushCore
import HushSystem

/// A run writes into a staging directory beside STATIC_ROOT and publishes it with one atomic
/// rename, so a failed or interrupted run leaves the previous STATIC_ROOT exactly as it was and
/// a server never sees a half-written tree.
///
/// Names beside STATIC_ROOT (`BASE` is its last component, `PID` the run's process):
/// - `.BASE.hush-staging-PID`: the tree being built (after an exchange: the old tree, doomed);
/// - `.BASE.hush-retired-PID`: the previous STATIC_ROOT, moved aside by the two-rename publish of
///   filesystems without `RENAME_EXCHANGE`; complete by construction, so the next run restores it
///   when STATIC_ROOT is missing (earlier versions named it `.BASE.hush-staging-PID.old`);
/// - `.BASE.hush-discard-PID`: a retired tree being deleted; never restored.
struct Staging {
    /// The directory inside every Hush output that holds its marker (see ``OutputOwnership``).
    static let markerDirectory = ".hush"

    /// The steps of the publish on filesystems without `RENAME_EXCHANGE`, after which a test may
    /// stop it as a crash would.
    enum PublishStep: CaseIterable, Sendable {
        /// STATIC_ROOT renamed to the retired name; it does not exist now.
        case retired
        /// The staged tree renamed to STATIC_ROOT.
        case published
        /// The retired tree renamed to the discard name, not yet deleted.
        case discarding
    }

    /// STATIC_ROOT as given.
    let output: String
    /// Where this run writes.
    let path: String
    /// What STATIC_ROOT held when the run started: nil when missing or empty.
    var previous: OutputOwnership.Kind? = nil
    /// The retired tree an interrupted run left, restored as STATIC_ROOT before this run began.
    var restored: String? = nil

    /// The directory holding STATIC_ROOT and the names of this run's siblings of it.
    private var directory: String { PosixPath.split(path).head }
    private var base: String { PosixPath.split(PosixPath.normpath(output)).tail }
    var retiredPath: String { directory + "/.\(base).hush-retired-\(getpid())" }
    var discardPath: String { directory + "/.\(base).hush-discard-\(getpid())" }

    /// Restores STATIC_ROOT if an interrupted run left it missing, checks that it may be replaced
    /// (`adopt` takes over a `collectstatic` output) and creates an empty staging directory
    /// beside it. A dry run stages in the system's temporary directory and creates, restores and
    /// removes nothing beside `output`.
    static func prepare(output: String, dryRun: Bool = false, adopt: Bool = false) throws(CollectError) -> Staging {
        let (parent, base) = PosixPath.split(PosixPath.normpath(output))
        let besideOutput = parent.isEmpty ? "." : parent
        var restored: String?
        if !dryRun {
            // Before anything else: the last complete tree goes back where it belongs.
            restored = try recover(output: output, directory: besideOutput, base: base)
        }
        var previous: OutputOwnership.Kind?
        if let type = Syscall.fileType(output, follow: false) {
            if type == .symbolicLink {
                throw .writeFailed(
                    path: output,
                    reason: "is a symlink; publishing would replace the link, so give the directory it points to"
                )
            }
            guard type == .directory else {
                throw .writeFailed(path: output, reason: "exists and is not a directory")
            }
            if !(FileSystem.entries(output) ?? []).isEmpty {
                let kind = OutputOwnership.kind(of: output)
                switch kind {
                case .hush: break
                case .collectstatic: if !adopt { throw .outputFromCollectstatic(output) }
                case .foreign: throw adopt ? .notAdoptable(output) : .outputNotOwned(output)
                }
                previous = kind
            }
        }
        let directory: String
        if dryRun {
            directory = (getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp")
        } else {
            directory = besideOutput
            try FileSystem.makeDirectories(directory)
        }
        let staging = directory + "/.\(base).hush-staging-\(getpid())"
        FileSystem.removeTree(staging)
        do { try Syscall.mkdir(staging) } catch { throw .writeFailed(path: staging, reason: error.reason) }
        return Staging(output: output, path: staging, previous: previous, restored: restored)
    }

    /// What runs that were killed (their process is gone) left beside STATIC_ROOT. When STATIC_ROOT
    /// is missing, the newest retired tree is renamed back to it first; then, STATIC_ROOT being a
    /// complete tree again, the other leftovers are removed. Returns the restored tree's path.
    static func recover(output: String, directory: String, base: String) throws(CollectError) -> String? {
        var retired: [(path: String, pid: Int32, changed: Int)] = []
        var doomed: [String] = []
        for entry in FileSystem.entries(directory) ?? [] {
            guard let leftover = Leftover(entry, base: base), leftover.pid != getpid(),
                !Syscall.processExists(leftover.pid)
            else { continue }
            let path = directory + "/" + entry
            if leftover.isRetired {
                guard let info = try? Syscall.stat(path, follow: false), FileType(mode: info.st_mode) == .directory
                else { continue }
                retired.append((path, leftover.pid, Int(FileIdentity(info).changed)))
            } else {
                doomed.append(path)
            }
        }
        var restored: String?
        if !FileSystem.exists(output), let newest = retired.max(by: { $0.changed < $1.changed }) {
            do { try Syscall.rename(newest.path, to: output) } catch {
                throw .cannotRestore(output: output, retired: newest.path, reason: error.reason)
            }
            restored = newest.path
            retired.removeAll { $0.path == newest.path }
        }
        // STATIC_ROOT exists (or nothing was ever published): nothing left here is the last
        // complete tree. Retired trees are renamed before deletion, so a half-deleted one can
        // never be restored.
        guard FileSystem.exists(output) || retired.isEmpty else { return restored }
        for (path, pid, _) in retired {
            let discard = directory + "/.\(base).hush-discard-\(pid)"
            if (try? Syscall.rename(path, to: discard)) != nil { FileSystem.removeTree(discard) }
        }
        for path in doomed { FileSystem.removeTree(path) }
        return restored
    }

    /// Makes the staged tree STATIC_ROOT: an atomic exchange when an old tree exists
    /// (`renameat2(RENAME_EXCHANGE)`), then the old tree is removed. `exchange: false` takes the
    /// path of filesystems without it; `stopAfter` ends the publish there as a crash would (tests).
    func publish(
        exchange: Bool = true,
        stopAfter: PublishStep? = nil,
        afterRetire: ((String) -> Void)? = nil
    ) throws(CollectError) {
        // The staged tree must be whole: never recreate a vanished staging directory.
        guard FileSystem.exists(path + "/" + Manifest.fileName) else {
            throw .writeFailed(path: path, reason: "the staged tree disappeared before it could be published")
        }
        try OutputOwnership.mark(path)
        guard FileSystem.exists(output) else {
            do { try Syscall.rename(path, to: output) } catch { throw .writeFailed(path: output, reason: error.reason) }
            return
        }
        if exchange && (try? Syscall.exchange(path, output)) != nil {
            FileSystem.removeTree(path)
            return
        }
        // Filesystems without RENAME_EXCHANGE (NFS, CIFS, ZFS < 2.2): two renames, with a window
        // in which STATIC_ROOT is absent but never half-written. At every instant one complete
        // tree is under a name the next run restores from: STATIC_ROOT, or the retired name.
        let retired = retiredPath
        let discard = discardPath
        do { try Syscall.rename(output, to: retired) } catch { throw .writeFailed(path: output, reason: error.reason) }
        if stopAfter == .retired { return }
        afterRetire?(retired)
        do { try Syscall.rename(path, to: output) } catch {
            guard (try? Syscall.rename(retired, to: output)) != nil else {
                // The previous tree stays whole under the retired name: the next run restores it.
                throw .cannotRestore(output: output, retired: retired, reason: error.reason)
            }
            throw .writeFailed(path: output, reason: error.reason)
        }
        if stopAfter == .published { return }
        guard (try? Syscall.rename(retired, to: discard)) != nil else { return }
        if stopAfter == .discarding { return }
        FileSystem.removeTree(discard)
    }

    /// Throws the staged tree away.
    func discard() {
        FileSystem.removeTree(path)
    }
}

/// A name beside STATIC_ROOT that a run of process `pid` left.
private struct Leftover {
    let pid: Int32
    /// A complete previous STATIC_ROOT (restorable), not a staging or discard tree.
    let isRetired: Bool

    init?(_ entry: String, base: String) {
        let prefix = ".\(base).hush-"
        guard entry.hasPrefix(prefix) else { return nil }
        let rest = entry.dropFirst(prefix.count)
        var pidText: Substring
        if rest.hasPrefix("staging-") {
            pidText = rest.dropFirst("staging-".count)
            // Earlier versions' retired tree: `.BASE.hush-staging-PID.old`.
            isRetired = pidText.hasSuffix(".old")
            if isRetired { pidText = pidText.dropLast(4) }
        } else if rest.hasPrefix("retired-") {
            pidText = rest.dropFirst("retired-".count)
            isRetired = true
        } else if rest.hasPrefix("discard-") {
            pidText = rest.dropFirst("discard-".count)
            isRetired = false
        } else {
            return nil
        }
        guard let pid = Int32(pidText), pid > 0 else { return nil }
        self.pid = pid
    }
}
