import Foundation
import HushCore
import XCTest

@testable import HushCollect

/// The collect pipeline in-process: names, rewriting, manifest, errors and atomic publishing.
/// Expected names are derived from the spec (`name.<first 12 hex of MD5(final bytes)>.ext`,
/// references rewritten to the final names), never copied from Hush's own output.
final class CollectorTests: TemporaryRootTestCase {
    override class var rootLabel: String { "hush-collector" }

    var output: String { path("public/static") }

    @discardableResult
    func collect(
        _ sources: [String] = ["src"],
        output: String? = nil,
        cancellation: CancellationFlag = CancellationFlag(),
        _ configure: (inout CollectConfiguration) -> Void = { _ in }
    ) throws -> CollectSummary {
        var configuration = CollectConfiguration(
            sources: sources.map { SourceDirectory(argument: $0.contains("=") ? $0 : path($0)) },
            output: output ?? self.output
        )
        configure(&configuration)
        return try Collector(configuration: configuration).run(cancellation: cancellation)
    }

    func assertCollectFails(
        _ expected: CollectError,
        _ sources: [String] = ["src"],
        output: String? = nil,
        cancellation: CancellationFlag = CancellationFlag(),
        file: StaticString = #filePath,
        line: UInt = #line,
        _ configure: (inout CollectConfiguration) -> Void = { _ in }
    ) {
        XCTAssertThrowsError(
            try collect(sources, output: output, cancellation: cancellation, configure),
            file: file,
            line: line
        ) { error in
            XCTAssertEqual(error as? CollectError, expected, file: file, line: line)
        }
    }

    func tree(_ directory: String? = nil) throws -> [String: Data] { try snapshot(directory ?? output) }

    func bytes(_ relative: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: output + "/" + relative)))
    }

    func text(_ relative: String) throws -> String { String(decoding: try bytes(relative), as: UTF8.self) }

    /// Names in the directory holding STATIC_ROOT that look like leftovers of a run.
    func leftovers() throws -> [String] {
        let parent = (output as NSString).deletingLastPathComponent
        guard FileManager.default.fileExists(atPath: parent) else { return [] }
        return try FileManager.default.contentsOfDirectory(atPath: parent).filter { $0.contains(".hush-") }
    }

    /// Every manifest entry's hashed file exists and is named after the MD5 of its own bytes.
    func assertNamesMatchContents(file: StaticString = #filePath, line: UInt = #line) throws {
        let manifest = try Manifest.decode(try bytes(Manifest.fileName))
        XCTAssertFalse(manifest.entries.isEmpty, file: file, line: line)
        for (key, value) in manifest.entries {
            let content = try bytes(value)
            XCTAssertEqual(
                value,
                HashedName.make(path: key, hash: Self.md5(content)),
                "\(value) is not named after its content",
                file: file,
                line: line
            )
            XCTAssertTrue(
                FileManager.default.fileExists(atPath: output + "/" + key),
                "original \(key) missing",
                file: file,
                line: line
            )
        }
    }

    // MARK: - Names, rewriting, manifest

    func testSmallTreeGetsDjangoHashedNamesRewrittenCSSAndManifest() throws {
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 1, 2, 3]
        let css = "body {\n  background: url('../img/logo.png');\n}\n"
        try root.write("src/css/app.css", css)
        try root.write("src/img/logo.png", png)
        try root.write("src/LICENSE", "MIT\n")
        // Only Django's part of the output here; siblings and hush-manifest.json have their own tests.
        let summary = try collect { $0.compression = CompressionPolicy(codings: []) }

        let logo = "img/logo.\(Self.md5(png)).png"
        let rewritten = "body {\n  background: url(\"../\(logo)\");\n}\n"
        let app = "css/app.\(Self.md5(rewritten)).css"
        let license = "LICENSE.\(Self.md5("MIT\n"))"
        let manifest = Manifest(entries: [("css/app.css", app), ("img/logo.png", logo), ("LICENSE", license)])
        let expected: [String: Data] = [
            "css/app.css": Data(css.utf8), app: Data(rewritten.utf8),
            "img/logo.png": Data(png), logo: Data(png),
            "LICENSE": Data("MIT\n".utf8), license: Data("MIT\n".utf8),
            "staticfiles.json": Data(manifest.encoded()),
        ]
        XCTAssertEqual(try snapshot(output, skipping: [".hush", "hush-manifest.json"]), expected)
        XCTAssertEqual(summary.found, 3)
        XCTAssertEqual(summary.hashed, 3)
        XCTAssertEqual(summary.rewritten, 1)
        XCTAssertEqual(try leftovers(), [])
    }

    /// A chain of 8 files at the same depth needs 8 rounds; Django's five extra passes fail on
    /// some listing orders. Hush must resolve it whatever the order, with every name consistent.
    func testLongSameDepthChainResolvesWithNamesConsistentWithContents() throws {
        let png: [UInt8] = Array("not really a png".utf8)
        try root.write("src/css/e.png", png)
        for i in 1...8 {
            let target = i == 8 ? "e.png" : "c\(i + 1).css"
            try root.write("src/css/c\(i).css", ".c\(i) { background: url(\(target)); }\n")
        }
        try collect()
        // Expected by construction, from the end of the chain backwards.
        var nextName = "e.\(Self.md5(png)).png"
        var expectedNames: [String: String] = ["css/e.png": "css/" + nextName]
        for i in (1...8).reversed() {
            let content = ".c\(i) { background: url(\"\(nextName)\"); }\n"
            nextName = "c\(i).\(Self.md5(content)).css"
            expectedNames["css/c\(i).css"] = "css/" + nextName
            XCTAssertEqual(try text("css/" + nextName), content)
        }
        let manifest = try Manifest.decode(try bytes(Manifest.fileName))
        XCTAssertEqual(manifest.paths, expectedNames)
        try assertNamesMatchContents()
    }

    func testChainAcrossDepthsResolves() throws {
        try root.write("src/img/c.png", "png")
        try root.write("src/css/sub/b.css", ".b { background: url(../../img/c.png); }\n")
        try root.write("src/css/a.css", "@import \"sub/b.css\";\n")
        try root.write("src/css/sub/deep/x.css", ".x { background: url(../../a.css); }\n")
        try collect()
        let c = "c.\(Self.md5("png")).png"
        let b = ".b { background: url(\"../../img/\(c)\"); }\n"
        let a = "@import url(\"sub/b.\(Self.md5(b)).css\");\n"
        let x = ".x { background: url(\"../../a.\(Self.md5(a)).css\"); }\n"
        XCTAssertEqual(try text("css/sub/deep/x.\(Self.md5(x)).css"), x)
        try assertNamesMatchContents()
    }

    func testCycleBetweenTwoFilesIsAnErrorNamingBoth() throws {
        try root.write("src/css/a.css", "@import \"b.css\";\n")
        try root.write("src/css/b.css", "@import \"a.css\";\n")
        XCTAssertThrowsError(try collect()) { error in
            guard case .referenceCycle(let files)? = error as? CollectError else { return XCTFail("\(error)") }
            XCTAssertEqual(Set(files), [path("src/css/a.css"), path("src/css/b.css")])
            XCTAssertEqual(files.count, 2)
            XCTAssertTrue("\(error)".contains("a.css") && "\(error)".contains("b.css"))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: output))
        XCTAssertEqual(try leftovers(), [])
    }

    func testCycleBehindAnAcyclicPrefixNamesOnlyTheCycle() throws {
        try root.write("src/css/start.css", "@import \"a.css\";\n")
        try root.write("src/css/a.css", "@import \"b.css\";\n")
        try root.write("src/css/b.css", "@import \"c.css\";\n")
        try root.write("src/css/c.css", "@import \"a.css\";\n")
        XCTAssertThrowsError(try collect()) { error in
            guard case .referenceCycle(let files)? = error as? CollectError else { return XCTFail("\(error)") }
            XCTAssertEqual(Set(files), [path("src/css/a.css"), path("src/css/b.css"), path("src/css/c.css")])
        }
    }

    func testSelfReferenceIsACycle() throws {
        try root.write("src/css/self.css", ".a { background: url(self.css); }\n")
        assertCollectFails(.referenceCycle([path("src/css/self.css")]))
    }

    func testMissingReferenceNamesFileLineAndTarget() throws {
        try root.write("src/img/logo.png", "png")
        try root.write(
            "src/css/app.css",
            "/* header */\n.a { background: url(../img/logo.png); }\n\n.hero { background: url(\"../img/missing.png\"); }\n"
        )
        assertCollectFails(
            .missingReference(
                file: path("src/css/app.css"),
                line: 4,
                reference: "url(\"../img/missing.png\")",
                target: "img/missing.png"
            )
        )
        XCTAssertEqual(
            CollectError.missingReference(
                file: "css/app.css",
                line: 4,
                reference: "url(\"../img/missing.png\")",
                target: "img/missing.png"
            ).description,
            "css/app.css:4: url(\"../img/missing.png\") — no such file in any source (img/missing.png)"
        )
    }

    func testReferenceOutsideTheRootIsAnError() throws {
        try root.write("src/css/app.css", ".a { background: url(../../../x.png); }\n")
        assertCollectFails(
            .referenceOutsideRoot(file: path("src/css/app.css"), line: 1, reference: "url(../../../x.png)")
        )
    }

    func testNonUTF8CSSIsAnError() throws {
        try root.write(
            "src/css/latin1.css",
            [
                0x2E, 0x61, 0x3A, 0x61, 0x66, 0x74, 0x65, 0x72, 0x7B, 0x63, 0x6F, 0x6E, 0x74, 0x65, 0x6E, 0x74, 0x3A,
                0x22, 0xE9, 0x22, 0x7D, 0x0A,
            ]
        )
        assertCollectFails(.notUTF8Content(path("src/css/latin1.css")))
    }

    func testNonUTF8FileThatIsNotRewrittenIsCopiedAsIs() throws {
        let latin1: [UInt8] = [0x63, 0x61, 0x66, 0xE9, 0x0A]
        try root.write("src/notes.txt", latin1)
        try collect()
        XCTAssertEqual(try bytes("notes.\(Self.md5(latin1)).txt"), latin1)
    }

    func testUnicodeAndSpaceNamesAreHashedAndReferenced() throws {
        try root.write("src/css/my file.png", "a")
        try root.write("src/css/caf\u{E9}.png", "b")
        try root.write(
            "src/css/\u{1F389} x.css",
            ".p { background: url('my file.png'); } .q { background: url(caf%C3%A9.png); }\n"
        )
        try collect()
        let space = "my file.\(Self.md5("a")).png"
        let cafe = "caf\u{E9}.\(Self.md5("b")).png"
        let css = ".p { background: url(\"\(space)\"); } .q { background: url(\"\(cafe)\"); }\n"
        XCTAssertEqual(try text("css/\u{1F389} x.\(Self.md5(css)).css"), css)
        let json = try text(Manifest.fileName)
        XCTAssertTrue(json.contains(#""css/\ud83c\udf89 x.css": "css/\ud83c\udf89 x."#), json)
        XCTAssertTrue(json.contains(#""css/caf\u00e9.png""#), json)
        try assertNamesMatchContents()
    }

    func testHashedCopyOfAnOpaqueFileHasIdenticalBytes() throws {
        var blob = [UInt8](repeating: 0, count: 3 * FileSystem.chunkSize + 17)
        for i in blob.indices { blob[i] = UInt8(truncatingIfNeeded: i &* 31 &+ i >> 9) }
        try root.write("src/fonts/big.woff2", blob)
        try root.write("src/img/icon.svg", "<svg><rect style=\"fill:url(#g)\"/><image href=\"missing.png\"/></svg>")
        try collect()
        XCTAssertEqual(try bytes("fonts/big.\(Self.md5(blob)).woff2"), blob)
        XCTAssertEqual(try bytes("fonts/big.woff2"), blob)
        let svg = Array("<svg><rect style=\"fill:url(#g)\"/><image href=\"missing.png\"/></svg>".utf8)
        XCTAssertEqual(try bytes("img/icon.\(Self.md5(svg)).svg"), svg, "only *.css and *.js are rewritten")
    }

    /// A source file named `staticfiles.json` is collected like any other (Django copies it, hashes
    /// it, then replaces only the unhashed name with the manifest): its hashed copy keeps the
    /// source bytes. Checked with Django 6.1: `staticfiles.99914b932bd3.json` contains `{}`.
    func testSourceFileNamedLikeTheManifestKeepsItsHashedCopy() throws {
        try root.write("src/staticfiles.json", "{}")
        try collect()
        let hashed = "staticfiles.\(Self.md5("{}")).json"
        XCTAssertEqual(Self.md5("{}"), "99914b932bd3")
        XCTAssertEqual(
            try text(hashed),
            "{}",
            "writing the manifest must not change the hashed copy of the source file"
        )
        let manifest = Manifest(entries: [("staticfiles.json", hashed)])
        XCTAssertEqual(try bytes(Manifest.fileName), manifest.encoded())
    }

    func testFirstSourceWinsInTheCollectedTree() throws {
        try root.write("src1/a.txt", "first")
        try root.write("src2/a.txt", "second")
        try root.write("src2/b.txt", "only")
        let summary = try collect(["src1", "src2"])
        XCTAssertEqual(try text("a.txt"), "first")
        XCTAssertEqual(try text("a.\(Self.md5("first")).txt"), "first")
        XCTAssertEqual(summary.shadowed.map(\.sourcePath), [path("src2/a.txt")])
        XCTAssertEqual(summary.found, 2)
    }

    func testPrefixMountedFilesAreReferencedThroughThePrefix() throws {
        try root.write(
            "src1/css/site.css",
            ".a { background: url(../vendor/img/v.png); } .b { background: url(/static/vendor/img/v.png); }\n"
        )
        try root.write("src2/img/v.png", "v")
        try collect(["src1", "vendor=" + path("src2")])
        let v = "v.\(Self.md5("v")).png"
        let css =
            ".a { background: url(\"../vendor/img/\(v)\"); } .b { background: url(\"/static/vendor/img/\(v)\"); }\n"
        XCTAssertEqual(try text("css/site.\(Self.md5(css)).css"), css)
        XCTAssertEqual(try text("vendor/img/\(v)"), "v")
    }

    /// A prefix that climbs out (`../evil=DIR`) makes Django refuse the run (SuspiciousFileOperation
    /// "The joined path … is located outside of the base path component"). Hush must refuse it too,
    /// and without writing anything outside its staging directory first.
    func testPrefixClimbingOutOfTheRootIsRefusedWithoutWritingOutsideStaging() throws {
        try root.write("src/a.txt", "a")
        XCTAssertThrowsError(try collect(["../evil=" + path("src")]))
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: path("public/evil")),
            "a failed run wrote beside STATIC_ROOT"
        )
        XCTAssertFalse(FileManager.default.fileExists(atPath: output))
        XCTAssertEqual(try leftovers(), [])
    }

    // MARK: - STATIC_URL

    func testRelativeStaticURLGetsALeadingSlash() throws {
        XCTAssertEqual(try Collector.normalizedStaticURL("static/"), "/static/")
        XCTAssertEqual(try Collector.normalizedStaticURL("/assets/"), "/assets/")
        XCTAssertEqual(try Collector.normalizedStaticURL("https://cdn.example.com/s/"), "https://cdn.example.com/s/")
        try root.write("src/img/a.png", "a")
        try root.write("src/css/app.css", ".a { background: url(/static/img/a.png); }\n")
        try collect { $0.staticURL = "static/" }
        let css = ".a { background: url(\"/static/img/a.\(Self.md5("a")).png\"); }\n"
        XCTAssertEqual(try text("css/app.\(Self.md5(css)).css"), css)
    }

    func testAbsoluteURLsOutsideStaticURLAreLeftAlone() throws {
        try root.write("src/img/a.png", "a")
        try root.write("src/css/app.css", ".a { background: url(/static/img/a.png); }\n")
        try collect { $0.staticURL = "/assets/" }
        let css = ".a { background: url(/static/img/a.png); }\n"
        XCTAssertEqual(try text("css/app.\(Self.md5(css)).css"), css)
    }

    func testStaticURLWithoutTrailingSlashIsRefused() throws {
        try root.write("src/a.txt", "a")
        assertCollectFails(.invalidStaticURL("/assets")) { $0.staticURL = "/assets" }
        assertCollectFails(.invalidStaticURL("static")) { $0.staticURL = "static" }
        XCTAssertFalse(FileManager.default.fileExists(atPath: output))
    }

    // MARK: - Layout errors

    func testOutputInsideASourceIsRefusedAndNothingIsWritten() throws {
        try root.write("src/a.txt", "a")
        let before = try tree(path("src"))
        assertCollectFails(
            .outputInsideSource(output: path("src/static"), source: path("src")),
            output: path("src/static")
        )
        XCTAssertEqual(try tree(path("src")), before)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: path("src")), ["a.txt"])
    }

    func testOutputEqualToASourceIsRefused() throws {
        try root.write("src/a.txt", "a")
        assertCollectFails(.outputInsideSource(output: path("src"), source: path("src")), output: path("src"))
    }

    func testSourceInsideOutputIsRefused() throws {
        try root.write("public/static/src/a.txt", "a")
        assertCollectFails(
            .sourceInsideOutput(source: path("public/static/src"), output: output),
            ["public/static/src"]
        )
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: output), ["src"])
    }

    func testOutputInsideASourceReachedThroughASymlinkIsRefused() throws {
        try root.write("src/a.txt", "a")
        XCTAssertEqual(symlink("src", path("alias")), 0)
        XCTAssertThrowsError(try collect(output: path("alias/static"))) { error in
            guard case .outputInsideSource? = error as? CollectError else { return XCTFail("\(error)") }
        }
    }

    func testMissingSourceAndSourceThatIsAFileAreRefused() throws {
        assertCollectFails(.sourceMissing(path("nope")), ["nope"])
        try root.write("file.css", "x")
        assertCollectFails(.sourceNotADirectory(path("file.css")), ["file.css"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: output))
    }

    func testForeignOutputDirectoryIsNotTouched() throws {
        try root.write("src/a.txt", "a")
        try root.write("public/static/precious.txt", "mine")
        let before = try tree()
        assertCollectFails(.outputNotOwned(output))
        XCTAssertEqual(try tree(), before)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: output), ["precious.txt"])
        XCTAssertEqual(try leftovers(), [])
    }

    func testEmptyExistingOutputDirectoryIsUsed() throws {
        try root.write("src/a.txt", "a")
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        try collect()
        XCTAssertEqual(try text("a.txt"), "a")
    }

    func testOutputWithTrailingSlashIsPublished() throws {
        try root.write("src/a.txt", "a")
        try collect(output: output + "/")
        try collect(output: output + "/")
        XCTAssertEqual(try text("a.\(Self.md5("a")).txt"), "a")
        XCTAssertEqual(try leftovers(), [])
    }

    // MARK: - Atomicity

    func testFailedRunLeavesThePreviousOutputByteForByte() throws {
        try root.write("src/css/app.css", ".a { background: url(../img/a.png); }\n")
        try root.write("src/img/a.png", "a")
        try collect()
        let before = try tree()
        XCTAssertTrue(before.keys.contains(Manifest.fileName))
        try root.write("src/css/broken.css", ".b { background: url(missing.png); }\n")
        try root.write("src/img/a.png", "changed")
        XCTAssertThrowsError(try collect())
        XCTAssertEqual(try tree(), before)
        XCTAssertEqual(try leftovers(), [])
    }

    func testSuccessfulSecondRunReplacesTheOutputCompletely() throws {
        try root.write("src/keep.txt", "keep")
        try root.write("src/gone.txt", "gone")
        try collect()
        XCTAssertTrue(FileManager.default.fileExists(atPath: output + "/gone.\(Self.md5("gone")).txt"))
        try FileManager.default.removeItem(atPath: path("src/gone.txt"))
        try root.write("src/keep.txt", "kept")
        // No earlier version kept: nothing of the first run may survive.
        try collect { $0.retention = RetentionPolicy(keepVersions: 0) }
        let after = try snapshot(output, skipping: [".hush", "hush-manifest.json"])
        let manifest = Manifest(entries: [("keep.txt", "keep.\(Self.md5("kept")).txt")])
        XCTAssertEqual(
            after,
            [
                "keep.txt": Data("kept".utf8), "keep.\(Self.md5("kept")).txt": Data("kept".utf8),
                Manifest.fileName: Data(manifest.encoded()),
            ]
        )
        let parent = (output as NSString).deletingLastPathComponent
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: parent),
            ["static"],
            "no staging or retired tree left beside STATIC_ROOT"
        )
    }

    func testDryRunLeavesTheOutputUntouched() throws {
        try root.write("src/a.txt", "a")
        try collect()
        let before = try tree()
        try root.write("src/b.txt", "b")
        let summary = try collect { $0.dryRun = true }
        XCTAssertTrue(summary.dryRun)
        XCTAssertEqual(summary.found, 2)
        XCTAssertEqual(try tree(), before)
        XCTAssertEqual(try leftovers(), [])
    }

    func testDryRunIntoANewOutputDoesNotCreateIt() throws {
        try root.write("src/a.txt", "a")
        let summary = try collect(output: path("new/deeper/static")) { $0.dryRun = true }
        XCTAssertEqual(summary.found, 1)
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: path("new")),
            "a dry run creates nothing beside the output"
        )
    }

    func testPreCancelledRunIsInterruptedAndLeavesTheOutputUntouched() throws {
        try root.write("src/a.txt", "a")
        try collect()
        let before = try tree()
        try root.write("src/b.txt", "b")
        let flag = CancellationFlag()
        flag.cancel()
        assertCollectFails(.interrupted, cancellation: flag)
        XCTAssertEqual(try tree(), before)
        XCTAssertEqual(try leftovers(), [])
    }

    // MARK: - Parallelism

    func testOneJobAndFourJobsGiveByteIdenticalOutput() throws {
        for i in 0..<40 {
            try root.write("src/img/i\(i).png", [UInt8](repeating: UInt8(i), count: 100 + i * 37))
        }
        for i in 0..<12 {
            var css = "/* file \(i) */\n"
            for j in stride(from: i, to: 40, by: 7) { css += ".i\(j) { background: url(../img/i\(j).png); }\n" }
            if i > 0 { css += "@import \"c\(i - 1).css\";\n" }
            try root.write("src/css/c\(i).css", css)
        }
        try root.write("src/js/app.js", "console.log(1);\n//# sourceMappingURL=app.js.map\n")
        try root.write("src/js/app.js.map", "{}")
        try collect(output: path("one/static")) { $0.jobs = 1 }
        try collect(output: path("four/static")) { $0.jobs = 4 }
        let one = try snapshot(path("one/static"), skipping: [".hush"])
        let four = try snapshot(path("four/static"), skipping: [".hush"])
        let djangoPart = one.keys.filter { ContentCoding.sibling($0) == nil && $0 != "hush-manifest.json" }
        XCTAssertEqual(djangoPart.count, 2 * 54 + 1)
        XCTAssertEqual(one, four)
    }
}
