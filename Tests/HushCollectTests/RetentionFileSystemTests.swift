import Foundation
import HushCore
import XCTest

@testable import HushCollect

final class RetentionFileSystemTests: XCTestCase {
    private let now = Date(timeIntervalSince1970: 1_795_593_600)  // 2026-11-25T08:00:00Z
    private var root = ""

    override func setUpWithError() throws {
        root = NSTemporaryDirectory() + "hush-retention-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let path = root
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
    }

    private func touch(_ relative: String) throws {
        let path = root + "/" + relative
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true
        )
        try Data(relative.utf8).write(to: URL(fileURLWithPath: path))
    }

    /// Publishes `manifest` as a collect would: its files with siblings, the old manifest recorded.
    private func publish(_ manifest: Manifest, retiredAt: Date) throws {
        for (original, hashed) in manifest.paths {
            for name in [original, hashed, hashed + ".br", hashed + ".gz"] { try touch(name) }
        }
        let manifestPath = root + "/" + Manifest.fileName
        if let old = FileManager.default.contents(atPath: manifestPath) {
            try ManifestHistory.record(previousManifest: Array(old), in: root, retiredAt: retiredAt)
        }
        try Data(manifest.encoded()).write(to: URL(fileURLWithPath: manifestPath))
    }

    private func files() -> [String] {
        StaticRootCleaner.listFiles(root).sorted()
    }

    private func history() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: root + "/" + ManifestHistory.directory).sorted()
    }

    func testCleanRemovesFilesOfVersionsBeyondTheKeptOnesAndPrintsEach() throws {
        let versions = (1...4).map {
            Manifest(paths: ["css/app.css": "css/app.\(String(repeating: "\($0)", count: 12)).css"])
        }
        for (index, manifest) in versions.enumerated() {
            try publish(manifest, retiredAt: now.addingTimeInterval(TimeInterval(index - 4) * 3600))
        }
        try touch("robots.txt")
        XCTAssertEqual(try history().count, 3)

        var printed: [String] = []
        let plan = try StaticRootCleaner.clean(staticRoot: root, policy: RetentionPolicy(keepVersions: 2), now: now) {
            printed.append($0)
        }

        XCTAssertEqual(
            files(),
            [
                "css/app.222222222222.css", "css/app.222222222222.css.br", "css/app.222222222222.css.gz",
                "css/app.333333333333.css", "css/app.333333333333.css.br", "css/app.333333333333.css.gz",
                "css/app.444444444444.css", "css/app.444444444444.css.br", "css/app.444444444444.css.gz",
                "css/app.css", "robots.txt", "staticfiles.json",
            ]
        )
        let expiredRecord =
            ManifestHistory.directory + "/"
            + ManifestHistory.fileName(retiredAt: now.addingTimeInterval(-3 * 3600), manifest: versions[0])
        XCTAssertEqual(
            printed,
            [
                "removed css/app.111111111111.css", "removed css/app.111111111111.css.br",
                "removed css/app.111111111111.css.gz",
                "removed " + expiredRecord,
            ]
        )
        XCTAssertEqual(try history().count, 2)
        XCTAssertEqual(plan.expiredVersions.count, 1)
        // A second clean has nothing left to do.
        printed = []
        try StaticRootCleaner.clean(staticRoot: root, policy: RetentionPolicy(keepVersions: 2), now: now) {
            printed.append($0)
        }
        XCTAssertEqual(printed, [])
    }

    func testCleanRemovesTheDeltasOfAnExpiredDictionaryAndKeepsTheOthers() throws {
        let v1 = Manifest(paths: ["app.js": "app.111111111111.js"])
        let v2 = Manifest(paths: ["app.js": "app.222222222222.js"])
        let v3 = Manifest(paths: ["app.js": "app.333333333333.js"])
        try publish(v1, retiredAt: now.addingTimeInterval(-300))
        try publish(v2, retiredAt: now.addingTimeInterval(-200))
        try publish(v3, retiredAt: now.addingTimeInterval(-100))
        try touch("app.333333333333.js.111111111111.dcz")
        try touch("app.333333333333.js.222222222222.dcz")
        var removed: [String] = []
        try StaticRootCleaner.clean(staticRoot: root, policy: RetentionPolicy(keepVersions: 1), now: now) {
            removed.append($0)
        }
        XCTAssertTrue(removed.contains("removed app.333333333333.js.111111111111.dcz"), "\(removed)")
        XCTAssertFalse(files().contains("app.333333333333.js.111111111111.dcz"))
        XCTAssertTrue(files().contains("app.333333333333.js.222222222222.dcz"))
    }

    func testDryRunReportsButRemovesNothing() throws {
        try publish(Manifest(paths: ["a.js": "a.111111111111.js"]), retiredAt: now)
        try publish(Manifest(paths: ["a.js": "a.222222222222.js"]), retiredAt: now)
        let before = files()
        var printed: [String] = []
        try StaticRootCleaner.clean(staticRoot: root, policy: RetentionPolicy(keepVersions: 0), now: now, dryRun: true)
        { printed.append($0) }
        XCTAssertEqual(files(), before)
        XCTAssertEqual(printed.first, "would remove a.111111111111.js")
        XCTAssertEqual(printed.count, 4, "the file, two siblings and the history record")
    }

    func testRecordingTheSameManifestAgainReplacesItsRecord() throws {
        let a = Manifest(paths: ["a.js": "a.111111111111.js"])
        try ManifestHistory.record(previousManifest: a.encoded(), in: root, retiredAt: now.addingTimeInterval(-7200))
        let name = try ManifestHistory.record(previousManifest: a.encoded(), in: root, retiredAt: now)
        XCTAssertEqual(try history(), [name])
        XCTAssertEqual(
            try ManifestHistory.load(from: root),
            [ManifestVersion(fileName: name, retiredAt: now, manifest: a)]
        )
    }

    func testCleanWithoutACurrentManifestRemovesNothing() throws {
        try touch("a.111111111111.js")
        XCTAssertThrowsError(
            try StaticRootCleaner.clean(staticRoot: root, policy: RetentionPolicy(), now: now) { _ in }
        ) { error in
            XCTAssertEqual(error as? RetentionError, .noCurrentManifest(staticRoot: root))
        }
        XCTAssertEqual(files(), ["a.111111111111.js"])
    }

    func testACorruptHistoryRecordStopsTheCleanBeforeAnyRemoval() throws {
        try publish(Manifest(paths: ["a.js": "a.111111111111.js"]), retiredAt: now)
        try publish(Manifest(paths: ["a.js": "a.222222222222.js"]), retiredAt: now)
        try publish(Manifest(paths: ["a.js": "a.333333333333.js"]), retiredAt: now.addingTimeInterval(1))
        let bad = ManifestHistory.directory + "/20261124T080000Z-0123456789ab.json"
        try touch(bad)
        let before = files()
        XCTAssertThrowsError(
            try StaticRootCleaner.clean(staticRoot: root, policy: RetentionPolicy(keepVersions: 0), now: now) { _ in }
        ) { error in
            guard case RetentionError.unreadable(let path, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(path, root + "/" + bad)
        }
        XCTAssertEqual(files(), before)
    }

    func testHistoryIgnoresFilesHushDidNotName() throws {
        try touch(ManifestHistory.directory + "/README")
        XCTAssertEqual(try ManifestHistory.load(from: root), [])
    }
}
