import Foundation
import XCTest

@testable import HushCollect

/// Finding files with Django's STATICFILES_DIRS semantics (`FileSystemFinder` + `get_files`).
final class FinderTests: TemporaryRootTestCase {
    override class var rootLabel: String { "hush-finder" }

    func find(_ sources: [SourceDirectory], ignore extra: [String] = []) throws -> FindResult {
        var configuration = CollectConfiguration(sources: sources, output: path("out"))
        configuration.extraIgnorePatterns = extra
        return try Finder(sources: sources, ignorePatterns: configuration.ignorePatterns).find()
    }

    func names(_ result: FindResult) -> [String] { result.files.map(\.name).sorted() }

    func assertFindFails(
        _ sources: [SourceDirectory],
        _ expected: CollectError,
        file: StaticString = #filePath,
        line: UInt = #line
    ) {
        XCTAssertThrowsError(try find(sources), file: file, line: line) { error in
            XCTAssertEqual(error as? CollectError, expected, file: file, line: line)
        }
    }

    // MARK: - Sources, first wins, prefixes

    func testFirstSourceWinsAndTheShadowedListNamesBothFiles() throws {
        try root.write("src1/css/app.css", "one")
        try root.write("src2/css/app.css", "two")
        try root.write("src2/img/only.png", "png")
        let result = try find([SourceDirectory(path: path("src1")), SourceDirectory(path: path("src2"))])
        XCTAssertEqual(names(result), ["css/app.css", "img/only.png"])
        XCTAssertEqual(result.files.first { $0.name == "css/app.css" }?.sourcePath, path("src1/css/app.css"))
        XCTAssertEqual(
            result.shadowed,
            [
                ShadowedFile(
                    name: "css/app.css",
                    sourcePath: path("src2/css/app.css"),
                    winnerPath: path("src1/css/app.css")
                )
            ]
        )
    }

    func testAFileInOneSourceAndADirectoryOfTheSameNameInAnotherIsRefused() throws {
        try root.write("s1/css/theme", "a file")
        try root.write("s2/css/theme/dark.css", ".d {}")
        assertFindFails(
            [SourceDirectory(path: path("s1")), SourceDirectory(path: path("s2"))],
            .nameClash(name: "css/theme", file: path("s1/css/theme"), directoryEntry: path("s2/css/theme/dark.css"))
        )
    }

    func testSourcesAreSearchedInTheOrderGiven() throws {
        try root.write("src1/a.txt", "one")
        try root.write("src2/a.txt", "two")
        let result = try find([SourceDirectory(path: path("src2")), SourceDirectory(path: path("src1"))])
        XCTAssertEqual(result.files.map(\.sourcePath), [path("src2/a.txt")])
        XCTAssertEqual(result.shadowed.map(\.sourcePath), [path("src1/a.txt")])
    }

    func testNFCAndNFDNamesDoNotShadowEachOther() throws {
        try root.write("src1/caf\u{E9}.css", "nfc")
        try root.write("src2/cafe\u{301}.css", "nfd")
        let result = try find([SourceDirectory(path: path("src1")), SourceDirectory(path: path("src2"))])
        XCTAssertEqual(result.files.count, 2, "Python compares names by code point: two different files")
        XCTAssertTrue(result.shadowed.isEmpty)
    }

    func testPrefixMountsASourceUnderItsPrefix() throws {
        try root.write("src2/css/lib.css", "x")
        try root.write("src1/css/lib.css", "y")
        let result = try find([
            SourceDirectory(path: path("src1")), SourceDirectory(prefix: "vendor", path: path("src2")),
        ])
        XCTAssertEqual(names(result), ["css/lib.css", "vendor/css/lib.css"])
        let vendor = result.files.first { $0.name == "vendor/css/lib.css" }
        XCTAssertEqual(vendor?.relativePath, "css/lib.css", "patterns see the path inside the source")
        XCTAssertEqual(vendor?.sourcePath, path("src2/css/lib.css"))
        XCTAssertTrue(result.shadowed.isEmpty)
    }

    func testNestedPrefixCollidesWithTheSamePathInAnEarlierSource() throws {
        try root.write("src1/lib/v2/readme.txt", "first")
        try root.write("src2/readme.txt", "second")
        try root.write("src2/lib.js", "js")
        let result = try find([
            SourceDirectory(path: path("src1")), SourceDirectory(argument: "lib/v2=" + path("src2")),
        ])
        XCTAssertEqual(names(result), ["lib/v2/lib.js", "lib/v2/readme.txt"])
        XCTAssertEqual(
            result.files.first { $0.name == "lib/v2/readme.txt" }?.sourcePath,
            path("src1/lib/v2/readme.txt")
        )
        XCTAssertEqual(result.shadowed.map(\.sourcePath), [path("src2/readme.txt")])
    }

    func testSourceArgumentSplitsAtTheFirstEquals() {
        XCTAssertEqual(SourceDirectory(argument: "vendor=dir"), SourceDirectory(prefix: "vendor", path: "dir"))
        XCTAssertEqual(SourceDirectory(argument: "dir"), SourceDirectory(prefix: "", path: "dir"))
        XCTAssertEqual(SourceDirectory(argument: "=a=b"), SourceDirectory(prefix: "", path: "a=b"))
        XCTAssertEqual(SourceDirectory(argument: "a=b=c"), SourceDirectory(prefix: "a", path: "b=c"))
    }

    func testFilesOfADirectoryComeBeforeItsSubdirectories() throws {
        try root.write("src/sub/deep.txt", "d")
        try root.write("src/top.txt", "t")
        try root.write("src/sub/x/y.txt", "y")
        let result = try find([SourceDirectory(path: path("src"))])
        XCTAssertEqual(
            result.files.map(\.name),
            ["top.txt", "sub/deep.txt", "sub/x/y.txt"],
            "get_files yields a directory's files, then recurses"
        )
    }

    func testFoundFilesCarryTheirSize() throws {
        try root.write("src/a.bin", [UInt8](repeating: 7, count: 1234))
        XCTAssertEqual(try find([SourceDirectory(path: path("src"))]).files.first?.size, 1234)
    }

    // MARK: - Ignore patterns

    func testDefaultIgnoresApplyToFilesAndDirectories() throws {
        for file in [
            "src/keep.css", "src/.hidden.png", "src/backup.css~", "src/CVS/Entries", "src/.git/HEAD", "src/old~/x.css",
            "src/css/.DS_Store", "src/css/CVS", "src/css/keep.png",
        ] {
            try root.write(file, "x")
        }
        let result = try find([SourceDirectory(path: path("src"))])
        XCTAssertEqual(names(result), ["css/keep.png", "keep.css"])
        // .hidden.png, backup.css~, CVS/, .git/, old~/, css/.DS_Store, css/CVS
        XCTAssertEqual(result.ignored, 7)
    }

    func testIgnoreGlobsMatchBaseNamesAndRelativePaths() throws {
        for file in [
            "src/a.scss", "src/css/b.scss", "src/css/legacy/old.css", "src/css/legacy/deep/older.css",
            "src/css/new.css",
            "src/drafts/x.css", "src/css/drafts/y.css",
        ] {
            try root.write(file, "x")
        }
        let result = try find([SourceDirectory(path: path("src"))], ignore: ["*.scss", "css/legacy/*", "drafts"])
        XCTAssertEqual(names(result), ["css/new.css"])
    }

    func testDirectoriesAreMatchedByBaseNameOnly() throws {
        try root.write("src/css/legacy/old.css", "x")
        try root.write("src/css/other.css", "x")
        // "css/legacy" names a directory by its path: Django matches directories by base name only,
        // and the files below have longer paths, so nothing is ignored.
        let result = try find([SourceDirectory(path: path("src"))], ignore: ["css/legacy"])
        XCTAssertEqual(names(result), ["css/legacy/old.css", "css/other.css"])
        XCTAssertEqual(result.ignored, 0)
        // The base name does ignore the directory.
        let byBase = try find([SourceDirectory(path: path("src"))], ignore: ["legacy"])
        XCTAssertEqual(names(byBase), ["css/other.css"])
    }

    func testIgnoreGlobsSeeThePathInsideTheSourceNotThePrefixedName() throws {
        try root.write("src2/img/b.svg", "x")
        try root.write("src2/img/c.png", "x")
        let result = try find(
            [SourceDirectory(prefix: "vendor", path: path("src2"))],
            ignore: ["img/*.svg", "vendor/*"]
        )
        XCTAssertEqual(names(result), ["vendor/img/c.png"])
    }

    func testIgnorePatternsAreNormalizedLikeDjango() {
        var configuration = CollectConfiguration(sources: [], output: "out")
        configuration.extraIgnorePatterns = ["./css//legacy/", "*.map", "*.map"]
        XCTAssertEqual(configuration.ignorePatterns, ["CVS", ".*", "*~", "css/legacy", "*.map"])
    }

    func testIgnoreClassAndUnclosedBracketPatterns() throws {
        for file in ["src/a1.txt", "src/b1.txt", "src/[x.txt", "src/x.txt"] { try root.write(file, "x") }
        let result = try find([SourceDirectory(path: path("src"))], ignore: ["[!a]1.txt", "[x.txt"])
        XCTAssertEqual(names(result), ["a1.txt", "x.txt"])
    }

    // MARK: - Symlinks and odd files

    func testSymlinkedFileAndDirectoryAreFollowed() throws {
        try root.write("outside/real.css", "body{}")
        try root.write("outside/dir/inner.png", "png")
        try root.write("src/plain.txt", "t")
        XCTAssertEqual(symlink("../outside/real.css", path("src/link.css")), 0)
        XCTAssertEqual(symlink("../outside/dir", path("src/linkdir")), 0)
        let result = try find([SourceDirectory(path: path("src"))])
        XCTAssertEqual(names(result), ["link.css", "linkdir/inner.png", "plain.txt"])
        XCTAssertEqual(result.files.first { $0.name == "link.css" }?.size, 6)
        XCTAssertEqual(result.files.first { $0.name == "linkdir/inner.png" }?.sourcePath, path("src/linkdir/inner.png"))
    }

    func testSymlinkLoopIsRefused() throws {
        try root.write("src/a/file.txt", "x")
        XCTAssertEqual(symlink("..", path("src/a/up")), 0)
        assertFindFails([SourceDirectory(path: path("src"))], .symlinkLoop(path("src/a/up")))
    }

    func testSelfLinkIsASymlinkLoop() throws {
        try root.write("src/a/file.txt", "x")
        XCTAssertEqual(symlink(".", path("src/a/self")), 0)
        assertFindFails([SourceDirectory(path: path("src"))], .symlinkLoop(path("src/a/self")))
    }

    func testTwoLinksToTheSameDirectoryAreNotALoop() throws {
        try root.write("shared/x.txt", "x")
        try root.write("src/keep.txt", "k")
        XCTAssertEqual(symlink("../shared", path("src/one")), 0)
        XCTAssertEqual(symlink("../shared", path("src/two")), 0)
        XCTAssertEqual(names(try find([SourceDirectory(path: path("src"))])), ["keep.txt", "one/x.txt", "two/x.txt"])
    }

    func testBrokenSymlinkIsAnError() throws {
        try root.write("src/ok.txt", "x")
        XCTAssertEqual(symlink("nowhere.png", path("src/dangling.png")), 0)
        assertFindFails([SourceDirectory(path: path("src"))], .brokenSymlink(path("src/dangling.png")))
    }

    func testIgnoredBrokenSymlinkIsNotAnError() throws {
        try root.write("src/ok.txt", "x")
        XCTAssertEqual(symlink("nowhere", path("src/.dangling")), 0)
        XCTAssertEqual(names(try find([SourceDirectory(path: path("src"))])), ["ok.txt"])
    }

    func testFIFOIsNotARegularFile() throws {
        try root.write("src/ok.txt", "x")
        XCTAssertEqual(mkfifo(path("src/pipe"), 0o644), 0)
        assertFindFails([SourceDirectory(path: path("src"))], .notRegularFile(path("src/pipe")))
    }

    func testNonUTF8FileNameIsRefusedWithAnEscapedName() throws {
        try root.write("src/ok.txt", "x")
        var bytes = Array((path("src") + "/bad").utf8) + [0xFF, 0x2E, 0x63, 0x73, 0x73, 0]
        let fd = bytes.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                open($0, O_WRONLY | O_CREAT, 0o644)
            }
        }
        XCTAssertGreaterThanOrEqual(fd, 0)
        close(fd)
        assertFindFails(
            [SourceDirectory(path: path("src"))],
            .notUTF8Name(directory: path("src"), escaped: "bad\\xff.css")
        )
        XCTAssertEqual(
            CollectError.notUTF8Name(directory: "src", escaped: "bad\\xff.css").description,
            "src: file name 'bad\\xff.css' is not valid UTF-8; rename it"
        )
    }

    // MARK: - Validating sources

    func testMissingSourceIsRefused() {
        XCTAssertThrowsError(try Finder.validate(SourceDirectory(path: path("nope")))) { error in
            XCTAssertEqual(error as? CollectError, .sourceMissing(path("nope")))
        }
    }

    func testSourceThatIsAFileIsRefused() throws {
        try root.write("file.css", "x")
        XCTAssertThrowsError(try Finder.validate(SourceDirectory(path: path("file.css")))) { error in
            XCTAssertEqual(error as? CollectError, .sourceNotADirectory(path("file.css")))
        }
    }

    func testPrefixEndingInSlashIsRefusedAsDjangoDoes() throws {
        try root.write("src/a.txt", "x")
        XCTAssertThrowsError(try Finder.validate(SourceDirectory(argument: "vendor/=" + path("src")))) { error in
            guard case .invalidPrefix(let prefix, _)? = error as? CollectError else { return XCTFail("\(error)") }
            XCTAssertEqual(prefix, "vendor/")
        }
    }

    func testSymlinkToADirectoryIsAValidSource() throws {
        try root.write("real/a.txt", "x")
        XCTAssertEqual(symlink("real", path("linked")), 0)
        XCTAssertNoThrow(try Finder.validate(SourceDirectory(path: path("linked"))))
        XCTAssertEqual(names(try find([SourceDirectory(path: path("linked"))])), ["a.txt"])
    }
}
