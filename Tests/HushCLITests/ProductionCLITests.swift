import Foundation
import HushCore
import XCTest

/// The production collect flags end to end with the real binary: `--no-brotli --no-zstd --no-gzip --max-ratio
/// --keep-only-hashed --keep-versions --max-age-days --no-cache --jobs`, and `hush clean`.
final class ProductionCLITests: CLITestCase {
    override class var rootLabel: String { "hush-production-cli" }

    /// Compressible text without references.
    static func text(_ lines: Int, tag: String) -> String {
        (0..<lines).map { ".\(tag)-\($0 % 17) { margin: \($0 % 7)px; padding: \($0 % 5)px; }\n" }.joined()
    }

    func writeSite(version: Int = 1) throws {
        try root.write("src/css/app.css", "@import \"base.css\";\n.v\(version) {}\n" + Self.text(80, tag: "app"))
        try root.write("src/css/base.css", ".logo { background: url(../img/logo.png); }\n" + Self.text(60, tag: "base"))
        try root.write("src/img/logo.png", (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 7919 &+ $0 >> 3) })
        try root.write("src/notes.txt", Self.text(40, tag: "notes"))
    }

    @discardableResult
    func collect(
        _ extra: [String] = [],
        into directory: String? = nil,
        file: StaticString = #filePath,
        line: UInt = #line
    ) throws -> ProcessResult {
        let result = try runHush(["collect", path("src"), "--output", directory ?? output] + extra)
        XCTAssertEqual(result.status, 0, result.stderr, file: file, line: line)
        return result
    }

    func manifestPaths(_ directory: String? = nil) throws -> [String: String] {
        let data = try Data(contentsOf: URL(fileURLWithPath: (directory ?? output) + "/staticfiles.json"))
        return try XCTUnwrap(
            (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["paths"] as? [String: String]
        )
    }

    func exists(_ relative: String, in directory: String? = nil) -> Bool {
        FileManager.default.fileExists(atPath: (directory ?? output) + "/" + relative)
    }

    func files(_ directory: String? = nil) throws -> Set<String> {
        Set(try snapshot(directory ?? output).keys)
    }

    /// One line on stderr, `hush: …`, exit status 1, nothing on stdout.
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
        XCTAssertTrue(result.stderr.hasSuffix("\n"), file: file, line: line)
        XCTAssertEqual(result.stdout, "", file: file, line: line)
    }

    // MARK: - Compression flags

    func testDefaultWritesEverySiblingAndTheCodingFlagsRemoveThem() throws {
        try writeSite()
        try collect(["--quiet"], into: path("all"))
        // Each flag removes its own coding and only it.
        let flags: [ContentCoding: String] = [.br: "--no-brotli", .zstd: "--no-zstd", .gzip: "--no-gzip"]
        for (coding, flag) in flags { try collect(["--quiet", flag], into: path(coding.token)) }
        try collect(["--quiet"] + ContentCoding.allCases.compactMap { flags[$0] }, into: path("none"))
        for name in ["notes.txt", "css/app.css", try manifestPaths(path("all"))["css/app.css"]!] {
            for coding in ContentCoding.allCases {
                XCTAssertTrue(exists(name + coding.fileSuffix, in: path("all")), name + coding.fileSuffix)
                for other in ContentCoding.allCases {
                    XCTAssertEqual(
                        exists(name + other.fileSuffix, in: path(coding.token)),
                        other != coding,
                        "\(flags[coding] ?? ""): \(name)\(other.fileSuffix)"
                    )
                }
            }
        }
        XCTAssertFalse(try files(path("none")).contains { ContentCoding.sibling($0) != nil })
    }

    func testMaxRatioFlagChangesWhichSiblingsAreKept() throws {
        try writeSite()
        try collect(["--quiet", "--max-ratio", "1"], into: path("all"))
        let original = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path("all/notes.txt"))[.size] as? Int)
        let br = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path("all/notes.txt.br"))[.size] as? Int)
        let edge = Double(br) / Double(original)
        try collect(["--quiet", "--max-ratio", "\(edge)"], into: path("edge"))
        XCTAssertTrue(exists("notes.txt.br", in: path("edge")))
        try collect(["--quiet", "--max-ratio", "\(edge.nextDown)"], into: path("below"))
        XCTAssertFalse(exists("notes.txt.br", in: path("below")))
        XCTAssertFalse(exists("notes.txt.gz", in: path("below")))
    }

    func testMaxRatioZeroIsAOneLineError() throws {
        try writeSite()
        assertOneLineError(
            try runHush(["collect", path("src"), "--output", output, "--max-ratio", "0"]),
            startingWith: "--max-ratio"
        )
        assertOneLineError(
            try runHush(["collect", path("src"), "--output", output, "--max-ratio", "1.5"]),
            startingWith: "--max-ratio"
        )
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("out")), "nothing is written on a flag error")
    }

    func testNegativeKeepVersionsIsAOneLineError() throws {
        try writeSite()
        assertOneLineError(
            try runHush(["collect", path("src"), "--output", output, "--keep-versions", "-1"]),
            startingWith: "--keep-versions"
        )
        assertOneLineError(
            try runHush(["collect", path("src"), "--output", output, "--keep-versions=-1"]),
            startingWith: "--keep-versions"
        )
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("out")))
    }

    /// `collect` and `clean` share one declaration of the retention flags, and so one check:
    /// the same values are refused with the same line.
    func testCollectAndCleanRefuseTheSameRetentionValuesAlike() throws {
        try writeSite()
        for (flag, value) in [("--keep-versions", "-1"), ("--max-age-days", "-3")] {
            let collect = try runHush(["collect", path("src"), "--output", output, flag, value])
            let clean = try runHush(["clean", output, flag, value])
            assertOneLineError(collect, startingWith: "\(flag) \(value): expected 0 or more")
            assertOneLineError(clean, startingWith: "\(flag) \(value): expected 0 or more")
            XCTAssertEqual(collect.stderr, clean.stderr)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("out")))
    }

    /// Flag values are checked while the flags are parsed, before any work: a bad value is the
    /// one line reported even where `--django` could not have asked Django at all.
    func testFlagValuesAreCheckedBeforeDjangoIsAsked() throws {
        try root.write("empty/.keep", "")
        let refusals: [([String], String)] = [
            (["--keep-versions", "-1"], "--keep-versions -1: expected 0 or more"),
            (["--max-age-days", "-1"], "--max-age-days -1: expected 0 or more"),
            (["--max-ratio", "2"], "--max-ratio 2.0: expected a fraction in (0, 1]"),
            (["--jobs", "-1"], "--jobs -1: expected 0 (one per core) or more"),
            (["--max-rewrite-size", "0"], "--max-rewrite-size 0: expected a size like 64MiB, 512K or 1000000"),
            (["--cache-max-size", "lots"], "--cache-max-size lots: expected a size like 1G, 500M or 1000000"),
            (["--missing-sourcemaps", "ignore"], "--missing-sourcemaps ignore: expected error or warn"),
        ]
        for (flags, message) in refusals {
            let result = try runHush(["collect", "--django", "--python", path("no/python")] + flags, in: path("empty"))
            XCTAssertEqual(result.status, 1, result.stderr)
            XCTAssertEqual(result.stderr, "hush: \(message)\n")
            XCTAssertEqual(result.stdout, "")
        }
    }

    // MARK: - Deploy flags

    func testKeepOnlyHashedPublishesNoOriginals() throws {
        try writeSite()
        try collect(["--quiet", "--keep-only-hashed"])
        let paths = try manifestPaths()
        XCTAssertEqual(Set(paths.keys), ["css/app.css", "css/base.css", "img/logo.png", "notes.txt"])
        for (original, hashed) in paths {
            XCTAssertFalse(exists(original), original)
            XCTAssertFalse(exists(original + ".gz"), original)
            XCTAssertTrue(exists(hashed), hashed)
        }
        XCTAssertTrue(exists(paths["notes.txt"]! + ".br"))
    }

    func testKeepVersionsAndMaxAgeDaysDecideWhetherTheLastVersionStays() throws {
        try writeSite(version: 1)
        try collect(["--quiet"])
        let first = try manifestPaths()["css/app.css"]!
        try writeSite(version: 2)
        try collect(["--quiet"])
        XCTAssertTrue(exists(first), "default --keep-versions 2 keeps the previous version")
        try writeSite(version: 3)
        try collect(["--quiet", "--keep-versions", "0", "--max-age-days", "1"])
        XCTAssertTrue(exists(first), "--max-age-days 1 keeps versions retired today")
        try writeSite(version: 4)
        try collect(["--quiet", "--keep-versions", "0"])
        XCTAssertFalse(exists(first), "--keep-versions 0 drops every previous version")
        XCTAssertEqual(
            try files().filter { $0.hasPrefix("css/app.") && !$0.hasPrefix("css/app.css") }.count,
            1 + ContentCoding.allCases.count,
            "only the current app.css hashed copy and its siblings"
        )
    }

    func testNoCacheRewritesEverythingAgain() throws {
        try writeSite()
        try collect(["--quiet"])
        let warm = try collect([])
        XCTAssertTrue(warm.stdout.contains(" 0 rewritten"), warm.stdout)
        let cold = try collect(["--no-cache"])
        XCTAssertTrue(cold.stdout.contains(" 2 rewritten"), cold.stdout)
    }

    func testJobsOneAndTwoGiveTheSameTree() throws {
        try writeSite()
        try collect(["--quiet", "--jobs", "1"], into: path("one"))
        try collect(["--quiet", "--jobs", "2"], into: path("two"))
        let one = try snapshot(path("one")).filter { !$0.key.hasPrefix(".hush") }
        let two = try snapshot(path("two")).filter { !$0.key.hasPrefix(".hush") }
        XCTAssertEqual(one, two)
    }

    // MARK: - hush clean

    func testCleanWithoutStaticfilesJSONIsAOneLineError() throws {
        try root.write("empty/readme.txt", "x")
        assertOneLineError(try runHush(["clean", path("empty")]), startingWith: path("empty"))
        XCTAssertTrue(exists("readme.txt", in: path("empty")), "nothing removed")
        assertOneLineError(try runHush(["clean", path("missing")]), startingWith: path("missing"))
    }

    func testCleanKeepVersionsZeroPrintsEachRemovedPathAndFreesOnlyUnnamedFiles() throws {
        try writeSite(version: 1)
        try collect(["--quiet"])
        let first = try manifestPaths()
        try writeSite(version: 2)
        try collect(["--quiet"])
        let current = try manifestPaths()
        let before = try snapshot(output)
        // Expected independently: every file neither manifest-named now (with siblings) nor Hush's own.
        var named: Set<String> = ["staticfiles.json", "hush-manifest.json"]
        for name in Array(current.keys) + Array(current.values) {
            named.formUnion([name] + ContentCoding.allCases.map { name + $0.fileSuffix })
        }
        let stale = Set(before.keys.filter { !named.contains($0) && !$0.hasPrefix(".hush/") })
        // …and the new app.css compressed against it (RFC 9842 dcz), which goes with its dictionary.
        let oldHash = first["css/app.css"]!.dropFirst("css/app.".count).prefix(12)
        XCTAssertEqual(
            stale,
            Set(
                [first["css/app.css"]!] + ContentCoding.allCases.map { first["css/app.css"]! + $0.fileSuffix }
                    + [current["css/app.css"]! + "." + oldHash + ".dcz"]
            ),
            "premise: the previous app.css (and siblings) was carried over"
        )
        let history = try FileManager.default.contentsOfDirectory(atPath: output + "/.hush/manifests")
        XCTAssertEqual(history.count, 1)

        let dry = try runHush(["clean", output, "--keep-versions", "0", "--dry-run"])
        XCTAssertEqual(dry.status, 0, dry.stderr)
        XCTAssertEqual(try snapshot(output), before, "--dry-run removes nothing")
        XCTAssertEqual(
            Set(
                dry.stdout.split(separator: "\n").filter {
                    $0.hasPrefix("hush: would remove ") && !$0.contains(" files;")
                }.map { String($0.dropFirst("hush: would remove ".count)) }
            ),
            stale.union([".hush/manifests/" + history[0]])
        )

        let result = try runHush(["clean", output, "--keep-versions", "0"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr, "")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        let removed = Set(
            lines.filter { $0.hasPrefix("hush: removed ") && !$0.contains(" files;") }.map {
                String($0.dropFirst("hush: removed ".count))
            }
        )
        XCTAssertEqual(removed, stale.union([".hush/manifests/" + history[0]]), result.stdout)
        let after = try snapshot(output)
        for name in stale { XCTAssertNil(after[name], name) }
        for (name, data) in before where !stale.contains(name) && !name.hasPrefix(".hush/manifests/") {
            XCTAssertEqual(after[name], data, "\(name) must not be touched")
        }
    }

    func testCleanWithDefaultKeepVersionsRemovesNothingAfterTwoRuns() throws {
        try writeSite(version: 1)
        try collect(["--quiet"])
        try writeSite(version: 2)
        try collect(["--quiet"])
        let before = try snapshot(output)
        let result = try runHush(["clean", output])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertFalse(result.stdout.contains("hush: removed css/"), result.stdout)
        XCTAssertEqual(try snapshot(output), before)
    }

    func testCleanWithAnUnreadableHistoryRecordIsAOneLineErrorAndRemovesNothing() throws {
        try writeSite(version: 1)
        try collect(["--quiet"])
        try writeSite(version: 2)
        try collect(["--quiet"])
        let history = try FileManager.default.contentsOfDirectory(atPath: output + "/.hush/manifests")
        XCTAssertEqual(history.count, 1)
        try Data("not json".utf8).write(to: URL(fileURLWithPath: output + "/.hush/manifests/" + history[0]))
        let before = try snapshot(output)
        assertOneLineError(
            try runHush(["clean", output, "--keep-versions", "0"]),
            startingWith: output + "/.hush/manifests/" + history[0]
        )
        XCTAssertEqual(try snapshot(output), before)
    }
}
