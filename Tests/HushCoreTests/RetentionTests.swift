import Foundation
import XCTest

@testable import HushCore

final class RetentionTests: XCTestCase {
    private let now = Date(timeIntervalSince1970: 1_795_593_600)  // 2026-11-25T08:00:00Z
    private let day: TimeInterval = 86_400

    /// A manifest of `app.css` and `app.js` with the given hashes, plus `extra` entries.
    private func manifest(_ css: String, _ js: String, _ extra: [String: String] = [:]) -> Manifest {
        Manifest(paths: ["app.css": "app.\(css).css", "app.js": "app.\(js).js"].merging(extra) { $1 })
    }

    private func version(_ manifest: Manifest, daysAgo: Double) -> ManifestVersion {
        let retired = now.addingTimeInterval(-daysAgo * day)
        return ManifestVersion(
            fileName: ManifestHistory.fileName(retiredAt: retired, manifest: manifest),
            retiredAt: retired,
            manifest: manifest
        )
    }

    /// Every name of every manifest, with both siblings, as if all were on disk.
    private func allFiles(_ manifests: [Manifest], plus extra: [String] = []) -> Set<String> {
        var files = Set(extra)
        for manifest in manifests {
            for name in Set(manifest.paths.keys).union(manifest.paths.values) {
                files.formUnion([name, name + ".br", name + ".gz"])
            }
        }
        return files
    }

    func testDefaultKeepsTheTwoMostRecentPreviousVersions() {
        let v1 = manifest("111111111111", "aaaaaaaaaaaa")
        let v2 = manifest("222222222222", "aaaaaaaaaaaa")
        let v3 = manifest("333333333333", "bbbbbbbbbbbb")
        let v4 = manifest("444444444444", "bbbbbbbbbbbb")
        let current = manifest("555555555555", "cccccccccccc")
        let history = [
            version(v3, daysAgo: 2), version(v1, daysAgo: 4), version(v4, daysAgo: 1), version(v2, daysAgo: 3),
        ]
        let plan = Retention.plan(
            current: current,
            history: history,
            existingFiles: allFiles([v1, v2, v3, v4, current]),
            policy: RetentionPolicy(),
            now: now
        )
        XCTAssertEqual(plan.keptVersions, [history[2].fileName, history[0].fileName], "newest first: v4, v3")
        XCTAssertEqual(plan.expiredVersions, [history[3].fileName, history[1].fileName])
        // app.aaaaaaaaaaaa.js is named only by v1 and v2: it goes, with its siblings.
        XCTAssertEqual(
            plan.delete,
            [
                "app.111111111111.css", "app.111111111111.css.br", "app.111111111111.css.gz",
                "app.222222222222.css", "app.222222222222.css.br", "app.222222222222.css.gz",
                "app.aaaaaaaaaaaa.js", "app.aaaaaaaaaaaa.js.br", "app.aaaaaaaaaaaa.js.gz",
            ]
        )
        XCTAssertTrue(plan.keep.contains("app.bbbbbbbbbbbb.js.br"))
        XCTAssertTrue(plan.keep.contains("app.css"), "the current originals are kept")
        XCTAssertTrue(Set(plan.keep).isDisjoint(with: plan.delete))
    }

    func testCurrentOriginalsAndHashedFilesAreNeverDeleted() {
        // Every expired manifest names app.css and app.js too; they are the current run's originals.
        let old = manifest("111111111111", "aaaaaaaaaaaa")
        let current = manifest("111111111111", "cccccccccccc")
        let plan = Retention.plan(
            current: current,
            history: [version(old, daysAgo: 10)],
            existingFiles: allFiles([old, current]),
            policy: RetentionPolicy(keepVersions: 0),
            now: now
        )
        XCTAssertEqual(plan.delete, ["app.aaaaaaaaaaaa.js", "app.aaaaaaaaaaaa.js.br", "app.aaaaaaaaaaaa.js.gz"])
    }

    func testUnrecordedFilesAndMissingFilesAreLeftOut() {
        let old = manifest("111111111111", "aaaaaaaaaaaa", ["gone.txt": "gone.999999999999.txt"])
        let current = manifest("555555555555", "cccccccccccc")
        // robots.txt is named by no manifest; gone.* and the .br of the old CSS are not on disk.
        var files = allFiles(
            [current],
            plus: ["robots.txt", "app.111111111111.css", "app.111111111111.css.gz", "app.aaaaaaaaaaaa.js"]
        )
        files.insert("other/app.111111111111.css")
        let plan = Retention.plan(
            current: current,
            history: [version(old, daysAgo: 10)],
            existingFiles: files,
            policy: RetentionPolicy(keepVersions: 0),
            now: now
        )
        XCTAssertEqual(plan.delete, ["app.111111111111.css", "app.111111111111.css.gz", "app.aaaaaaaaaaaa.js"])
    }

    func testMaxAgeKeepsRecentVersionsBeyondTheCountUpToTheExactDay() {
        let current = manifest("555555555555", "cccccccccccc")
        let v1 = manifest("111111111111", "aaaaaaaaaaaa")
        let v2 = manifest("222222222222", "aaaaaaaaaaaa")
        let v3 = manifest("333333333333", "aaaaaaaaaaaa")
        let history = [version(v3, daysAgo: 1), version(v2, daysAgo: 7), version(v1, daysAgo: 7 + 1 / day)]
        let plan = Retention.plan(
            current: current,
            history: history,
            existingFiles: allFiles([v1, v2, v3, current]),
            policy: RetentionPolicy(keepVersions: 1, maxAgeDays: 7),
            now: now
        )
        XCTAssertEqual(
            plan.keptVersions,
            [history[0].fileName, history[1].fileName],
            "v3 by count, v2 retired exactly 7 days ago"
        )
        XCTAssertEqual(plan.expiredVersions, [history[2].fileName], "v1 is 7 days and 1 second old")
        XCTAssertEqual(plan.delete, ["app.111111111111.css", "app.111111111111.css.br", "app.111111111111.css.gz"])
    }

    func testAgeOnlyExtendsRetentionNeverShortensIt() {
        let current = manifest("555555555555", "cccccccccccc")
        let old = manifest("111111111111", "aaaaaaaaaaaa")
        let plan = Retention.plan(
            current: current,
            history: [version(old, daysAgo: 400)],
            existingFiles: allFiles([old, current]),
            policy: RetentionPolicy(keepVersions: 2, maxAgeDays: 1),
            now: now
        )
        XCTAssertEqual(plan.expiredVersions, [])
        XCTAssertEqual(plan.delete, [])
    }

    func testZeroVersionsKeepsOnlyTheCurrentOneAndNegativeCountsAsZero() {
        let current = manifest("555555555555", "cccccccccccc")
        let old = manifest("111111111111", "cccccccccccc")
        for count in [0, -3] {
            let plan = Retention.plan(
                current: current,
                history: [version(old, daysAgo: 0)],
                existingFiles: allFiles([old, current]),
                policy: RetentionPolicy(keepVersions: count),
                now: now
            )
            XCTAssertEqual(
                plan.delete,
                ["app.111111111111.css", "app.111111111111.css.br", "app.111111111111.css.gz"],
                "\(count)"
            )
        }
    }

    func testARecordOfTheCurrentManifestIsNeitherKeptNorExpired() {
        let current = manifest("555555555555", "cccccccccccc")
        let v1 = manifest("111111111111", "aaaaaaaaaaaa")
        let history = [version(current, daysAgo: 0.5), version(v1, daysAgo: 1)]
        let plan = Retention.plan(
            current: current,
            history: history,
            existingFiles: allFiles([v1, current]),
            policy: RetentionPolicy(keepVersions: 1),
            now: now
        )
        XCTAssertEqual(
            plan.keptVersions,
            [history[1].fileName],
            "the current version does not use up the one kept slot"
        )
        XCTAssertEqual(plan.expiredVersions, [])
        XCTAssertEqual(plan.delete, [])
    }

    func testTheSameVersionRecordedTwiceCountsOnce() {
        let current = manifest("555555555555", "cccccccccccc")
        let v1 = manifest("111111111111", "aaaaaaaaaaaa")
        let v2 = manifest("222222222222", "aaaaaaaaaaaa")
        let history = [version(v2, daysAgo: 1), version(v2, daysAgo: 2), version(v1, daysAgo: 3)]
        let plan = Retention.plan(
            current: current,
            history: history,
            existingFiles: allFiles([v1, v2, current]),
            policy: RetentionPolicy(keepVersions: 2),
            now: now
        )
        XCTAssertEqual(plan.expiredVersions, [], "v2 twice and v1 are two versions")
    }

    func testASiblingOfAKeptNameIsProtectedEvenIfAnExpiredManifestNamesIt() {
        // An old run collected a literal app.js.gz; today app.js.gz is the sibling of the current app.js.
        let current = Manifest(paths: ["app.js": "app.cccccccccccc.js"])
        let old = Manifest(paths: ["app.js.gz": "app.js.0123456789ab.gz"])
        let plan = Retention.plan(
            current: current,
            history: [version(old, daysAgo: 30)],
            existingFiles: ["app.js", "app.js.gz", "app.js.0123456789ab.gz", "app.cccccccccccc.js"],
            policy: RetentionPolicy(keepVersions: 0),
            now: now
        )
        XCTAssertEqual(plan.delete, ["app.js.0123456789ab.gz"])
        XCTAssertEqual(plan.keep, ["app.cccccccccccc.js", "app.js", "app.js.gz"])
    }

    func testHistoryFileNamesEncodeTheRetirementTimeAndHash() throws {
        let manifest = manifest("111111111111", "aaaaaaaaaaaa")
        let name = ManifestHistory.fileName(retiredAt: now.addingTimeInterval(0.9), manifest: manifest)
        XCTAssertEqual(name, "20261125T080000Z-\(manifest.hash).json")
        let parsed = try XCTUnwrap(ManifestHistory.parse(fileName: name))
        XCTAssertEqual(parsed.retiredAt, now)
        XCTAssertEqual(parsed.hash, manifest.hash)
        for junk in [
            "notes.json", "20261125T080000Z-0123456789ab.txt", "20261125T080000Z-0123456789AB.json",
            "20260230T080000Z-0123456789ab.json", "20261125T250000Z-0123456789ab.json",
            "20261125T080000Z_0123456789ab.json",
        ] {
            XCTAssertNil(ManifestHistory.parse(fileName: junk), junk)
        }
    }

    func testUTCTimestampsMatchKnownDates() {
        let known: [(Int64, String)] = [
            (0, "19700101T000000Z"), (951_782_400, "20000229T000000Z"), (1_795_593_600, "20261125T080000Z"),
            (1_796_025_599, "20261130T075959Z"), (4_102_444_799, "20991231T235959Z"),
        ]
        for (seconds, text) in known {
            XCTAssertEqual(UTCTimestamp.format(seconds), text)
            XCTAssertEqual(UTCTimestamp.parse(text), seconds)
        }
    }
}

final class RetentionDeltaTests: XCTestCase {
    private let now = Date(timeIntervalSince1970: 1_795_593_600)

    private func version(_ js: String, daysAgo: Double) -> ManifestVersion {
        let manifest = Manifest(paths: ["app.js": "app.\(js).js"])
        let retired = now.addingTimeInterval(-daysAgo * 86_400)
        return ManifestVersion(
            fileName: ManifestHistory.fileName(retiredAt: retired, manifest: manifest),
            retiredAt: retired,
            manifest: manifest
        )
    }

    func testDeltasGoWithTheirDictionaryOrTargetAndStayWhileBothAreKept() {
        let current = Manifest(paths: ["app.js": "app.cccccccccccc.js"])
        let history = [version("bbbbbbbbbbbb", daysAgo: 1), version("aaaaaaaaaaaa", daysAgo: 2)]
        let files: Set<String> = [
            "app.cccccccccccc.js", "app.bbbbbbbbbbbb.js", "app.aaaaaaaaaaaa.js",
            "app.cccccccccccc.js.bbbbbbbbbbbb.dcz", "app.cccccccccccc.js.aaaaaaaaaaaa.dcz",
            "app.bbbbbbbbbbbb.js.aaaaaaaaaaaa.dcz",
            // A delta whose files no manifest names: not Hush's to judge.
            "app.dddddddddddd.js.eeeeeeeeeeee.dcz",
        ]
        let plan = Retention.plan(
            current: current,
            history: history,
            existingFiles: files,
            policy: RetentionPolicy(keepVersions: 1),
            now: now
        )
        XCTAssertEqual(
            plan.delete,
            ["app.aaaaaaaaaaaa.js", "app.bbbbbbbbbbbb.js.aaaaaaaaaaaa.dcz", "app.cccccccccccc.js.aaaaaaaaaaaa.dcz"]
        )
        XCTAssertTrue(plan.keep.contains("app.cccccccccccc.js.bbbbbbbbbbbb.dcz"))
        XCTAssertFalse(plan.keep.contains("app.dddddddddddd.js.eeeeeeeeeeee.dcz"))
    }
}
