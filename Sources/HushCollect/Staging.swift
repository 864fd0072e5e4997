#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import HushCore

/// A run writes into a staging directory beside STATIC_ROOT and publishes it with one atomic
/// rename, so a failed or interrupted run leaves the previous STATIC_ROOT exactly as it was and
/// a server never sees a half-written tree.
struct Staging {
    /// The directory inside every Hush output that marks it as Hush's to replace.
    static let markerDirectory = ".hush"

    /// STATIC_ROOT as given.
    let output: String
    /// Where this run writes.
    let path: String

    /// Checks that `output` may be replaced and creates an empty staging directory beside it.
    /// A dry run stages in the system's temporary directory and creates nothing beside `output`.
    static func prepare(output: String, dryRun: Bool = false) throws(CollectError) -> Staging {
        var info = stat()
        if lstat(output, &info) == 0 {
            if info.st_mode & S_IFMT == S_IFLNK {
                throw .writeFailed(path: output, reason: "is a symlink; publishing would replace the link, so give the directory it points to")
            }
            guard info.st_mode & S_IFMT == S_IFDIR else {
                throw .writeFailed(path: output, reason: "exists and is not a directory")
            }
            let entries = FileSystem.entries(output) ?? []
            if !entries.isEmpty && !entries.contains(markerDirectory) { throw .outputNotOwned(output) }
        }
        let (parent, base) = PosixPath.split(PosixPath.normpath(output))
        let directory: String
        if dryRun {
            directory = (getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp")
        } else {
            directory = parent.isEmpty ? "." : parent
            try FileSystem.makeDirectories(directory)
            removeAbandonedStaging(in: directory, base: base)
        }
        let staging = directory + "/.\(base).hush-staging-\(getpid())"
        FileSystem.removeTree(staging)
        guard mkdir(staging, 0o755) == 0 else { throw .writeFailed(path: staging, reason: Errno.describe(errno)) }
        return Staging(output: output, path: staging)
    }

    /// Staging directories of runs that were killed (their process is gone) are removed.
    private static func removeAbandonedStaging(in directory: String, base: String) {
        let prefix = ".\(base).hush-staging-"
        for entry in FileSystem.entries(directory) ?? [] where entry.hasPrefix(prefix) {
            let suffix = entry.dropFirst(prefix.count)
            let pidText = suffix.hasSuffix(".old") ? suffix.dropLast(4) : suffix
            guard let pid = Int32(pidText), pid != getpid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { FileSystem.removeTree(directory + "/" + entry) }
        }
    }

    /// Makes the staged tree STATIC_ROOT: an atomic exchange when an old tree exists
    /// (`renameat2(RENAME_EXCHANGE)`), then the old tree is removed.
    func publish() throws(CollectError) {
        // The staged tree must be whole: never recreate a vanished staging directory.
        guard FileSystem.exists(path + "/" + Manifest.fileName) else {
            throw .writeFailed(path: path, reason: "the staged tree disappeared before it could be published")
        }
        if mkdir(path + "/" + Self.markerDirectory, 0o755) != 0 && errno != EEXIST {
            throw .writeFailed(path: path + "/" + Self.markerDirectory, reason: Errno.describe(errno))
        }
        guard FileSystem.exists(output) else {
            guard rename(path, output) == 0 else { throw .writeFailed(path: output, reason: Errno.describe(errno)) }
            return
        }
        if Self.exchange(path, output) {
            FileSystem.removeTree(path)
            return
        }
        // Filesystems without RENAME_EXCHANGE: two renames, with a window in which STATIC_ROOT
        // is briefly absent but never half-written.
        let retired = path + ".old"
        FileSystem.removeTree(retired)
        guard rename(output, retired) == 0 else { throw .writeFailed(path: output, reason: Errno.describe(errno)) }
        guard rename(path, output) == 0 else {
            let reason = Errno.describe(errno)
            rename(retired, output)
            throw .writeFailed(path: output, reason: reason)
        }
        FileSystem.removeTree(retired)
    }

    /// Throws the staged tree away.
    func discard() {
        FileSystem.removeTree(path)
    }

    private static func exchange(_ a: String, _ b: String) -> Bool {
        #if os(Linux)
        return hush_renameat2(AT_FDCWD, a, AT_FDCWD, b, renameExchange) == 0
        #else
        return false
        #endif
    }
}

#if os(Linux)
/// `RENAME_EXCHANGE` from <linux/fs.h>.
private let renameExchange: UInt32 = 1 << 1

/// glibc's `renameat2` (2.28+). Its declaration is hidden behind `_GNU_SOURCE`, which the Swift
/// Glibc module is not built with, so the symbol is bound directly.
@_silgen_name("renameat2")
private func hush_renameat2(_ olddirfd: Int32, _ oldpath: UnsafePointer<CChar>, _ newdirfd: Int32, _ newpath: UnsafePointer<CChar>, _ flags: UInt32) -> Int32
#endif
