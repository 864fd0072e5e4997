import Foundation
import HushCore
import HushSystem

/// What a run remembers in `CACHE_DIR/outputs/<key>/state` (see ``CacheDirectory``; never in
/// STATIC_ROOT, which is public) so the next run into the same STATIC_ROOT can skip work whose output
/// would be the same: reading and hashing unchanged sources, rewriting CSS/JS whose references
/// still resolve to the same names, compressing and fingerprinting content it has seen before.
///
/// The cache is an optimisation only. It is trusted per entry and only when both sides still
/// match: a source by its size, modification and change times, inode and device; an output in
/// the old STATIC_ROOT by its size and modification time; a rewrite by replaying every question
/// it asked of the tree. Anything else — a missing, corrupt or foreign cache, other settings —
/// means the work is done again, never a wrong output. The state also names the tree it describes
/// (the MD5 of the `hush-manifest.json` that run published, which lists every file's SHA-384): a
/// state left by another tree at that path — a run with another cache directory, a restored
/// backup — is not used.
///
/// The format is line-based text (one record per line, tab-separated, `\\`, tab and newline
/// escaped), which reads several times faster than JSON for thousands of entries.
struct CollectCache: Sendable {
    // 4: sibling sizes keyed by content-coding token (`br`, `gzip`) instead of file suffix.
    // 5: zstd siblings (`zstd`); a state written before them never recorded any, so it is not
    // trusted. Any other first line is a state this build cannot read: it is ignored, never misread.
    static let formatLine = "hush-cache 5"

    /// The settings the outputs were produced with (see ``ReusePolicy/settingsFingerprint(_:)``).
    var settings: String
    /// MD5 (hex) of the `hush-manifest.json` published with this state.
    var tree = ""
    /// Source path as found → what was found there.
    var sources: [String: SourceRecord] = [:]
    /// Relative path in STATIC_ROOT → the file written there.
    var outputs: [String: OutputRecord] = [:]
    /// MD5 (full hex) of a content → what was derived from it.
    var contents: [String: ContentRecord] = [:]
    /// ``rewriteKey(md5:name:path:)`` → how that file's references were rewritten.
    var rewrites: [String: RewriteRecord] = [:]

    init(settings: String) { self.settings = settings }

    /// A source as it was read. Reused only if all of its identity is unchanged: size, mtime,
    /// ctime (which cannot be set back), inode and device.
    struct SourceRecord: Sendable, Equatable {
        var identity: FileIdentity
        var md5: String

        func matches(_ now: FileIdentity) -> Bool { identity == now }
    }

    struct OutputRecord: Sendable, Equatable {
        var size: Int64
        var modified: Int64
        /// MD5 of the content (nil for compressed siblings).
        var md5: String?

        /// Size and mtime only: outputs are hard-linked between trees, which moves their ctime.
        func matches(_ now: FileIdentity) -> Bool { size == now.size && modified == now.modified }
    }

    struct ContentRecord: Sendable, Equatable {
        /// Whether this content was put through the compressors (false: seen only under names
        /// the policy skips, so nothing is known about its siblings).
        var compressed: Bool
        /// Kept sibling sizes by coding; empty when none was worth keeping.
        var siblings: [ContentCoding: Int64]
        /// `sha384-…`.
        var integrity: String
        /// A path in STATIC_ROOT whose siblings hold this content compressed.
        var siblingPath: String?
    }

    struct RewriteRecord: Sendable, Equatable {
        var outputMD5: String
        var outputSize: Int64
        var trace: [LookupRecord]
        /// Source maps referenced but missing, left as written under `--missing-sourcemaps warn`.
        var missingMaps: [MissingMap] = []
    }

    static func rewriteKey(md5: String, name: String, path: String) -> String {
        md5 + "\u{1}" + name + "\u{1}" + path
    }

    /// The state at `path`, if it exists, parses, matches `settings` and describes the tree whose
    /// `hush-manifest.json` has the MD5 `tree`.
    static func load(from path: String, settings: String, tree: String) -> CollectCache? {
        guard let data = FileManager.default.contents(atPath: path),
            let cache = decode(Array(data), settings: settings), cache.tree == tree
        else { return nil }
        return cache
    }

    func encoded() -> [UInt8] {
        var out = Self.formatLine + "\n" + Self.line(["settings", settings]) + Self.line(["tree", tree])
        for (path, r) in sources {
            let id = r.identity
            out += Self.line([
                "s", path, String(id.size), String(id.modified), String(id.changed), String(id.inode),
                String(id.device), r.md5,
            ])
        }
        for (path, r) in outputs {
            out += Self.line(["o", path, String(r.size), String(r.modified), r.md5 ?? "-"])
        }
        for (md5, r) in contents {
            let siblings = r.siblings.sorted { $0.key.token < $1.key.token }.flatMap {
                [$0.key.token, String($0.value)]
            }
            out += Self.line(
                ["c", md5, r.compressed ? "1" : "0", r.integrity, r.siblingPath.map { "+" + $0 } ?? "-"] + siblings
            )
        }
        for (key, r) in rewrites {
            let trace = r.trace.flatMap { [$0.kind.rawValue, $0.key, $0.answer.map { "+" + $0 } ?? "-"] }
            out += Self.line(["r", key, r.outputMD5, String(r.outputSize)] + trace)
            for map in r.missingMaps { out += Self.line(["m", key, String(map.line), map.reference, map.target]) }
        }
        // A last line with the MD5 of everything before it: a truncated or altered cache is
        // ignored as a whole.
        var bytes = Array(out.utf8)
        bytes += Array(Self.line(["end", MD5.hex(bytes)]).utf8)
        return bytes
    }

    static func decode(_ bytes: [UInt8], settings: String) -> CollectCache? {
        // Check the closing checksum line before trusting anything.
        guard bytes.last == 0x0a, let lastBreak = bytes.dropLast().lastIndex(of: 0x0a) else { return nil }
        let body = bytes[...lastBreak]
        guard fields(bytes[(lastBreak + 1)..<(bytes.count - 1)]) == ["end", MD5.hex(body)] else { return nil }
        var lines = body.split(separator: 0x0a, omittingEmptySubsequences: true).makeIterator()
        guard let first = lines.next(), String(decoding: first, as: UTF8.self) == formatLine,
            let second = lines.next(), fields(second) == ["settings", settings],
            let third = lines.next(), case let tree = fields(third), tree.count == 2, tree[0] == "tree"
        else { return nil }
        var cache = CollectCache(settings: settings)
        cache.tree = tree[1]
        while let raw = lines.next() {
            let f = fields(raw)
            guard let tag = f.first else { return nil }
            switch tag {
            case "s":
                guard f.count == 8, let size = Int64(f[2]), let modified = Int64(f[3]), let changed = Int64(f[4]),
                    let inode = UInt64(f[5]), let device = UInt64(f[6])
                else { return nil }
                let identity = FileIdentity(
                    device: device,
                    inode: inode,
                    size: size,
                    modified: modified,
                    changed: changed
                )
                cache.sources[f[1]] = SourceRecord(identity: identity, md5: f[7])
            case "o":
                guard f.count == 5, let size = Int64(f[2]), let modified = Int64(f[3]) else { return nil }
                cache.outputs[f[1]] = OutputRecord(size: size, modified: modified, md5: f[4] == "-" ? nil : f[4])
            case "c":
                guard f.count >= 5, f.count % 2 == 1, f[2] == "0" || f[2] == "1" else { return nil }
                var siblings: [ContentCoding: Int64] = [:]
                var i = 5
                while i + 1 < f.count {
                    guard let coding = ContentCoding.allCases.first(where: { $0.token == f[i] }),
                        let size = Int64(f[i + 1])
                    else { return nil }
                    siblings[coding] = size
                    i += 2
                }
                cache.contents[f[1]] = ContentRecord(
                    compressed: f[2] == "1",
                    siblings: siblings,
                    integrity: f[3],
                    siblingPath: optional(f[4])
                )
            case "r":
                guard f.count >= 4, (f.count - 4) % 3 == 0, let size = Int64(f[3]) else { return nil }
                var trace: [LookupRecord] = []
                var i = 4
                while i + 2 < f.count {
                    guard let kind = LookupRecord.Kind(rawValue: f[i]) else { return nil }
                    trace.append(LookupRecord(kind: kind, key: f[i + 1], answer: optional(f[i + 2])))
                    i += 3
                }
                cache.rewrites[f[1]] = RewriteRecord(outputMD5: f[2], outputSize: size, trace: trace)
            case "m":
                // A missing map of the rewrite record written just before it.
                guard f.count == 5, cache.rewrites[f[1]] != nil, let line = Int(f[2]) else { return nil }
                cache.rewrites[f[1]]?.missingMaps.append(MissingMap(line: line, reference: f[3], target: f[4]))
            default:
                return nil
            }
        }
        return cache
    }

    /// `-` is nil, `+text` is text.
    private static func optional(_ field: String) -> String? {
        field == "-" ? nil : String(field.dropFirst())
    }

    private static func line(_ fields: [String]) -> String {
        fields.map(escape).joined(separator: "\t") + "\n"
    }

    private static func escape(_ field: String) -> String {
        guard field.utf8.contains(where: { $0 == 0x5c || $0 == 0x09 || $0 == 0x0a }) else { return field }
        var out = ""
        for scalar in field.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    private static func fields(_ line: ArraySlice<UInt8>) -> [String] {
        var result: [String] = []
        var current: [UInt8] = []
        var escaped = false
        for byte in line {
            if escaped {
                current.append(byte == UInt8(ascii: "t") ? 0x09 : byte == UInt8(ascii: "n") ? 0x0a : byte)
                escaped = false
            } else if byte == 0x5c {
                escaped = true
            } else if byte == 0x09 {
                result.append(String(decoding: current, as: UTF8.self))
                current.removeAll(keepingCapacity: true)
            } else {
                current.append(byte)
            }
        }
        result.append(String(decoding: current, as: UTF8.self))
        return result
    }
}
