import Foundation
import HushCore
import XCTest

/// `hush collect` end to end with the real binary: what a script or CI log sees.
final class CollectCLITests: CLITestCase {
    override class var rootLabel: String { "hush-cli" }

    /// An error is exactly one line on stderr, `hush: …`, exit status 1, nothing on stdout.
    func assertOneLineError(
        _ result: ProcessResult,
        _ expected: String,
        file: StaticString = #filePath,
        line: UInt = #line
    ) {
        XCTAssertEqual(result.status, 1, result.stderr, file: file, line: line)
        XCTAssertEqual(result.stderr, "hush: " + expected + "\n", file: file, line: line)
        XCTAssertEqual(
            result.stderr.filter { $0 == "\n" }.count,
            1,
            "not one line: \(result.stderr.debugDescription)",
            file: file,
            line: line
        )
        XCTAssertEqual(result.stdout, "", file: file, line: line)
    }

    func writeSmallSite() throws {
        try root.write("src/css/app.css", ".a { background: url(../img/a.png); }\n")
        try root.write("src/img/a.png", "a")
        try root.write("src/.hidden", "h")
    }

    // MARK: - Success output

    func testSummaryLineOnStdout() throws {
        try writeSmallSite()
        let result = try runHush(["collect", path("src"), "--output", output])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr, "", "no progress line when stderr is not a terminal")
        let pattern =
            #"^hush: collected 2 files into \#(NSRegularExpression.escapedPattern(for: output)) — [0-9]+ written, 2 hashed, 1 rewritten, 0 dcz deltas, 0 shadowed, 1 ignored in [0-9]+\.[0-9]{2}s\n$"#
        XCTAssertNotNil(result.stdout.range(of: pattern, options: .regularExpression), result.stdout)
        XCTAssertTrue(FileManager.default.fileExists(atPath: output + "/img/a.\(Self.md5("a")).png"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: output + "/staticfiles.json"))
    }

    func testQuietPrintsNothing() throws {
        try writeSmallSite()
        let result = try runHush(["collect", "--quiet", path("src"), "--output", output])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, "")
        XCTAssertEqual(result.stderr, "")
        XCTAssertTrue(FileManager.default.fileExists(atPath: output + "/staticfiles.json"))
    }

    func testVerboseNamesEachShadowedFile() throws {
        try root.write("src1/a.txt", "1")
        try root.write("src1/css/b.css", "1")
        try root.write("src2/a.txt", "2")
        try root.write("src2/css/b.css", "2")
        try root.write("src2/c.txt", "2")
        let result = try runHush(["collect", "--verbose", path("src1"), path("src2"), "--output", output])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 3, result.stdout)
        XCTAssertEqual(
            Set(lines.dropLast()),
            [
                "hush: shadowed a.txt: \(path("src2/a.txt")) (using \(path("src1/a.txt")))",
                "hush: shadowed css/b.css: \(path("src2/css/b.css")) (using \(path("src1/css/b.css")))",
            ]
        )
        XCTAssertTrue(lines.last?.hasPrefix("hush: collected 3 files into ") ?? false, result.stdout)
        XCTAssertTrue(lines.last?.contains(" 2 shadowed") ?? false, result.stdout)
    }

    func testPrefixMountWorks() throws {
        try root.write("site/css/app.css", ".a { background: url(../vendor/img/v.png); }\n")
        try root.write("lib/img/v.png", "v")
        let result = try runHush(["collect", "--quiet", path("site"), "vendor=" + path("lib"), "--output", output])
        XCTAssertEqual(result.status, 0, result.stderr)
        let v = "v.\(Self.md5("v")).png"
        let css = ".a { background: url(\"../vendor/img/\(v)\"); }\n"
        XCTAssertEqual(try String(contentsOfFile: output + "/css/app.\(Self.md5(css)).css", encoding: .utf8), css)
        let manifest = try Manifest.decode(
            Array(try Data(contentsOf: URL(fileURLWithPath: output + "/staticfiles.json")))
        )
        XCTAssertEqual(manifest.paths["vendor/img/v.png"], "vendor/img/" + v)
    }

    func testRelativePathsAreResolvedFromTheWorkingDirectory() throws {
        try writeSmallSite()
        let result = try runHush(["collect", "--quiet", "src", "--output", "out/static"], in: root.path)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: output + "/staticfiles.json"))
    }

    func testDryRunWritesNothing() throws {
        try writeSmallSite()
        let result = try runHush(["collect", "--dry-run", path("src"), "--output", output])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.hasPrefix("hush: dry run: would collect 2 files into \(output)"), result.stdout)
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: root.path).sorted(),
            ["src"],
            "a dry run must leave no file or directory behind"
        )
    }

    func testDryRunLeavesAnExistingOutputUntouched() throws {
        try writeSmallSite()
        XCTAssertEqual(try runHush(["collect", "--quiet", path("src"), "--output", output]).status, 0)
        let before = try snapshot(path("out"))
        try root.write("src/new.txt", "n")
        let result = try runHush(["collect", "--dry-run", "--quiet", path("src"), "--output", output])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(try snapshot(path("out")), before)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: path("out")), ["static"])
    }

    // MARK: - Errors

    func testMissingSourceIsOneLineError() throws {
        assertOneLineError(
            try runHush(["collect", path("nope"), "--output", output]),
            "source \(path("nope")): no such directory"
        )
    }

    func testSourceThatIsAFileIsOneLineError() throws {
        try root.write("file.css", "x")
        assertOneLineError(
            try runHush(["collect", path("file.css"), "--output", output]),
            "source \(path("file.css")): is a file, not a directory"
        )
    }

    func testMissingReferenceShowsFileAndLine() throws {
        try root.write("src/css/app.css", "/* 1 */\n\n\n.hero { background: url(\"../img/missing.png\"); }\n")
        let result = try runHush(["collect", path("src"), "--output", output])
        assertOneLineError(
            result,
            "\(path("src/css/app.css")):4: url(\"../img/missing.png\") — no such file in any source (img/missing.png)"
        )
        XCTAssertFalse(FileManager.default.fileExists(atPath: output), "a failed first run must not create STATIC_ROOT")
    }

    /// `\s*` in Django's patterns spans newlines (`@import\n"x.css"`): the reference quoted in the
    /// error must still leave the error on one line.
    func testMissingReferenceSpanningLinesIsStillOneLine() throws {
        try root.write("src/css/app.css", ".a { color: red; }\n@import\n  \"missing.css\";\n")
        let result = try runHush(["collect", path("src"), "--output", output])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.hasPrefix("hush: \(path("src/css/app.css")):2: "), result.stderr)
        XCTAssertEqual(result.stderr.filter { $0 == "\n" }.count, 1, "not one line: \(result.stderr.debugDescription)")
    }

    func testCycleIsOneLineError() throws {
        try root.write("src/css/a.css", "@import \"b.css\";\n")
        try root.write("src/css/b.css", "@import \"a.css\";\n")
        let result = try runHush(["collect", path("src"), "--output", output])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.hasPrefix("hush: reference cycle: "), result.stderr)
        XCTAssertTrue(result.stderr.contains("a.css") && result.stderr.contains("b.css"), result.stderr)
        XCTAssertEqual(result.stderr.filter { $0 == "\n" }.count, 1, result.stderr)
    }

    func testForeignOutputIsOneLineErrorAndUntouched() throws {
        try writeSmallSite()
        try root.write("out/static/mine.txt", "mine")
        let result = try runHush(["collect", path("src"), "--output", output])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(
            result.stderr.hasPrefix("hush: output \(output) exists, is not empty and was not written by hush"),
            result.stderr
        )
        XCTAssertEqual(try snapshot(path("out")), ["static/mine.txt": Data("mine".utf8)])
    }

    func testStaticURLWithoutTrailingSlashIsOneLineError() throws {
        try writeSmallSite()
        assertOneLineError(
            try runHush(["collect", path("src"), "--output", output, "--static-url", "/assets"]),
            "--static-url '/assets': must end with '/' (Django's STATIC_URL rule)"
        )
    }

    func testUnknownFlagPrintsUsageAndFails() throws {
        try writeSmallSite()
        let result = try runHush(["collect", path("src"), "--output", output, "--frobnicate"])
        XCTAssertEqual(result.status, 64, "usage errors exit with EX_USAGE, value errors with 1")
        XCTAssertTrue(result.stderr.contains("--frobnicate"), result.stderr)
        XCTAssertTrue(result.stderr.lowercased().contains("usage: hush collect"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("out")))
    }

    func testMissingOutputFlagPrintsUsageAndFails() throws {
        try writeSmallSite()
        let result = try runHush(["collect", path("src")])
        XCTAssertEqual(result.status, 64)
        XCTAssertTrue(result.stderr.lowercased().contains("usage: hush collect"), result.stderr)
    }

    func testErrorsNeverShowATrace() throws {
        try root.write("src/css/app.css", ".a { background: url(../../../../x.png); }\n")
        try root.write("src2/x.txt", [0x66, 0xFF])
        let runs = [
            try runHush(["collect", path("src"), "--output", output]),
            try runHush(["collect", path("src"), "--output", path("src/inside")]),
            try runHush(["collect", "vendor/=" + path("src2"), "--output", output]),
        ]
        for result in runs {
            XCTAssertEqual(result.status, 1, result.stderr)
            XCTAssertTrue(result.stderr.hasPrefix("hush: "), result.stderr)
            XCTAssertEqual(result.stderr.filter { $0 == "\n" }.count, 1, result.stderr)
            XCTAssertFalse(
                result.stderr.contains("Fatal error") || result.stderr.contains("Stack dump")
                    || result.stderr.contains("0x0"),
                result.stderr
            )
        }
    }

    // MARK: - Interruption

    /// SIGINT during a run over a large tree: either it stops (130, previous STATIC_ROOT intact)
    /// or it had already published (0, the complete new tree). The signal is sent once the run's
    /// staging directory exists, so the handler is installed.
    func testInterruptDuringARunLeavesThePreviousOutputIntact() throws {
        let blob = String(repeating: "x", count: 8192)
        for i in 0..<3000 {
            try root.write("src/d\(i % 30)/f\(i).txt", "\(i)\n" + blob)
        }
        XCTAssertEqual(try runHush(["collect", "--quiet", path("src"), "--output", output]).status, 0)
        let before = try snapshot(output)
        try root.write("src/new.txt", "new")

        let process = Process()
        process.executableURL = URL(fileURLWithPath: hushBinary)
        process.arguments = ["collect", "--quiet", path("src"), "--output", output]
        var signalled = false
        let result = try collectOutput(of: process) {
            // Bounded poll for `.static.hush-staging-<pid>` beside STATIC_ROOT, or the end of the run.
            let staging = self.path("out/.static.hush-staging-\(process.processIdentifier)")
            // Bounded by time, not by a count, so a loaded machine does not make it flaky.
            let deadline = Date().addingTimeInterval(120)
            while Date() < deadline {
                if !process.isRunning { return }
                if FileManager.default.fileExists(atPath: staging) {
                    process.interrupt()
                    signalled = true
                    return
                }
                sched_yield()
            }
            XCTFail("the staging directory never appeared")
        }
        print("interrupt test: signalled \(signalled), exit \(result.status)")
        let after = try snapshot(output)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: path("out"))
        XCTAssertEqual(leftovers, ["static"], "nothing left beside STATIC_ROOT")
        if result.status == 130 {
            XCTAssertTrue(signalled)
            XCTAssertEqual(result.stderr, "hush: interrupted; STATIC_ROOT left as it was\n")
            XCTAssertEqual(after, before, "an interrupted run changed STATIC_ROOT")
        } else {
            XCTAssertEqual(result.status, 0, "neither interrupted (130) nor finished (0): \(result.stderr)")
            XCTAssertEqual(after.count, before.count + 2)
            XCTAssertEqual(after["new.\(Self.md5("new")).txt"], Data("new".utf8))
        }
    }
    // MARK: - Issue 10: source maps, cache directory

    func writeSiteWithMissingMap() throws {
        try root.write("src/js/lib.min.js", "f();\n//# sourceMappingURL=lib.min.js.map\n")
        try root.write("src/css/app.css", ".a { background: url(../img/a.png); }\n")
        try root.write("src/img/a.png", "a")
    }

    func testMissingSourceMapFailsByDefault() throws {
        try writeSiteWithMissingMap()
        assertOneLineError(
            try runHush(["collect", path("src"), "--output", output]),
            "\(path("src/js/lib.min.js")):2: //# sourceMappingURL=lib.min.js.map — no such file in any source (js/lib.min.js.map)"
        )
    }

    func testMissingSourcemapsWarnPrintsOneWarningLineAndSucceeds() throws {
        try writeSiteWithMissingMap()
        for _ in 0..<2 {  // the second run replays the rewrite from the incremental state
            let result = try runHush([
                "collect", "--quiet", "--missing-sourcemaps", "warn", path("src"), "--output", output,
            ])
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertEqual(result.stdout, "")
            XCTAssertEqual(
                result.stderr,
                "hush: warning: \(path("src/js/lib.min.js")):2: //# sourceMappingURL=lib.min.js.map — source map js/lib.min.js.map is in no source; left as written\n"
            )
        }
        assertOneLineError(
            try runHush(["collect", path("src"), "--output", output, "--missing-sourcemaps", "ignore"]),
            "--missing-sourcemaps ignore: expected error or warn"
        )
    }

    func testStateGoesToTheCacheDirectoryNotToStaticRoot() throws {
        try writeSmallSite()
        XCTAssertEqual(try runHush(["collect", path("src"), "--output", output]).status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: output + "/.hush/cache"))
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: childCacheDirectory + "/outputs").count,
            1,
            "HUSH_CACHE_DIR is used"
        )
        XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: childCacheDirectory + "/compressed").isEmpty)
        let explicit = path("elsewhere")
        XCTAssertEqual(try runHush(["collect", path("src"), "--output", output, "--cache-dir", explicit]).status, 0)
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: explicit + "/outputs").count,
            1,
            "--cache-dir wins over HUSH_CACHE_DIR"
        )
    }

    func testDefaultCacheDirectoryIsXDGCacheHomeThenHome() throws {
        try writeSmallSite()
        let saved = (getenv("XDG_CACHE_HOME").map { String(cString: $0) }, getenv("HOME").map { String(cString: $0) })
        defer {
            if let xdg = saved.0 { setenv("XDG_CACHE_HOME", xdg, 1) } else { unsetenv("XDG_CACHE_HOME") }
            if let home = saved.1 { setenv("HOME", home, 1) } else { unsetenv("HOME") }
        }
        unsetenv("HUSH_CACHE_DIR")
        setenv("HOME", path("home"), 1)
        setenv("XDG_CACHE_HOME", path("xdg"), 1)
        XCTAssertEqual(try runHush(["collect", path("src"), "--output", output]).status, 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: path("xdg/hush/outputs")))
        unsetenv("XDG_CACHE_HOME")
        XCTAssertEqual(try runHush(["collect", path("src"), "--output", output]).status, 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: path("home/.cache/hush/outputs")))
    }

    func testCacheDirectoryInsideTheOutputOrASourceIsOneLineError() throws {
        try writeSmallSite()
        assertOneLineError(
            try runHush(["collect", path("src"), "--output", output, "--cache-dir", output + "/.cache"]),
            "cache directory \(output)/.cache lies inside output \(output): it would be published; choose a --cache-dir outside STATIC_ROOT"
        )
        assertOneLineError(
            try runHush(["collect", path("src"), "--output", output, "--cache-dir", path("src/cache")]),
            "cache directory \(path("src/cache")) lies inside source \(path("src")): it would be collected; choose a --cache-dir outside every source"
        )
        assertOneLineError(
            try runHush(["collect", path("src"), "--output", output, "--cache-max-size", "lots"]),
            "--cache-max-size lots: expected a size like 1G, 500M or 1000000"
        )
    }
}
