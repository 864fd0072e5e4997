import Foundation
import HushCompress
import HushCore
import XCTest

@testable import HushCollect

/// Dictionary-compressed updates (RFC 9842 `dcz`): each run writes the current version of every
/// eligible hashed file compressed against each retained earlier version, next to it.
final class DeltaPipelineTests: PipelineTestCase {
    /// app.js at version `n`: 20 KB of varied code and one line that changes.
    func script(_ n: Int) -> String { Self.cssLike(3000, seed: 5) + "\nconst VERSION = \(n);\n" }

    /// Collects with app.js at version `n` and an image that changes too; app.js's hashed name.
    @discardableResult
    func deploy(_ n: Int, _ configure: (inout CollectConfiguration) -> Void = { _ in }) throws -> String {
        try root.write("src/js/app.js", script(n))
        try root.write("src/img/a.png", Array(repeating: UInt8(n), count: 3000))
        try root.write("src/css/same.css", Self.cssLike(3000, seed: 8))
        let summary = try collect(configure)
        lastSummary = summary
        return try manifestPaths()["js/app.js"]!
    }

    var lastSummary = CollectSummary()

    func deltas() throws -> [String] {
        try tree().keys.filter { $0.hasSuffix(".dcz") }.sorted()
    }

    func testEachRetainedVersionOfAnEligibleFileGetsADeltaThatDecodesToTheNewVersion() throws {
        let v1 = try deploy(1)
        XCTAssertEqual(try deltas(), [], "nothing to compress against yet")
        let v2 = try deploy(2)
        let v3 = try deploy(3)
        XCTAssertEqual(lastSummary.deltas, 2)
        let expected = [v1, v2].map { DictionaryCompression.deltaPath(target: v3, dictionary: $0)! }
        XCTAssertEqual(try deltas(), expected.sorted(), "the current version against each kept one; not v2 against v1")
        for (old, delta) in zip([v1, v2], expected) {
            let stream = try bytes(delta)
            XCTAssertEqual(try DeltaEncoder.decompress(stream, dictionary: bytes(old)), try bytes(v3))
            // A one-line change: the delta is a few dozen bytes, a fraction of the Brotli sibling.
            XCTAssertLessThan(stream.count, 120)
            XCTAssertLessThan(stream.count * 5, try bytes(v3 + ".br").count)
        }
    }

    func testDeltasExpireWithTheirDictionary() throws {
        let v1 = try deploy(1)
        try deploy(2)
        let v3 = try deploy(3) { $0.retention = RetentionPolicy(keepVersions: 1) }
        XCTAssertFalse(exists(v1))
        XCTAssertEqual(try deltas().count, 1)
        XCTAssertFalse(exists(DictionaryCompression.deltaPath(target: v3, dictionary: v1)!))
    }

    func testRunningAgainUnchangedKeepsTheDeltasAndIsNotRefusedForThem() throws {
        try deploy(1)
        try deploy(2)
        let before = try tree().filter { $0.key.hasSuffix(".dcz") }
        XCTAssertEqual(before.count, 1)
        // The published tree holds the deltas; the next run must know them as its own files.
        try deploy(2)
        XCTAssertEqual(try tree().filter { $0.key.hasSuffix(".dcz") }, before)
        XCTAssertEqual(lastSummary.deltas, 1)
    }

    func testTheCacheGivesTheSameDeltaToAFreshOutput() throws {
        try deploy(1)
        try deploy(2)
        let first = try tree().filter { $0.key.hasSuffix(".dcz") }
        // Another output with the same history: its deltas come from the cache, byte for byte.
        let other = path("other/static")
        try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
        try root.write("src/js/app.js", script(1))
        try collect(output: other)
        try root.write("src/js/app.js", script(2))
        try collect(output: other)
        XCTAssertEqual(try tree(other).filter { $0.key.hasSuffix(".dcz") }, first)
    }

    func testNoDczWritesNone() throws {
        try deploy(1)
        try deploy(2) { $0.dictionaryDeltas = false }
        XCTAssertEqual(try deltas(), [])
        XCTAssertEqual(lastSummary.deltas, 0)
    }

    func testADeltaThatSavesLessThanTenPercentIsNotWritten() throws {
        // Two unrelated tiny files: the delta is no smaller than the file itself.
        try root.write("src/js/app.js", "a=1\n")
        try collect()
        try root.write("src/js/app.js", "b=22\n")
        let summary = try collect()
        XCTAssertEqual(summary.deltas, 0)
        XCTAssertEqual(try deltas(), [])
    }

    func testPairsAreEveryDistinctEarlierNameOfTheSameOriginal() {
        let current = Manifest(paths: ["a.js": "a.333333333333.js", "b.png": "b.333333333333.png"])
        let kept = [
            Manifest(paths: ["a.js": "a.222222222222.js", "b.png": "b.222222222222.png"]),
            Manifest(paths: ["a.js": "a.222222222222.js"]),
            Manifest(paths: ["a.js": "a.333333333333.js"]),
            Manifest(paths: ["a.js": "a.111111111111.js"]),
        ]
        let pairs = DeltaPhase.pairs(current: current, kept: kept) { $0 != "a.111111111111.js" }
        XCTAssertEqual(
            pairs,
            [
                .init(
                    target: "a.333333333333.js",
                    dictionary: "a.222222222222.js",
                    delta: "a.333333333333.js.222222222222.dcz"
                )
            ]
        )
    }
}
