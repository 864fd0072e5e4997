import Synchronization

/// What a run did, for the one-line summary.
public struct CollectSummary: Sendable {
    /// Files collected (after ignoring and shadowing).
    public var found = 0
    /// Files written into STATIC_ROOT: originals, hashed copies, compressed siblings, manifests.
    public var written = 0
    /// Hashed copies among them.
    public var hashed = 0
    /// Files rewritten because they reference others.
    public var rewritten = 0
    /// Dictionary-compressed deltas (RFC 9842 `dcz`) written against retained versions.
    public var deltas = 0
    public var shadowed: [ShadowedFile] = []
    /// Files and directories skipped by ignore patterns.
    public var ignored = 0
    public var seconds = 0.0
    /// One line each, for standard error: source maps left as written (`--missing-sourcemaps warn`).
    public var warnings: [String] = []
    public var dryRun = false
    /// A previous STATIC_ROOT that an interrupted publish had left aside, put back before the run.
    public var restored: String?
    /// Whether the run took over a `collectstatic` output (`--adopt`).
    public var adopted = false
    /// Files in the replaced STATIC_ROOT that no manifest named, dropped (`--discard-unknown`).
    public var discarded: [String] = []

    public init() {}
}

/// Progress reports for a live status line.
public struct CollectProgress: Sendable {
    public enum Phase: String, Sendable {
        case copying, rewriting, writing, compressing
    }

    /// A file being read or compressed that is large enough to hold the line still for a while.
    public struct LargeFile: Sendable, Equatable {
        public var name: String
        public var size: Int64
    }

    /// From this size on a file is named while it is read and compressed: Brotli at quality 11
    /// does a few MB/s on text, so the count can stand still for seconds (minutes for a
    /// multi-GiB file, even one of zeros).
    public static let largeFileSize: Int64 = 16 << 20

    public var phase: Phase
    public var done: Int
    public var total: Int
    /// Large files in progress right now, by name.
    public var largeFiles: [LargeFile] = []

    /// The status line text: `compressing 3/40`, then the large file in progress, if any:
    /// `compressing 3/40 — media/big.dat (3.0 GiB) takes a while`.
    public var line: String {
        var text = "\(phase.rawValue) \(done)/\(total)"
        // The last report of a phase can come before its last file is struck off: done is done.
        if let first = largeFiles.first, done < total {
            text += " — \(first.name) (\(ByteCountText.describe(first.size)))"
            if largeFiles.count > 1 { text += " and \(largeFiles.count - 1) more large" }
            text += " takes a while"
        }
        return text
    }
}

/// The large files being worked on, for the status line.
final class LargeFilesInFlight: Sendable {
    private let files = Mutex<[CollectProgress.LargeFile]>([])

    func begin(_ name: String, size: Int64) { files.withLock { $0.append(.init(name: name, size: size)) } }
    func end(_ name: String) { files.withLock { list in list.removeAll { $0.name == name } } }
    var current: [CollectProgress.LargeFile] { files.withLock { $0 } }
}

/// Byte counts as people read them: `900 B`, `12 KiB`, `256 MiB`, `3.0 GiB`.
enum ByteCountText {
    static func describe(_ bytes: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        if unit == 0 { return "\(bytes) B" }
        // One decimal below 10 (3.0 GiB, 1.5 MiB), whole numbers above (256 MiB).
        guard value < 10 else { return "\(Int(value.rounded())) \(units[unit])" }
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10) \(units[unit])"
    }
}
