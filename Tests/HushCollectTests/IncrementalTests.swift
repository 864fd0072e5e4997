import Foundation
import HushCore
import XCTest

@testable import HushCollect

/// The incremental state in the cache directory makes a second run skip work, and is an
/// optimisation only —
/// every incremental result is compared with a cold run (`incremental = false`) of the same
/// sources into a fresh directory.
final class IncrementalTests: PipelineTestCase {
    /// a.css → b.css → c.css → img/c.png, plus unrelated u1.css (→ img/u.png), u2.css and app.js.
    func writeChain() throws {
        try root.write("src/css/a.css", "@import \"b.css\";\n.a { color: red; }\n" + Self.cssLike(2000, seed: 1))
        try root.write("src/css/b.css", "@import \"c.css\";\n.b { color: green; }\n" + Self.cssLike(2000, seed: 2))
        try root.write("src/css/c.css", ".c { background: url(../img/c.png); }\n" + Self.cssLike(2000, seed: 3))
        try root.write("src/css/u1.css", ".u1 { background: url(../img/u.png); }\n" + Self.cssLike(2000, seed: 4))
        try root.write("src/css/u2.css", Self.cssLike(2000, seed: 5))
        try root.write("src/js/app.js", "console.log('app');\n" + Self.cssLike(2000, seed: 6))
        try root.write("src/img/c.png", randomBytes(300, seed: 7))
        try root.write("src/img/u.png", randomBytes(300, seed: 8))
    }

    static let rewritableCount = 6

    /// Where the incremental state of ``output`` lives.
    var statePath: String { CacheDirectory(path: cacheDirectory).statePath(for: output) }

    func changeC() throws {
        try root.write(
            "src/css/c.css",
            ".c { background: url(../img/c.png); border: 0; }\n" + Self.cssLike(2100, seed: 9)
        )
    }

    /// A cold run of the current sources, with the same settings, into a fresh directory.
    func coldTree(_ configure: (inout CollectConfiguration) -> Void = { _ in }) throws -> [String: Data] {
        let cold = path("cold-\(UUID().uuidString)/static")
        try collect(output: cold) {
            configure(&$0)
            $0.incremental = false
        }
        return try tree(cold)
    }

    /// STATIC_ROOT without the hashed files (and siblings) of earlier runs that retention kept:
    /// every name the current staticfiles.json does not list, except the two manifests.
    func currentTree() throws -> [String: Data] {
        let paths = try manifestPaths()
        var named: Set<String> = ["staticfiles.json", "hush-manifest.json"]
        for name in Array(paths.keys) + Array(paths.values) {
            named.formUnion([name] + ContentCoding.allCases.map { name + $0.fileSuffix })
        }
        return try tree().filter { named.contains($0.key) }
    }

    func assertEqualsColdRun(
        _ configure: (inout CollectConfiguration) -> Void = { _ in },
        file: StaticString = #filePath,
        line: UInt = #line
    ) throws {
        let cold = try coldTree(configure)
        let current = try currentTree()
        XCTAssertEqual(Set(current.keys), Set(cold.keys), file: file, line: line)
        for (name, data) in cold where current[name] != data {
            XCTFail("\(name) differs from a cold run", file: file, line: line)
        }
    }

    func testUnchangedSecondRunRewritesNothingAndPublishesTheSameTree() throws {
        try writeChain()
        let first = try collect()
        XCTAssertEqual(first.rewritten, Self.rewritableCount)
        let before = try tree()
        let second = try collect()
        XCTAssertEqual(second.rewritten, 0)
        XCTAssertEqual(try tree(), before)
    }

    func testChangingOneCSSRewritesExactlyItAndTheFilesThatReferenceIt() throws {
        try writeChain()
        try collect()
        let old = try manifestPaths()
        try changeC()
        let summary = try collect()
        XCTAssertEqual(summary.rewritten, 3, "c.css, b.css (imports c) and a.css (imports b)")
        let new = try manifestPaths()
        XCTAssertEqual(Set(new.keys.filter { new[$0] != old[$0] }), ["css/a.css", "css/b.css", "css/c.css"])
        try assertEqualsColdRun()
    }

    /// Reused siblings are linked from the previous tree (same inode); the changed content's
    /// siblings are new files (the old ones still existed while they were written, so a new inode).
    /// Only c.css's own bytes changed: the originals of a.css and b.css are untouched (their
    /// hashed copies get new names and so new files anyway).
    func testOnlyChangedContentIsRecompressed() throws {
        try writeChain()
        try collect()
        let old = try manifestPaths()
        let untouched =
            ["css/a.css", "css/b.css"] + ["css/u1.css", "css/u2.css", "js/app.js"].flatMap { [$0, old[$0]!] }
        let changed = ["css/c.css"]
        var inodes: [String: UInt64] = [:]
        for name in untouched + changed {
            for suffix in ContentCoding.allCases.map(\.fileSuffix) {
                inodes[name + suffix] = try XCTUnwrap(inode(name + suffix), name + suffix)
            }
        }
        try changeC()
        try collect()
        for name in untouched {
            for suffix in ContentCoding.allCases.map(\.fileSuffix) {
                XCTAssertEqual(
                    inode(name + suffix),
                    inodes[name + suffix],
                    "\(name)\(suffix) was recompressed although its content did not change"
                )
            }
        }
        for name in changed {
            for suffix in ContentCoding.allCases.map(\.fileSuffix) {
                XCTAssertNotEqual(
                    inode(name + suffix),
                    inodes[name + suffix],
                    "\(name)\(suffix) kept the old sibling of changed content"
                )
            }
        }
        try assertEqualsColdRun()
    }

    @discardableResult
    func corruptCacheThenCollect(_ corrupt: ([UInt8]) -> [UInt8]) throws -> CollectSummary {
        try writeChain()
        try collect()
        try changeC()
        let cachePath = statePath
        let cache = Array(try Data(contentsOf: URL(fileURLWithPath: cachePath)))
        XCTAssertGreaterThan(cache.count, 100)
        try Data(corrupt(cache)).write(to: URL(fileURLWithPath: cachePath))
        return try collect()
    }

    func testGarbageCacheMeansAFullRunWithCorrectOutput() throws {
        let summary = try corruptCacheThenCollect { _ in randomBytes(4096, seed: 99) }
        XCTAssertEqual(summary.rewritten, Self.rewritableCount)
        try assertEqualsColdRun()
    }

    func testCacheWithAnotherSettingsLineMeansAFullRunWithCorrectOutput() throws {
        let summary = try corruptCacheThenCollect { cache in
            let text = String(decoding: cache, as: UTF8.self)
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            XCTAssertTrue(lines[1].hasPrefix("settings\t"), lines[1])
            lines[1] = "settings\thush-collect-1;static=/other/;js-modules=false"
            return Array(lines.joined(separator: "\n").utf8)
        }
        XCTAssertEqual(summary.rewritten, Self.rewritableCount)
        try assertEqualsColdRun()
    }

    func testCacheTruncatedInTheMiddleGivesCorrectOutput() throws {
        try corruptCacheThenCollect { Array($0.prefix($0.count / 2)) }
        try assertEqualsColdRun()
    }

    /// A content record cut right after its `br` sibling size (an interrupted write, a full disk)
    /// still parses; the `.gz` sibling it no longer mentions must not go missing from the output.
    func testCacheTruncatedInsideAContentRecordLosesNoSibling() throws {
        try corruptCacheThenCollect { cache in
            let text = String(decoding: cache, as: UTF8.self)
            guard let record = text.range(of: "\nc\t"),
                let gz = text.range(of: "\tgzip\t", range: record.upperBound..<text.endIndex)
            else {
                XCTFail("no content record with a gzip sibling in the cache")
                return cache
            }
            return Array(text[..<gz.lowerBound].utf8)
        }
        try assertEqualsColdRun()
    }

    func testEmptyAndDeletedCacheGiveCorrectOutput() throws {
        try corruptCacheThenCollect { _ in [] }
        try assertEqualsColdRun()
        try FileManager.default.removeItem(atPath: statePath)
        try root.write("src/css/u2.css", Self.cssLike(2200, seed: 10))
        try collect()
        try assertEqualsColdRun()
    }

    /// The cache trusts an old output by size and mtime; an output edited in place after the run
    /// (size changed) must be produced again, not linked into the new tree.
    func testOutputsEditedInPlaceAfterTheRunAreRedone() throws {
        try writeChain()
        try collect()
        let paths = try manifestPaths()
        for name in [
            paths["css/u1.css"]!, "css/u2.css", paths["img/u.png"]!, paths["js/app.js"]! + ".br", "css/u2.css.gz",
        ] {
            let handle = try XCTUnwrap(FileHandle(forWritingAtPath: output + "/" + name), name)
            try handle.truncate(atOffset: 0)
            try handle.write(contentsOf: Data("edited in place\n".utf8))
            try handle.close()
        }
        try collect()
        try assertEqualsColdRun()
    }

    func testChangingStaticURLInvalidatesTheCache() throws {
        try writeChain()
        try root.write("src/css/abs.css", ".abs { background: url(/assets/img/u.png); }\n")
        try collect()
        XCTAssertTrue(
            try bytes(try manifestPaths()["css/abs.css"]!)
                == Array(".abs { background: url(/assets/img/u.png); }\n".utf8),
            "premise: not under /static/"
        )
        let summary = try collect { $0.staticURL = "/assets/" }
        XCTAssertEqual(summary.rewritten, Self.rewritableCount + 1)
        try assertEqualsColdRun { $0.staticURL = "/assets/" }
        XCTAssertTrue(
            String(decoding: try bytes(try manifestPaths()["css/abs.css"]!), as: UTF8.self).contains(
                "/assets/img/u.\(Self.md5(randomBytes(300, seed: 8))).png"
            )
        )
    }

    func testChangingCompressionSettingsInvalidatesTheCache() throws {
        try writeChain()
        try collect()
        try collect { $0.compression = CompressionPolicy(codings: [.gzip]) }
        try assertEqualsColdRun { $0.compression = CompressionPolicy(codings: [.gzip]) }
        XCTAssertFalse(try currentTree().keys.contains { $0.hasSuffix(".br") })
        try collect { $0.compression = CompressionPolicy(ratio: 0.2) }
        try assertEqualsColdRun { $0.compression = CompressionPolicy(ratio: 0.2) }
        try collect()
        try assertEqualsColdRun()
    }

    /// Content first published under a skipped name (a .png, never compressed) and later also as
    /// .css: the cache knows the content, but never compressed it — the .css must still get
    /// its siblings, as in a cold run.
    func testContentFirstSeenUnderASkippedNameIsCompressedWhenItAppearsAsCSS() throws {
        let text = Self.cssLike(3000, seed: 51)
        try root.write("src/img/sprite.png", text)
        try collect()
        try root.write("src/css/sprite.css", text)
        try collect()
        XCTAssertTrue(exists("css/sprite.css.br"), "css/sprite.css.br missing after an incremental run")
        XCTAssertTrue(exists("css/sprite.css.gz"), "css/sprite.css.gz missing after an incremental run")
        try assertEqualsColdRun()
    }

    func testKeepOnlyHashedIncrementalRunEqualsAColdRun() throws {
        try writeChain()
        try collect { $0.keepOnlyHashed = true }
        try changeC()
        let summary = try collect { $0.keepOnlyHashed = true }
        XCTAssertEqual(summary.rewritten, 3)
        try assertEqualsColdRun { $0.keepOnlyHashed = true }
    }

    /// A → B → A: the third run's content was published two runs ago (and is still carried over
    /// by retention); the result is still exactly a cold run's.
    func testRevertingAChangeGivesTheColdRunsTree() throws {
        try writeChain()
        try collect()
        let original = try manifestPaths()
        try changeC()
        try collect()
        try writeChain()
        let summary = try collect()
        XCTAssertEqual(summary.rewritten, 3)
        XCTAssertEqual(try manifestPaths(), original)
        try assertEqualsColdRun()
    }
}
