import Foundation
import HushCore
import XCTest

@testable import HushCollect

/// Issue 10: `--missing-sourcemaps warn` leaves a `sourceMappingURL` whose map is missing as
/// written and reports one warning line naming the file and the map; `error` (the default) fails
/// as Django does; every other missing reference still fails.
final class MissingSourceMapTests: PipelineTestCase {
    let js = "console.log(1);\n//# sourceMappingURL=lib.min.js.map\n"
    let css = ".a { color: red; }\n/*# sourceMappingURL=theme.css.map */\n"

    func writeSources() throws {
        try root.write("src/js/lib.min.js", js)
        try root.write("src/css/theme.css", css)
        try root.write("src/css/app.css", "@import \"theme.css\";\n")
    }

    func warn(_ c: inout CollectConfiguration) { c.missingSourceMaps = .warn }

    func testByDefaultAMissingSourceMapFailsTheRunAsInDjango() throws {
        try writeSources()
        XCTAssertThrowsError(try collect()) { error in
            guard case .missingReference(_, _, let reference, _)? = error as? CollectError else {
                return XCTFail("\(error)")
            }
            XCTAssertTrue(reference.contains("sourceMappingURL"), reference)
        }
        XCTAssertFalse(exists("staticfiles.json"))
    }

    func testWarnLeavesTheReferenceAsWrittenAndNamesFileAndMapOnce() throws {
        try writeSources()
        let summary = try collect(warn)
        let paths = try manifestPaths()
        XCTAssertEqual(try bytes(paths["js/lib.min.js"]!), Array(js.utf8))
        XCTAssertEqual(try bytes(paths["css/theme.css"]!), Array(css.utf8))
        XCTAssertEqual(paths["js/lib.min.js"], "js/lib.min.\(Self.md5(js)).js", "hashed by its unchanged content")
        XCTAssertEqual(try bytes(paths["css/app.css"]!), Array("@import url(\"theme.\(Self.md5(css)).css\");\n".utf8))
        XCTAssertEqual(
            summary.warnings,
            [
                path("src/css/theme.css")
                    + ":2: /*# sourceMappingURL=theme.css.map */ — source map css/theme.css.map is in no source; left as written",
                path("src/js/lib.min.js")
                    + ":2: //# sourceMappingURL=lib.min.js.map — source map js/lib.min.js.map is in no source; left as written",
            ]
        )
    }

    func testAnExistingMapIsStillRewrittenUnderWarn() throws {
        try writeSources()
        try root.write("src/js/lib.min.js.map", "{}")
        let summary = try collect(warn)
        XCTAssertEqual(summary.warnings.count, 1, "\(summary.warnings)")
        let rewritten = String(decoding: try bytes(try manifestPaths()["js/lib.min.js"]!), as: UTF8.self)
        XCTAssertTrue(rewritten.hasSuffix("//# sourceMappingURL=lib.min.js.\(Self.md5("{}")).map\n"), rewritten)
    }

    func testOtherMissingReferencesStillFailUnderWarn() throws {
        try writeSources()
        try root.write("src/css/broken.css", ".b { background: url(missing.png); }\n")
        XCTAssertThrowsError(try collect(warn)) { error in
            guard case .missingReference(let file, 1, _, _)? = error as? CollectError else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(file, path("src/css/broken.css"))
        }
    }

    /// The incremental replay skips the rewrite, not the warning; a state written under `warn`
    /// does not let a later `error` run succeed.
    func testACachedReplayStillWarnsAndErrorStillFailsAfterAWarnRun() throws {
        try writeSources()
        let first = try collect(warn)
        let tree = try snapshot(output)
        let second = try collect(warn)
        XCTAssertEqual(second.rewritten, 0, "premise: replayed from the incremental state")
        XCTAssertEqual(second.warnings, first.warnings)
        XCTAssertEqual(
            try snapshot(output).filter { !$0.key.hasPrefix(".hush/") },
            tree.filter { !$0.key.hasPrefix(".hush/") }
        )
        XCTAssertThrowsError(try collect()) { error in
            guard case .missingReference? = error as? CollectError else { return XCTFail("\(error)") }
        }
        // The map appears: the replay no longer holds and the reference is rewritten.
        try root.write("src/js/lib.min.js.map", "{}")
        let third = try collect(warn)
        XCTAssertEqual(third.warnings.count, 1, "\(third.warnings)")
    }

    func testRewriterLeavesOnlyTheMissingMapAndReportsItsLine() throws {
        let rewriter = ReferenceRewriter(
            naming: DjangoNaming(staticURL: "/static/"),
            jsModules: false,
            missingSourceMaps: .warn
        )
        let tree = TreeIndex(files: [], originalHashes: [])
        let lookup = CollectedLookup(tree: tree, finalNames: Slots<String>(count: 0), discovering: false)
        var missing: [MissingMap] = []
        let text = Array("a();\n\n//# sourceMappingURL=a.js.map\n".utf8)
        XCTAssertEqual(
            try rewriter.rewrite(text, name: "a.js", path: "a.js", lookup: lookup, missingMaps: &missing),
            text
        )
        XCTAssertEqual(missing, [MissingMap(line: 3, reference: "//# sourceMappingURL=a.js.map", target: "a.js.map")])
        let strict = ReferenceRewriter(naming: DjangoNaming(staticURL: "/static/"), jsModules: false)
        missing = []
        XCTAssertThrowsError(
            try strict.rewrite(text, name: "a.js", path: "a.js", lookup: lookup, missingMaps: &missing)
        )
        XCTAssertEqual(missing, [])
    }
}
