import Foundation
import HushCore
import XCTest

@testable import HushCollect

/// Rolling deploys. Hashed files (and siblings) of earlier runs stay published
/// for `keepVersions` previous manifests; originals never do.
final class RetentionPipelineTests: PipelineTestCase {
    func version(_ n: Int) -> String { ".app { content: \"v\(n)\"; }\n" + Self.cssLike(2000 + 10 * n, seed: UInt64(n)) }

    /// Collects with app.css at version `n`; returns app.css's hashed name.
    @discardableResult
    func deploy(_ n: Int, _ configure: (inout CollectConfiguration) -> Void = { _ in }) throws -> String {
        try root.write("src/css/app.css", version(n))
        try root.write("src/img/logo.svg", "<svg/>\n")
        try collect(configure)
        let hashed = try manifestPaths()["css/app.css"]!
        XCTAssertEqual(hashed, "css/app.\(Self.md5(version(n))).css", "premise: app.css has no references")
        return hashed
    }

    func historyFiles() throws -> [String] {
        let directory = output + "/.hush/manifests"
        guard FileManager.default.fileExists(atPath: directory) else { return [] }
        return try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
    }

    func testPreviousRunsHashedFileAndSiblingsSurviveTheNextDeploy() throws {
        let first = try deploy(1)
        let firstManifest = try bytes("staticfiles.json")
        let firstSiblings = try [bytes(first), bytes(first + ".br"), bytes(first + ".gz")]
        let second = try deploy(2)
        XCTAssertNotEqual(first, second)
        XCTAssertEqual(try [bytes(first), bytes(first + ".br"), bytes(first + ".gz")], firstSiblings)
        XCTAssertEqual(try bytes(first), Array(version(1).utf8))
        XCTAssertEqual(try bytes(second), Array(version(2).utf8))
        let history = try historyFiles()
        XCTAssertEqual(history.count, 1, "\(history)")
        XCTAssertEqual(
            try bytes(".hush/manifests/" + (history.first ?? "-")),
            firstManifest,
            "the history holds run 1's staticfiles.json byte for byte"
        )
        XCTAssertFalse(
            try manifestPaths().values.contains(first),
            "the current manifest names only the current version"
        )
    }

    func testAfterFourDeploysOnlyTheTwoPreviousVersionsRemain() throws {
        let names = try (1...4).map { try deploy($0) }
        XCTAssertEqual(Set(names).count, 4)
        XCTAssertFalse(exists(names[0]), "run 1's hashed file is beyond keep-versions 2")
        for coding in ContentCoding.allCases {
            XCTAssertFalse(exists(names[0] + coding.fileSuffix), names[0] + coding.fileSuffix)
        }
        for name in names[1...] {
            XCTAssertTrue(exists(name), name)
            for coding in ContentCoding.allCases {
                XCTAssertTrue(exists(name + coding.fileSuffix), name + coding.fileSuffix)
            }
        }
        let history = try historyFiles()
        XCTAssertEqual(history.count, 2, "\(history)")
    }

    func testKeepVersionsZeroDropsEveryOldHashedFile() throws {
        let first = try deploy(1)
        let second = try deploy(2) { $0.retention = RetentionPolicy(keepVersions: 0) }
        XCTAssertFalse(exists(first))
        XCTAssertFalse(exists(first + ".br"))
        XCTAssertFalse(exists(first + ".gz"))
        XCTAssertTrue(exists(second))
        XCTAssertEqual(try historyFiles(), [])
    }

    func testOriginalsOfRemovedFilesAreNeverCarriedOver() throws {
        try root.write("src/css/old.css", Self.cssLike(2000, seed: 77))
        try deploy(1)
        let oldHashed = try manifestPaths()["css/old.css"]!
        try FileManager.default.removeItem(atPath: path("src/css/old.css"))
        try deploy(2)
        XCTAssertFalse(exists("css/old.css"), "the unhashed copy of a removed file is not carried over")
        XCTAssertFalse(exists("css/old.css.br"))
        XCTAssertFalse(exists("css/old.css.gz"))
        XCTAssertTrue(exists(oldHashed), "its hashed copy is, for pages of the previous release")
        XCTAssertTrue(exists(oldHashed + ".br"))
        XCTAssertNil(try manifestPaths()["css/old.css"])
    }

    func testMaxAgeDaysKeepsRecentVersionsBeyondTheCount() throws {
        let first = try deploy(1)
        try deploy(2) { $0.retention = RetentionPolicy(keepVersions: 0, maxAgeDays: 1) }
        XCTAssertTrue(exists(first), "retired just now: within one day")
        XCTAssertEqual(try historyFiles().count, 1)
    }

    /// Hashed files the earlier version shares with the current one are current files, not copies.
    func testUnchangedFilesAreNotDuplicatedByRetention() throws {
        try deploy(1)
        let logo = try manifestPaths()["img/logo.svg"]!
        try deploy(2)
        try deploy(3)
        XCTAssertEqual(try bytes(logo), Array("<svg/>\n".utf8))
        XCTAssertEqual(try manifestPaths()["img/logo.svg"], logo)
    }

    /// Deploys in quick succession (a CI retry, a scripted rollback) retire manifests within the
    /// same second, and history names have one-second resolution. Before the fix, four runs in a
    /// row kept the oldest version and dropped the previous-but-one in 3 of 8 content variants
    /// (ties were broken by manifest hash). Each retired version must get a later name than the
    /// newest recorded one, so after run 4 runs 2 and 3 are kept and run 1 is not, whatever the
    /// hashes.
    func testVersionsRetiredWithinOneSecondAreKeptNewestFirst() throws {
        for variant in 0..<12 {
            let out = path("variant\(variant)/static")
            var names: [String] = []
            for v in 1...4 {
                try root.write("src/css/app.css", ".app { content: \"\(variant)-\(v)\"; }\n")
                try collect(output: out)
                names.append(try manifestPaths(in: out)["css/app.css"]!)
            }
            let records = try FileManager.default.contentsOfDirectory(atPath: out + "/.hush/manifests").sorted()
            XCTAssertEqual(records.count, 2, "variant \(variant): \(records)")
            XCTAssertEqual(Set(records).count, records.count)
            XCTAssertTrue(
                exists(names[1], in: out),
                "variant \(variant): run 2's \(names[1]) (retired after run 1's) was dropped"
            )
            XCTAssertTrue(exists(names[2], in: out), "variant \(variant): run 3's \(names[2]) was dropped")
            XCTAssertFalse(
                exists(names[0], in: out),
                "variant \(variant): run 1's \(names[0]) is beyond keep-versions 2 but was kept"
            )
        }
    }
}
