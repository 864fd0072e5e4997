import Foundation
import HushCore
import XCTest

@testable import HushCollect

/// Output safety and `--adopt`: what a publish may replace, and that no
/// crash or failure ever deletes the last complete tree.
final class OutputSafetyTests: PipelineTestCase {
    func assertFails(
        _ expected: CollectError,
        file: StaticString = #filePath,
        line: UInt = #line,
        _ configure: (inout CollectConfiguration) -> Void = { _ in }
    ) {
        XCTAssertThrowsError(try collect(configure), file: file, line: line) { error in
            XCTAssertEqual(error as? CollectError, expected, file: file, line: line)
            XCTAssertFalse("\(error)".contains("\n"), "not one line: \(error)", file: file, line: line)
        }
    }

    /// A process id that is certainly not running: a child that has exited.
    func deadPID() throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        return process.processIdentifier
    }

    var parent: String { (output as NSString).deletingLastPathComponent }

    // MARK: - Ownership is proven by content (defect 6)

    func testAHushFileIsNoProofOfOwnershipAndNothingIsDeleted() throws {
        try root.write("src/a.txt", "a")
        try root.write("public/static/documents/cv.pdf", "precious\n")
        try root.write("public/static/.hush", "")
        let before = try snapshot(output)
        assertFails(.outputNotOwned(output))
        XCTAssertEqual(try snapshot(output), before)
        XCTAssertEqual(try leftovers(), [])
    }

    func testAnEmptyHushDirectoryOrAForgedMarkerNameIsNoProof() throws {
        try root.write("src/a.txt", "a")
        try root.write("public/static/documents/cv.pdf", "precious\n")
        try FileManager.default.createDirectory(atPath: output + "/.hush/manifests", withIntermediateDirectories: true)
        assertFails(.outputNotOwned(output))
        // The right name with other content, or a cache file without Hush's header.
        try root.write("public/static/.hush/owner", "mine\n")
        try root.write("public/static/.hush/cache", "notes\n")
        assertFails(.outputNotOwned(output))
        // The signature through a symlink (to a file, or a symlinked .hush) proves nothing either.
        try root.write("elsewhere/owner", OutputOwnership.signature + "\n")
        try FileManager.default.removeItem(atPath: output + "/.hush/owner")
        try FileManager.default.createSymbolicLink(
            atPath: output + "/.hush/owner",
            withDestinationPath: path("elsewhere/owner")
        )
        assertFails(.outputNotOwned(output))
        try FileManager.default.removeItem(atPath: output + "/.hush")
        try FileManager.default.createSymbolicLink(atPath: output + "/.hush", withDestinationPath: path("elsewhere"))
        assertFails(.outputNotOwned(output))
        XCTAssertEqual(try bytes("documents/cv.pdf"), Array("precious\n".utf8))
    }

    func testEveryPublishedTreeCarriesTheOwnerMarkerAndNeedsNothingElse() throws {
        try root.write("src/a.txt", "a")
        try collect()
        XCTAssertEqual(try bytes(".hush/owner"), Array((OutputOwnership.signature + "\n").utf8))
        // The marker alone is the proof: the cache (moving out of STATIC_ROOT) is not needed.
        FileSystem.removeTree(output + "/.hush/cache")
        FileSystem.removeTree(output + "/.hush/manifests")
        try root.write("src/a.txt", "b")
        try collect()
        XCTAssertEqual(try bytes("a.txt"), Array("b".utf8))
    }

    func testOutputsOfEarlierVersionsAreRecognisedByTheirCacheOrHistory() throws {
        try root.write("src/a.txt", "a")
        try collect()
        // An earlier version wrote no owner file, but a cache with Hush's header (inside STATIC_ROOT,
        // where earlier versions kept it).
        try FileManager.default.removeItem(atPath: output + "/.hush/owner")
        try root.write("public/static/.hush/cache", "hush-cache 2\nsettings\tearlier\n")
        try root.write("src/a.txt", "b")
        try collect()
        XCTAssertTrue(exists(".hush/owner"), "the next publish marks the tree")
        // No owner file and no cache (the new tree does not carry the old cache over): a manifest
        // history record Hush named and wrote still proves it.
        try FileManager.default.removeItem(atPath: output + "/.hush/owner")
        XCTAssertFalse(exists(".hush/cache"), "an earlier version's cache is not carried over")
        XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: output + "/.hush/manifests").isEmpty)
        try root.write("src/a.txt", "c")
        try collect()
        XCTAssertEqual(try bytes("a.txt"), Array("c".utf8))
    }

    // MARK: - Files put into STATIC_ROOT by hand (defect 8)

    func testAFilePutIntoTheOutputByHandIsRefusedByNameAndKept() throws {
        try root.write("src/css/app.css", ".a { background: url(../img/a.png); }\n")
        try root.write("src/img/a.png", "a")
        try collect()
        try root.write("public/static/robots.txt", "User-agent: *\n")
        try root.write("public/static/img/extra/mine.png", "mine")
        try root.write("src/img/a.png", "changed")
        let before = try snapshot(output)
        assertFails(.unknownFilesInOutput(output: output, files: ["img/extra/mine.png", "robots.txt"]))
        XCTAssertEqual(try snapshot(output), before)
        XCTAssertEqual(try leftovers(), [])
        XCTAssertTrue(
            "\(CollectError.unknownFilesInOutput(output: output, files: ["robots.txt"]))".contains("--discard-unknown")
        )
    }

    func testDiscardUnknownDropsThemAndSaysWhich() throws {
        try root.write("src/a.txt", "a")
        try collect()
        try root.write("public/static/robots.txt", "User-agent: *\n")
        let summary = try collect { $0.discardUnknown = true }
        XCTAssertEqual(summary.discarded, ["robots.txt"])
        XCTAssertFalse(exists("robots.txt"))
    }

    /// Everything a run writes is known to the next one: originals, hashed copies, siblings,
    /// manifests and retained versions carried over from the history.
    func testNothingHushWroteCountsAsUnknownAcrossRetainedVersions() throws {
        try root.write(
            "src/css/app.css",
            ".a { background: url(../img/a.png); }\n" + String(repeating: ".x { color: red; }\n", count: 200)
        )
        try root.write("src/img/a.png", "a")
        for version in 1...4 {
            try root.write("src/img/a.png", "version \(version)")
            let summary = try collect { $0.retention = RetentionPolicy(keepVersions: 2) }
            XCTAssertEqual(summary.discarded, [])
        }
    }

    // MARK: - Publishing without RENAME_EXCHANGE (defect 7)

    func testTwoRenamePublishReplacesTheTreeAndLeavesNothingBeside() throws {
        try root.write("src/a.txt", "a")
        try collect { $0.renameExchange = false }
        try root.write("src/a.txt", "b")
        try collect { $0.renameExchange = false }
        XCTAssertEqual(try bytes("a.txt"), Array("b".utf8))
        XCTAssertEqual(try leftovers(), [])
    }

    func testSecondRenameFailingPutsThePreviousTreeBack() throws {
        try root.write("src/a.txt", "a")
        try collect()
        let before = try snapshot(output)
        try root.write("src/a.txt", "b")
        let staging = Calls()
        XCTAssertThrowsError(
            try collect {
                $0.renameExchange = false
                $0.faultInjection = { point in
                    switch point {
                    case .beforePublish(let path): staging.add(path)
                    // The staged tree vanishes between the two renames: the second one fails.
                    case .afterRetire: for path in staging.all { FileSystem.removeTree(path) }
                    default: break
                    }
                }
            }
        )
        XCTAssertEqual(try snapshot(output), before)
        XCTAssertEqual(try leftovers(), [])
    }

    /// A tree published as run 1, and a complete tree staged by a second run (pid `pid`) that
    /// crashes after `step` of the two-rename publish.
    func crashPublish(after step: Staging.PublishStep) throws -> (old: [String: Data], new: [String: Data]) {
        try root.write("src/a.txt", "old")
        try collect()
        let old = try snapshot(output)
        try root.write("src/a.txt", "new")
        let next = path("next/static")
        try collect(output: next)
        let new = try snapshot(next)
        let staging = try Staging.prepare(output: output)
        XCTAssertEqual(rmdir(staging.path), 0)
        XCTAssertEqual(rename(next, staging.path), 0)
        try staging.publish(exchange: false, stopAfter: step)
        // The crashed run's process is gone: give its leftovers a dead process's id.
        let dead = try deadPID()
        for entry in try leftovers() {
            let renamed = entry.replacingOccurrences(of: "-\(getpid())", with: "-\(dead)")
            XCTAssertEqual(rename(parent + "/" + entry, parent + "/" + renamed), 0)
        }
        return (old, new)
    }

    /// The next run fails after staging (a missing reference): it must still leave a complete tree.
    func failAfterStaging() throws {
        try root.write("src/css/broken.css", ".b { background: url(missing.png); }\n")
        XCTAssertThrowsError(try collect()) { error in
            guard case .missingReference = error as? CollectError else { return XCTFail("\(error)") }
        }
        try FileManager.default.removeItem(atPath: path("src/css"))
    }

    func testCrashBetweenTheRenamesIsRepairedByTheNextRunEvenIfItFails() throws {
        let trees = try crashPublish(after: .retired)
        XCTAssertFalse(FileManager.default.fileExists(atPath: output), "premise: STATIC_ROOT is missing")
        try failAfterStaging()
        XCTAssertEqual(try snapshot(output), trees.old, "the retired tree is put back")
        XCTAssertEqual(try leftovers(), [])
        let summary = try collect()
        XCTAssertNil(summary.restored)
        XCTAssertEqual(try bytes("a.txt"), Array("new".utf8))
    }

    func testRestoringIsReported() throws {
        _ = try crashPublish(after: .retired)
        let summary = try collect()
        XCTAssertEqual(
            summary.restored.map { ($0 as NSString).lastPathComponent.hasPrefix(".static.hush-retired-") },
            true
        )
        XCTAssertEqual(try leftovers(), [])
    }

    func testCrashAfterEitherLaterStepKeepsTheNewTreeAndCleansUp() throws {
        for step in [Staging.PublishStep.published, .discarding] {
            try setUpWithError()
            let trees = try crashPublish(after: step)
            XCTAssertEqual(try snapshot(output), trees.new, "\(step)")
            try failAfterStaging()
            XCTAssertEqual(try snapshot(output), trees.new, "\(step)")
            XCTAssertEqual(try leftovers(), [], "\(step)")
        }
    }

    /// Earlier versions named the retired tree `.NAME.hush-staging-PID.old` and removed it as an
    /// abandoned staging directory: the scenario of the issue, restored now.
    func testRetiredTreeOfAnEarlierVersionIsRestored() throws {
        let trees = try crashPublish(after: .retired)
        let dead = try leftovers().first { $0.contains("hush-retired-") }!.components(separatedBy: "-").last!
        XCTAssertEqual(
            rename(parent + "/.static.hush-retired-\(dead)", parent + "/.static.hush-staging-\(dead).old"),
            0
        )
        try failAfterStaging()
        XCTAssertEqual(try snapshot(output), trees.old)
        XCTAssertEqual(try leftovers(), [])
    }

    func testALiveRunsRetiredTreeIsLeftAlone() throws {
        _ = try crashPublish(after: .retired)
        let entry = try leftovers().first { $0.contains("hush-retired-") }!
        // Our own process stands in for a run still between its two renames.
        XCTAssertEqual(rename(parent + "/" + entry, parent + "/.static.hush-retired-\(getppid())"), 0)
        try collect()
        XCTAssertTrue(try leftovers().contains(".static.hush-retired-\(getppid())"))
    }

    // MARK: - --adopt

    /// A STATIC_ROOT as `collectstatic` with ManifestStaticFilesStorage (and WhiteNoise) leaves it.
    func writeCollectstaticOutput() throws -> String {
        let hashed = "css/app.0123456789ab.css"
        try root.write("public/static/css/app.css", "old")
        try root.write("public/static/" + hashed, "old")
        try root.write("public/static/" + hashed + ".gz", "gz")
        try root.write("public/static/staticfiles.json", Manifest(entries: [("css/app.css", hashed)]).encoded())
        return hashed
    }

    func testCollectstaticOutputIsRefusedWithAMessageNamingAdopt() throws {
        try root.write("src/css/app.css", "new")
        _ = try writeCollectstaticOutput()
        let before = try snapshot(output)
        assertFails(.outputFromCollectstatic(output))
        XCTAssertTrue("\(CollectError.outputFromCollectstatic(output))".contains("--adopt"))
        XCTAssertEqual(try snapshot(output), before)
    }

    func testAdoptTakesOverAndKeepsTheOldHashedFilesAsARetainedVersion() throws {
        try root.write("src/css/app.css", "new")
        let hashed = try writeCollectstaticOutput()
        let djangoManifest = try bytes(Manifest.fileName)
        let summary = try collect { $0.adopt = true }
        XCTAssertTrue(summary.adopted)
        XCTAssertEqual(try bytes("css/app.css"), Array("new".utf8))
        XCTAssertEqual(try bytes(hashed), Array("old".utf8), "a page rendered before the switch still gets its CSS")
        XCTAssertEqual(try bytes(hashed + ".gz"), Array("gz".utf8))
        let history = try FileManager.default.contentsOfDirectory(atPath: output + "/.hush/manifests")
        XCTAssertEqual(history.count, 1)
        XCTAssertEqual(try bytes(".hush/manifests/" + history[0]), djangoManifest)
        XCTAssertTrue(exists(".hush/owner"))
        // From now on it is Hush's: no flag needed.
        try root.write("src/css/app.css", "newer")
        XCTAssertFalse(try collect().adopted)
    }

    func testAdoptRefusesWhatDjangoDidNotWrite() throws {
        try root.write("src/a.txt", "a")
        try root.write("public/static/precious.txt", "mine")
        assertFails(.notAdoptable(output)) { $0.adopt = true }
        // A staticfiles.json that is not Django's manifest (unknown version, paths not strings).
        try root.write("public/static/staticfiles.json", #"{"paths": {"a": "b"}, "version": "2"}"#)
        assertFails(.notAdoptable(output)) { $0.adopt = true }
        try root.write("public/static/staticfiles.json", #"{"paths": {"a": 1}, "version": "1.1"}"#)
        assertFails(.notAdoptable(output)) { $0.adopt = true }
        XCTAssertEqual(try bytes("precious.txt"), Array("mine".utf8))
    }

    func testAdoptStillRefusesFilesNoManifestNames() throws {
        try root.write("src/css/app.css", "new")
        _ = try writeCollectstaticOutput()
        try root.write("public/static/robots.txt", "User-agent: *\n")
        assertFails(.unknownFilesInOutput(output: output, files: ["robots.txt"])) { $0.adopt = true }
        XCTAssertTrue(
            try collect {
                $0.adopt = true
                $0.discardUnknown = true
            }.adopted
        )
    }

    // MARK: - Limits and messages (defect 8)

    func testACSSFileOverTheRewriteLimitIsRefusedByName() throws {
        try root.write("src/css/big.css", String(repeating: "a", count: 2000))
        try root.write("src/big.txt", String(repeating: "a", count: 5000))
        assertFails(.tooLargeToRewrite(path: path("src/css/big.css"), size: 2000, limit: 1000)) {
            $0.maxRewriteSize = 1000
        }
        XCTAssertEqual(
            CollectError.tooLargeToRewrite(path: "css/big.css", size: 256 << 20, limit: 64 << 20).description,
            "css/big.css: 256 MiB, over --max-rewrite-size 64 MiB (CSS/JS is rewritten in memory); raise the limit or --ignore it"
        )
        XCTAssertFalse(FileManager.default.fileExists(atPath: output))
        // A file that is not rewritten is streamed, whatever its size.
        try FileManager.default.removeItem(atPath: path("src/css"))
        try collect { $0.maxRewriteSize = 1000 }
    }

    func testFileNameTooLongNamesTheSourceFileNotTheStagingPath() throws {
        // 250 bytes fits NAME_MAX; the hashed name (+13) does not.
        let name = String(repeating: "n", count: 246) + ".txt"
        try root.write("src/" + name, "x")
        XCTAssertThrowsError(try collect()) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix(path("src/" + name) + ": cannot write its output "), text)
            XCTAssertTrue(text.contains("File name too long"), text)
            XCTAssertFalse(text.contains("hush-staging"), text)
        }
        XCTAssertEqual(try leftovers(), [])
    }

    func testProgressLineNamesALargeFileInProgress() {
        var progress = CollectProgress(phase: .compressing, done: 3, total: 40)
        XCTAssertEqual(progress.line, "compressing 3/40")
        progress.largeFiles = [.init(name: "media/big.dat", size: 3 << 30)]
        XCTAssertEqual(progress.line, "compressing 3/40 — media/big.dat (3.0 GiB) takes a while")
        progress.largeFiles.append(.init(name: "media/other.dat", size: 20 << 20))
        XCTAssertEqual(progress.line, "compressing 3/40 — media/big.dat (3.0 GiB) and 1 more large takes a while")
        progress.done = 40
        XCTAssertEqual(progress.line, "compressing 40/40", "nothing is in progress once all are done")
        XCTAssertEqual(ByteCountText.describe(900), "900 B")
        XCTAssertEqual(ByteCountText.describe(256 << 20), "256 MiB")
        XCTAssertEqual(ByteCountText.describe(1536 << 10), "1.5 MiB")
    }

    func testALargeFileIsReportedWhileItIsCopiedAndCompressed() throws {
        try root.write("src/a.txt", "a")
        // Sparse: no disk written for the zeros; compressing them is quick at this size.
        XCTAssertTrue(FileManager.default.createFile(atPath: path("src/big.dat"), contents: nil))
        XCTAssertEqual(truncate(path("src/big.dat"), off_t(CollectProgress.largeFileSize)), 0)
        let reports = Reports()
        let settings = configuration { $0.jobs = 1 }
        _ = try Collector(configuration: settings).run { reports.add($0) }
        let named = reports.all.filter { $0.largeFiles.map(\.name) == ["big.dat"] }
        XCTAssertTrue(named.contains { $0.phase == .copying }, "\(reports.all.map(\.line))")
        XCTAssertTrue(named.contains { $0.phase == .compressing }, "\(reports.all.map(\.line))")
        XCTAssertTrue(reports.all.last.map { $0.largeFiles.isEmpty } ?? false, "the name goes once it is done")
    }
}

private final class Reports: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [CollectProgress] = []
    func add(_ progress: CollectProgress) { lock.withLock { list.append(progress) } }
    var all: [CollectProgress] { lock.withLock { list } }
}
