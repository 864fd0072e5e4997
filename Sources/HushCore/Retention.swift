import Foundation

/// How long files of earlier collects stay published, for rolling deploys: a browser holding a
/// page rendered by the previous release must still find that release's hashed assets.
///
/// A previous manifest is kept when it is among the ``keepVersions`` most recently retired ones
/// **or** was retired at most ``maxAgeDays`` days ago — the rule of Phoenix's
/// `mix phx.digest.clean --keep N --age S` ("keep the latest N versions as well as any digest
/// created in the last S seconds"): the age limit can only extend retention, never shorten it.
public struct RetentionPolicy: Sendable, Equatable {
    /// How many previous manifests to keep besides the current one (`--keep-versions`, default 2).
    public var keepVersions: Int
    /// Also keep every previous manifest retired at most this many days ago (`--max-age-days`);
    /// `nil` (the default) keeps by count only.
    public var maxAgeDays: Int?

    /// - Parameters:
    ///   - keepVersions: previous manifests to keep; negative values count as 0.
    ///   - maxAgeDays: keep anything retired within this many days as well; `nil` for no age rule.
    public init(keepVersions: Int = 2, maxAgeDays: Int? = nil) {
        self.keepVersions = max(0, keepVersions)
        self.maxAgeDays = maxAgeDays
    }
}

/// One earlier `staticfiles.json`, as kept in the manifest history.
public struct ManifestVersion: Sendable, Equatable {
    /// Its file name in ``ManifestHistory/directory`` (see ``ManifestHistory/fileName(retiredAt:manifest:)``).
    public var fileName: String
    /// When it stopped being the current manifest (a newer collect replaced it).
    public var retiredAt: Date
    /// Its content.
    public var manifest: Manifest

    public init(fileName: String, retiredAt: Date, manifest: Manifest) {
        self.fileName = fileName
        self.retiredAt = retiredAt
        self.manifest = manifest
    }
}

/// Where earlier manifests are kept and how their files are named.
///
/// `STATIC_ROOT/.hush/manifests/<retired>-<hash>.json`, where `<retired>` is the UTC time the
/// manifest was replaced as `YYYYMMDDTHHMMSSZ` and `<hash>` is Django's 12-digit manifest hash;
/// the content is the replaced `staticfiles.json`, byte for byte. Names sort chronologically, the
/// date survives copies that lose modification times, and the directory starts with a dot so
/// that it is never served.
public enum ManifestHistory {
    /// The history directory, relative to STATIC_ROOT.
    public static let directory = ".hush/manifests"

    /// The history file name for `manifest` retired at `retiredAt` (whole seconds, UTC).
    public static func fileName(retiredAt: Date, manifest: Manifest) -> String {
        UTCTimestamp.format(Int64(retiredAt.timeIntervalSince1970.rounded(.down))) + "-" + manifest.hash + ".json"
    }

    /// The retirement date and manifest hash encoded in a history file name, or `nil` for a name
    /// Hush did not write (such files are ignored and never deleted).
    public static func parse(fileName: String) -> (retiredAt: Date, hash: String)? {
        let utf8 = Array(fileName.utf8)
        // 16 (timestamp) + 1 + 12 (hash) + 5 (".json")
        guard utf8.count == 34, fileName.hasSuffix(".json"), utf8[16] == UInt8(ascii: "-") else { return nil }
        guard let seconds = UTCTimestamp.parse(String(decoding: utf8[0..<16], as: UTF8.self)) else { return nil }
        let hash = String(decoding: utf8[17..<29], as: UTF8.self)
        guard hash.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else { return nil }
        return (Date(timeIntervalSince1970: TimeInterval(seconds)), hash)
    }
}

/// What ``Retention/plan(current:history:existingFiles:policy:now:)`` decided. Paths are relative
/// to STATIC_ROOT, `/`-separated.
public struct RetentionPlan: Sendable, Equatable {
    /// History files of the previous manifests kept, newest first.
    public var keptVersions: [String]
    /// History files of the previous manifests that fell outside the policy, to delete.
    public var expiredVersions: [String]
    /// Existing files that a kept manifest (the current one included) names, with their `.br`,
    /// `.zst` and `.gz` siblings. A collector publishing through a fresh staging directory
    /// carries these over.
    public var keep: [String]
    /// Existing files to delete: named by an expired manifest, by no kept one, and not a sibling of
    /// a kept name; with their `.br`/`.zst`/`.gz` siblings, and the `dcz` deltas whose target or
    /// dictionary goes. Sorted.
    public var delete: [String]

    public init(keptVersions: [String], expiredVersions: [String], keep: [String], delete: [String]) {
        self.keptVersions = keptVersions
        self.expiredVersions = expiredVersions
        self.keep = keep
        self.delete = delete
    }
}

/// The retention planner: pure, so every rule is unit-tested without a file system.
public enum Retention {
    /// Decides which files of earlier collects stay and which go.
    ///
    /// Only files some **expired** manifest names are ever deleted: a file Hush never recorded
    /// (put in STATIC_ROOT by hand, or collected before any history existed) is left alone, and so
    /// is everything the current manifest or a kept previous one names — originals and hashed
    /// names alike — and their siblings.
    ///
    /// - Parameters:
    ///   - current: the manifest of the latest collect (`STATIC_ROOT/staticfiles.json`).
    ///   - history: previous manifests in any order. Entries with the current manifest's hash
    ///     are the current version recorded again and count as neither kept nor expired versions.
    ///   - existingFiles: the files present in STATIC_ROOT, relative paths.
    ///   - policy: how many versions / days to keep.
    ///   - now: the time to measure ages against.
    public static func plan(
        current: Manifest,
        history: [ManifestVersion],
        existingFiles: Set<String>,
        policy: RetentionPolicy,
        now: Date
    ) -> RetentionPlan {
        let currentHash = current.hash
        let previous =
            history
            .filter { $0.manifest.hash != currentHash }
            .sorted { ($0.retiredAt, $0.fileName) > ($1.retiredAt, $1.fileName) }
        var kept: [ManifestVersion] = []
        var expired: [ManifestVersion] = []
        var keptHashes: Set<String> = []
        for version in previous {
            let hash = version.manifest.hash
            // A version recorded twice counts once toward N.
            let withinCount = keptHashes.contains(hash) || keptHashes.count < policy.keepVersions
            let withinAge =
                policy.maxAgeDays.map { now.timeIntervalSince(version.retiredAt) <= Double($0) * 86_400 } ?? false
            if withinCount || withinAge {
                kept.append(version)
                keptHashes.insert(hash)
            } else {
                expired.append(version)
            }
        }

        var keptNames = names(current)
        for version in kept { keptNames.formUnion(names(version.manifest)) }
        var protected = keptNames
        for name in keptNames { for coding in ContentCoding.allCases { protected.insert(name + coding.fileSuffix) } }

        var doomed: Set<String> = []
        for version in expired {
            for name in names(version.manifest) where !keptNames.contains(name) {
                for path in [name] + ContentCoding.allCases.map({ name + $0.fileSuffix })
                where existingFiles.contains(path) && !protected.contains(path) {
                    doomed.insert(path)
                }
            }
        }
        // Dictionary-compressed deltas (`target.<dictionary hash>.dcz`, ``DictionaryCompression``)
        // go with whichever of their two files goes first: a delta is useless without its target,
        // and no browser can hold a dictionary the server stopped publishing for long.
        var expiredNames: Set<String> = []
        for version in expired { expiredNames.formUnion(names(version.manifest)) }
        for path in existingFiles {
            guard let delta = DictionaryCompression.parseDeltaPath(path) else { continue }
            if keptNames.contains(delta.target) && keptNames.contains(delta.dictionary) {
                protected.insert(path)
            } else if [delta.target, delta.dictionary].contains(where: {
                expiredNames.contains($0) && !keptNames.contains($0)
            }) {
                doomed.insert(path)
            }
        }
        let keep = existingFiles.filter { protected.contains($0) }
        return RetentionPlan(
            keptVersions: kept.map(\.fileName),
            expiredVersions: expired.map(\.fileName),
            keep: keep.sorted(by: utf8Order),
            delete: doomed.sorted(by: utf8Order)
        )
    }

    private static func names(_ manifest: Manifest) -> Set<String> {
        Set(manifest.paths.keys).union(manifest.paths.values)
    }

    private static func utf8Order(_ a: String, _ b: String) -> Bool {
        Array(a.utf8).lexicographicallyPrecedes(Array(b.utf8))
    }
}

/// `YYYYMMDDTHHMMSSZ` (ISO 8601 basic format, UTC) ↔ seconds since the Unix epoch, without
/// calendars or locales (the calendar arithmetic is ``HTTPDate``'s).
enum UTCTimestamp {
    static func format(_ seconds: Int64) -> String {
        let c = HTTPDate.civil(fromEpochSeconds: seconds)
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return pad(c.year, 4) + pad(c.month, 2) + pad(c.day, 2) + "T" + pad(c.hour, 2) + pad(c.minute, 2)
            + pad(c.second, 2) + "Z"
    }

    static func parse(_ text: String) -> Int64? {
        let utf8 = Array(text.utf8)
        guard utf8.count == 16, utf8[8] == UInt8(ascii: "T"), utf8[15] == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in utf8[range] {
                guard (0x30...0x39).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(4..<6), let day = number(6..<8),
            let hour = number(9..<11), let minute = number(11..<13), let second = number(13..<15),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60
        else { return nil }
        let seconds = HTTPDate.epochSeconds(
            of: HTTPDate.Civil(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        )
        // Reject dates that do not exist (Feb 30): they would not format back to the same text.
        return format(seconds) == text ? seconds : nil
    }
}
