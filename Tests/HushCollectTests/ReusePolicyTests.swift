import Foundation
import HushCompress
import HushCore
import HushSystem
import XCTest

@testable import HushCollect

/// Issue 13: every "may this be reused?" decision comes from ``ReusePolicy``. Each table row
/// changes one input against a state that would otherwise be reused; the disk is a table too.
final class ReusePolicyTests: XCTestCase {
    static let sourceMD5 = "0123456789abcdef0123456789abcdef"
    static let rewrittenMD5 = "fedcba9876543210fedcba9876543210"
    static let hashedName = "css/a.fedcba987654.css"

    /// A file identity as `stat` would report it.
    static func signature(
        size: Int64,
        modified: Int64,
        changed: Int64 = 5,
        inode: UInt64 = 7,
        device: UInt64 = 1
    ) -> FileIdentity {
        FileIdentity(device: device, inode: inode, size: size, modified: modified, changed: changed)
    }

    /// A state that reuses everything, and the disk it describes.
    static func baseline() -> (cache: CollectCache, disk: [String: FileIdentity]) {
        var cache = CollectCache(settings: "s")
        let source = signature(size: 10, modified: 100)
        cache.sources["/src/css/a.css"] = CollectCache.SourceRecord(identity: source, md5: sourceMD5)
        cache.outputs["css/a.css"] = CollectCache.OutputRecord(size: 10, modified: 200, md5: sourceMD5)
        cache.outputs[hashedName] = CollectCache.OutputRecord(size: 12, modified: 200, md5: rewrittenMD5)
        cache.outputs[hashedName + ".br"] = CollectCache.OutputRecord(size: 4, modified: 200, md5: nil)
        cache.outputs[hashedName + ".gz"] = CollectCache.OutputRecord(size: 6, modified: 200, md5: nil)
        cache.rewrites[CollectCache.rewriteKey(md5: sourceMD5, name: "css/a.css", path: "css/a.css")] =
            CollectCache.RewriteRecord(
                outputMD5: rewrittenMD5,
                outputSize: 12,
                trace: [LookupRecord(kind: .entry, key: "img", answer: "directory")]
            )
        cache.contents[rewrittenMD5] = CollectCache.ContentRecord(
            compressed: true,
            siblings: [.br: 4, .gzip: 6],
            integrity: "sha384-x",
            siblingPath: hashedName
        )
        let disk = [
            "/src/css/a.css": source,
            "/old/css/a.css": signature(size: 10, modified: 200),
            "/old/" + hashedName: signature(size: 12, modified: 200),
            "/old/" + hashedName + ".br": signature(size: 4, modified: 200),
            "/old/" + hashedName + ".gz": signature(size: 6, modified: 200),
        ]
        return (cache, disk)
    }

    static func policy(
        _ cache: CollectCache?,
        _ disk: [String: FileIdentity],
        missingSourceMaps: MissingSourceMaps = .error
    ) -> ReusePolicy {
        ReusePolicy(root: "/old", cache: cache, missingSourceMaps: missingSourceMaps) { path, _ in disk[path] }
    }

    struct Row {
        var name: String
        var change: (inout CollectCache, inout [String: FileIdentity]) -> Void
        var reused: Bool
    }

    func testSourceIsReusedOnlyWhenItAndItsPublishedCopyAreUnchanged() {
        let rows: [Row] = [
            Row(name: "unchanged", change: { _, _ in }, reused: true),
            Row(
                name: "source size",
                change: { _, d in d["/src/css/a.css"] = Self.signature(size: 11, modified: 100) },
                reused: false
            ),
            Row(
                name: "source mtime",
                change: { _, d in d["/src/css/a.css"] = Self.signature(size: 10, modified: 101) },
                reused: false
            ),
            Row(
                name: "source ctime",
                change: { _, d in d["/src/css/a.css"] = Self.signature(size: 10, modified: 100, changed: 6) },
                reused: false
            ),
            Row(
                name: "source inode",
                change: { _, d in d["/src/css/a.css"] = Self.signature(size: 10, modified: 100, inode: 8) },
                reused: false
            ),
            Row(
                name: "source device",
                change: { _, d in d["/src/css/a.css"] = Self.signature(size: 10, modified: 100, device: 2) },
                reused: false
            ),
            Row(name: "source gone", change: { _, d in d["/src/css/a.css"] = nil }, reused: false),
            Row(name: "source not in the state", change: { c, _ in c.sources = [:] }, reused: false),
            Row(
                name: "old copy size",
                change: { _, d in d["/old/css/a.css"] = Self.signature(size: 9, modified: 200) },
                reused: false
            ),
            Row(
                name: "old copy mtime",
                change: { _, d in d["/old/css/a.css"] = Self.signature(size: 10, modified: 201) },
                reused: false
            ),
            Row(name: "old copy gone", change: { _, d in d["/old/css/a.css"] = nil }, reused: false),
            Row(
                name: "old copy of other content",
                change: { c, _ in c.outputs["css/a.css"]?.md5 = Self.rewrittenMD5 },
                reused: false
            ),
        ]
        for row in rows {
            var (cache, disk) = Self.baseline()
            row.change(&cache, &disk)
            let decision = Self.policy(cache, disk).source(at: "/src/css/a.css", name: "css/a.css")
            XCTAssertEqual(decision != nil, row.reused, row.name)
            if let decision {
                XCTAssertEqual(
                    decision,
                    ReusePolicy.ReusedSource(
                        md5: Self.sourceMD5,
                        size: 10,
                        identity: Self.signature(size: 10, modified: 100),
                        output: "css/a.css"
                    )
                )
            }
        }
        XCTAssertNil(Self.policy(nil, Self.baseline().disk).source(at: "/src/css/a.css", name: "css/a.css"), "no state")
    }

    func testRewriteIsReusedOnlyWhenItsQuestionsReplayAndItsOutputIsIntact() {
        struct RewriteRow {
            var name: String
            var change: (inout CollectCache, inout [String: FileIdentity]) -> Void = { _, _ in }
            var replays = true
            var missingSourceMaps = MissingSourceMaps.error
            var reused: Bool
        }
        let key = CollectCache.rewriteKey(md5: Self.sourceMD5, name: "css/a.css", path: "css/a.css")
        let rows: [RewriteRow] = [
            RewriteRow(name: "unchanged", reused: true),
            RewriteRow(name: "a referenced name changed", replays: false, reused: false),
            RewriteRow(
                name: "hashed copy edited",
                change: { _, d in d["/old/" + Self.hashedName] = Self.signature(size: 12, modified: 201) },
                reused: false
            ),
            RewriteRow(name: "hashed copy gone", change: { _, d in d["/old/" + Self.hashedName] = nil }, reused: false),
            RewriteRow(
                name: "hashed copy of other content",
                change: { c, _ in c.outputs[Self.hashedName]?.md5 = Self.sourceMD5 },
                reused: false
            ),
            RewriteRow(
                name: "missing maps under error",
                change: { c, _ in
                    c.rewrites[key]?.missingMaps = [MissingMap(line: 1, reference: "x", target: "a.map")]
                },
                reused: false
            ),
            RewriteRow(
                name: "missing maps under warn",
                change: { c, _ in
                    c.rewrites[key]?.missingMaps = [MissingMap(line: 1, reference: "x", target: "a.map")]
                },
                missingSourceMaps: .warn,
                reused: true
            ),
        ]
        for row in rows {
            var (cache, disk) = Self.baseline()
            row.change(&cache, &disk)
            let policy = Self.policy(cache, disk, missingSourceMaps: row.missingSourceMaps)
            guard let memo = policy.rewrite(md5: Self.sourceMD5, name: "css/a.css", path: "css/a.css") else {
                XCTFail("\(row.name): no recorded rewrite")
                continue
            }
            var replayed: [LookupRecord]?
            let reused = policy.mayReuse(
                memo,
                hashedName: { "css/a.\($0).css" },
                replays: {
                    replayed = $0
                    return row.replays
                }
            )
            XCTAssertEqual(reused, row.reused, row.name)
            XCTAssertEqual(
                replayed,
                row.missingSourceMaps == .error && !memo.missingMaps.isEmpty ? nil : memo.trace,
                row.name
            )
        }
        let (cache, disk) = Self.baseline()
        XCTAssertNil(
            Self.policy(cache, disk).rewrite(md5: Self.rewrittenMD5, name: "css/a.css", path: "css/a.css"),
            "other source content"
        )
        XCTAssertNil(
            Self.policy(cache, disk).rewrite(md5: Self.sourceMD5, name: "css/b.css", path: "css/b.css"),
            "other name"
        )
    }

    func testSiblingsAreLinkedOnlyWhenEveryKeptOneIsIntact() {
        let rows: [(String, (inout CollectCache, inout [String: FileIdentity]) -> Void, ReusePolicy.Siblings)] = [
            ("unchanged", { _, _ in }, .link(from: Self.hashedName, sizes: [.br: 4, .gzip: 6])),
            (
                "br sibling edited",
                { _, d in d["/old/" + Self.hashedName + ".br"] = Self.signature(size: 4, modified: 201) }, .compress
            ),
            ("gz sibling gone", { _, d in d["/old/" + Self.hashedName + ".gz"] = nil }, .compress),
            ("recorded size differs", { c, _ in c.contents[Self.rewrittenMD5]?.siblings[.gzip] = 7 }, .compress),
            ("seen only under skipped names", { c, _ in c.contents[Self.rewrittenMD5]?.compressed = false }, .compress),
            ("compressed, none kept", { c, _ in c.contents[Self.rewrittenMD5]?.siblings = [:] }, .noneKept),
            ("no path holds them", { c, _ in c.contents[Self.rewrittenMD5]?.siblingPath = nil }, .compress),
            ("content unknown", { c, _ in c.contents = [:] }, .compress),
        ]
        for (name, change, expected) in rows {
            var (cache, disk) = Self.baseline()
            change(&cache, &disk)
            XCTAssertEqual(Self.policy(cache, disk).siblings(of: Self.rewrittenMD5), expected, name)
        }
        XCTAssertEqual(Self.policy(nil, Self.baseline().disk).siblings(of: Self.rewrittenMD5), .compress, "no state")
    }

    func testEverySettingThatChangesOutputChangesTheFingerprint() {
        let base = CollectConfiguration(sources: [], output: "/out")
        let changes: [(String, (inout CollectConfiguration) -> Void)] = [
            ("STATIC_URL", { $0.staticURL = "/assets/" }),
            ("js modules", { $0.jsModules = true }),
            ("keep only hashed", { $0.keepOnlyHashed = true }),
            ("compression ratio", { $0.compression.ratio = 0.5 }),
            ("skipped extensions", { $0.compression.skippedExtensions.insert("css") }),
        ]
        for (name, change) in changes {
            var changed = base
            change(&changed)
            XCTAssertNotEqual(ReusePolicy.settingsFingerprint(changed), ReusePolicy.settingsFingerprint(base), name)
        }
        var unrelated = base
        unrelated.jobs = 3
        unrelated.output = "/elsewhere"
        XCTAssertEqual(
            ReusePolicy.settingsFingerprint(unrelated),
            ReusePolicy.settingsFingerprint(base),
            "not an output setting"
        )
    }

    func testStateIsLoadedOnlyUnderItsOwnSettings() {
        var (cache, _) = Self.baseline()
        cache.settings = "settings-a"
        let bytes = cache.encoded()
        XCTAssertEqual(CollectCache.decode(bytes, settings: "settings-a")?.contents, cache.contents, "round trip")
        XCTAssertEqual(CollectCache.decode(bytes, settings: "settings-a")?.sources, cache.sources, "round trip")
        XCTAssertNil(CollectCache.decode(bytes, settings: "settings-b"), "other settings")
    }

    /// A state in the earlier format (siblings keyed by suffix) is ignored as a whole, not read
    /// with its siblings lost or misattributed.
    func testStateInAnEarlierFormatIsIgnored() {
        let body =
            "hush-cache 3\nsettings\ts\ntree\tt\nc\t\(Self.rewrittenMD5)\t1\tsha384-x\t+\(Self.hashedName)\t.br\t4\t.gz\t6\n"
        let bytes = Array(body.utf8) + Array("end\t\(MD5.hex(Array(body.utf8)))\n".utf8)
        XCTAssertNil(CollectCache.decode(bytes, settings: "s"))
        let current = body.replacingOccurrences(of: "hush-cache 3", with: CollectCache.formatLine)
            .replacingOccurrences(of: ".br", with: "br").replacingOccurrences(of: ".gz", with: "gzip")
        let valid = Array(current.utf8) + Array("end\t\(MD5.hex(Array(current.utf8)))\n".utf8)
        XCTAssertEqual(
            CollectCache.decode(valid, settings: "s")?.contents[Self.rewrittenMD5]?.siblings,
            [.br: 4, .gzip: 6],
            "premise: the same record in the current format is read"
        )
    }

    /// Format 4 knew no zstd: a content it recorded as compressed never got a `.zst`, so its
    /// record must not stand for this run's siblings. The whole state is ignored.
    func testStateFromBeforeZstdIsIgnored() {
        let body = "settings\ts\ntree\tt\nc\t\(Self.rewrittenMD5)\t1\tsha384-x\t+\(Self.hashedName)\tbr\t4\tgzip\t6\n"
        func state(_ format: String) -> [UInt8] {
            let text = format + "\n" + body
            return Array(text.utf8) + Array("end\t\(MD5.hex(Array(text.utf8)))\n".utf8)
        }
        XCTAssertNil(CollectCache.decode(state("hush-cache 4"), settings: "s"))
        XCTAssertEqual(CollectCache.formatLine, "hush-cache 5")
        XCTAssertEqual(
            CollectCache.decode(state(CollectCache.formatLine), settings: "s")?.contents[Self.rewrittenMD5]?.siblings,
            [.br: 4, .gzip: 6],
            "premise: the same state under the current format line is read"
        )
        // The encoder fingerprint that goes into the settings line names zstd's settings too.
        XCTAssertTrue(Compressor.fingerprint.hasPrefix("encoders2;"), Compressor.fingerprint)
    }
}
