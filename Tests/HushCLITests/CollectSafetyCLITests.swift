import Foundation
import HushCore
import XCTest

/// Output safety and `--adopt` with the real binary: the reproductions as the
/// issue gives them.
final class CollectSafetyCLITests: CLITestCase {
    override class var rootLabel: String { "hush-cli-safety" }

    func assertOneLineError(
        _ result: ProcessResult,
        startingWith prefix: String,
        file: StaticString = #filePath,
        line: UInt = #line
    ) {
        XCTAssertEqual(result.status, 1, result.stderr, file: file, line: line)
        XCTAssertTrue(result.stderr.hasPrefix("hush: " + prefix), result.stderr, file: file, line: line)
        XCTAssertEqual(
            result.stderr.filter { $0 == "\n" }.count,
            1,
            "not one line: \(result.stderr.debugDescription)",
            file: file,
            line: line
        )
        XCTAssertEqual(result.stdout, "", file: file, line: line)
    }

    func collect(_ extra: [String] = []) throws -> ProcessResult {
        try runHush(["collect", "--quiet", path("src"), "--output", output] + extra)
    }

    /// `mkdir -p X/documents; echo precious > X/documents/cv.pdf; touch X/.hush; hush collect SRC --output X`
    func testATouchedHushFileDoesNotLetACollectDeleteADirectory() throws {
        try root.write("src/a.txt", "a")
        try root.write("out/static/documents/cv.pdf", "precious\n")
        try root.write("out/static/.hush", "")
        assertOneLineError(
            try collect(),
            startingWith: "output \(output) exists, is not empty and was not written by hush"
        )
        XCTAssertEqual(try String(contentsOfFile: output + "/documents/cv.pdf", encoding: .utf8), "precious\n")
    }

    func testAFilePutIntoStaticRootByHandIsNamedAndKeptUnlessDiscarded() throws {
        try root.write("src/a.txt", "a")
        XCTAssertEqual(try collect().status, 0)
        try root.write("out/static/robots.txt", "User-agent: *\n")
        let refused = try collect()
        assertOneLineError(refused, startingWith: "output \(output) holds 1 file no hush manifest lists (robots.txt)")
        XCTAssertTrue(refused.stderr.contains("--discard-unknown"), refused.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: output + "/robots.txt"))
        let discarded = try runHush(["collect", path("src"), "--output", output, "--discard-unknown"])
        XCTAssertEqual(discarded.status, 0, discarded.stderr)
        XCTAssertEqual(
            discarded.stderr,
            "hush: discarded robots.txt from \(output): no manifest named it (--discard-unknown)\n"
        )
        XCTAssertFalse(FileManager.default.fileExists(atPath: output + "/robots.txt"))
    }

    func testARewritableFileOverMaxRewriteSizeIsAOneLineErrorNamingIt() throws {
        try root.write("src/css/big.css", String(repeating: "a", count: 2000))
        assertOneLineError(
            try collect(["--max-rewrite-size", "1K"]),
            startingWith: path("src/css/big.css")
                + ": 2.0 KiB, over --max-rewrite-size 1.0 KiB (CSS/JS is rewritten in memory)"
        )
        assertOneLineError(
            try collect(["--max-rewrite-size", "lots"]),
            startingWith: "--max-rewrite-size lots: expected a size"
        )
        XCTAssertFalse(FileManager.default.fileExists(atPath: output))
    }

    func testFileNameTooLongNamesTheSourceFile() throws {
        let name = String(repeating: "n", count: 246) + ".txt"
        try root.write("src/" + name, "x")
        let result = try collect()
        assertOneLineError(result, startingWith: path("src/" + name) + ": cannot write its output ")
        XCTAssertTrue(result.stderr.contains("File name too long"), result.stderr)
        XCTAssertFalse(result.stderr.contains("hush-staging"), result.stderr)
    }

    func testACollectstaticOutputIsRefusedUntilAdoptIsGiven() throws {
        try root.write("src/css/app.css", "new")
        try root.write("out/static/css/app.css", "old")
        try root.write("out/static/css/app.0123456789ab.css", "old")
        try root.write(
            "out/static/staticfiles.json",
            Manifest(entries: [("css/app.css", "css/app.0123456789ab.css")]).encoded()
        )
        let refused = try collect()
        assertOneLineError(
            refused,
            startingWith:
                "output \(output) exists, is not empty and was not written by hush: its staticfiles.json is Django's"
        )
        XCTAssertTrue(refused.stderr.contains("--adopt"), refused.stderr)
        let adopted = try runHush(["collect", path("src"), "--output", output, "--adopt"])
        XCTAssertEqual(adopted.status, 0, adopted.stderr)
        XCTAssertEqual(
            adopted.stderr,
            "hush: adopted \(output), a collectstatic output; its hashed files are kept as a retained version\n"
        )
        XCTAssertEqual(try String(contentsOfFile: output + "/css/app.css", encoding: .utf8), "new")
        XCTAssertEqual(try String(contentsOfFile: output + "/css/app.0123456789ab.css", encoding: .utf8), "old")
    }

    /// As reported: no RENAME_EXCHANGE (renameat2 fails with EINVAL, as on
    /// NFS), and the process killed at its second rename — between taking STATIC_ROOT away and
    /// putting the new tree there. The next run, even one that fails, must put the old tree back.
    func testKilledBetweenTheTwoRenamesOfAPublishWithoutExchangeLosesNothing() throws {
        let strace = "/usr/bin/strace"
        guard FileManager.default.isExecutableFile(atPath: strace) else {
            return XCTFail("strace is needed: `make test` installs it as root, or apt-get install strace")
        }
        try root.write("src/css/app.css", ".a { background: url(../img/a.png); }\n")
        try root.write("src/img/a.png", "old")
        XCTAssertEqual(try collect().status, 0)
        let before = try snapshot(output)
        try root.write("src/img/a.png", "new")
        // Without siblings and deltas the publish makes the only renames (compression renames each
        // sibling and delta into place), so the second rename is the one that puts the new tree in place.
        let killed = try runProcess(
            strace,
            [
                "-f", "-qq", "-o", "/dev/null", "-e", "trace=rename,renameat,renameat2",
                "-e", "inject=renameat2:error=EINVAL", "-e", "inject=rename:signal=SIGKILL:when=2",
                hushBinary, "collect", "--quiet", "--no-brotli", "--no-zstd", "--no-gzip", "--no-dcz", path("src"),
                "--output",
                output,
            ]
        )
        XCTAssertNotEqual(killed.status, 0, "premise: the run was killed\n\(killed.stderr)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: output), "premise: STATIC_ROOT is missing")
        // The next run fails after staging: the old tree is back all the same.
        try root.write("src/css/broken.css", ".b { background: url(missing.png); }\n")
        assertOneLineError(try collect(), startingWith: path("src/css/broken.css") + ":1: ")
        XCTAssertEqual(try snapshot(output), before)
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: path("out")),
            ["static"],
            "nothing left beside STATIC_ROOT"
        )
        try FileManager.default.removeItem(atPath: path("src/css/broken.css"))
        XCTAssertEqual(try collect().status, 0)
        XCTAssertEqual(try String(contentsOfFile: output + "/img/a.png", encoding: .utf8), "new")
    }
}
