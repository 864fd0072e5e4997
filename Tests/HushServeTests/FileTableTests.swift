import Foundation
import Glibc
import HushCore
import NIOCore
import XCTest

@testable import HushServe

final class FileTableTests: XCTestCase {
    func testTakesInFilesWithSiblingsAsRepresentations() throws {
        let f = try Fixture.site()
        let table = try f.table()
        XCTAssertEqual(
            Set(table.resources.keys),
            [
                "css/app.0123456789ab.css", "css/app.css", "js/app.js", "index.html",
                "docs/index.html", "fonts/f.woff2", "staticfiles.json",
            ]
        )
        let css = try XCTUnwrap(table.resource(at: "css/app.0123456789ab.css"))
        XCTAssertEqual(css.variant(.br)?.length, "BROTLI-BYTES".utf8.count)
        XCTAssertEqual(css.variant(.gzip)?.length, "GZIP-MEMBER-BYTES".utf8.count)
        XCTAssertNil(table.resource(at: "css/app.0123456789ab.css.br"), "siblings are not URLs of their own")
        XCTAssertEqual(table.indexedDirectories, ["", "docs"])
    }

    func testVariantsFollowTheCodingTableAndOrphanSiblingsAreURLs() throws {
        let f = try Fixture.site()
        try f.write("js/lonely.js.gz", "GZ")
        try f.write("js/app.js.br", "BR")
        // Between the Brotli (12 bytes) and gzip (17 bytes) siblings, as zstd usually is.
        try f.write("css/app.0123456789ab.css.zst", "ZSTD-FRAMEBYTES")
        let table = try f.table()
        let css = try XCTUnwrap(table.resource(at: "css/app.0123456789ab.css"))
        XCTAssertEqual(css.codings, ContentCoding.allCases)
        XCTAssertEqual(css.variants.map(\.coding), ContentCoding.allCases)
        for coding in ContentCoding.allCases {
            XCTAssertTrue(css.representation(for: coding) === css.variant(coding))
            XCTAssertEqual(
                String(buffer: try XCTUnwrap(css.variant(coding)).head).contains(
                    "Content-Encoding: \(coding.token)\r\n"
                ),
                true
            )
        }
        XCTAssertTrue(css.representation(for: nil) === css.identity)
        let js = try XCTUnwrap(table.resource(at: "js/app.js"))
        XCTAssertEqual(js.codings, [.br])
        XCTAssertTrue(js.representation(for: .gzip) === js.identity, "a coding without its sibling is identity")
        XCTAssertNotNil(table.resource(at: "js/lonely.js.gz"), "a sibling without its file is a URL of its own")
    }

    func testVariantsAreOrderedSmallestFirstWithTiesInTableOrder() throws {
        let f = try Fixture.site()
        try f.write("css/app.0123456789ab.css.zst", "ZSTD")  // smaller than the Brotli sibling
        try f.write("js/app.js.br", "SAME")
        try f.write("js/app.js.zst", "SAME")
        try f.write("js/app.js.gz", "SAME")
        let table = try f.table()
        XCTAssertEqual(table.resource(at: "css/app.0123456789ab.css")?.codings, [.zstd, .br, .gzip])
        XCTAssertEqual(table.resource(at: "js/app.js")?.codings, [.br, .zstd, .gzip])
    }

    func testForeignZstdSuffixIsReadOnlyWithoutTheOwnOne() throws {
        let f = try Fixture.site()
        try f.write("js/app.js.zstd", "FROM-ANOTHER-TOOL")
        var table = try f.table()
        let js = try XCTUnwrap(table.resource(at: "js/app.js"))
        XCTAssertEqual(js.codings, [.zstd])
        XCTAssertEqual(js.variant(.zstd)?.etag, "\"" + MD5.hex(Array("FROM-ANOTHER-TOOL".utf8)) + "\"")
        XCTAssertNil(table.resource(at: "js/app.js.zstd"), "a sibling, not a URL of its own")

        try f.write("js/app.js.zst", "FROM-HUSH")
        table = try f.table()
        let both = try XCTUnwrap(table.resource(at: "js/app.js"))
        XCTAssertEqual(both.codings, [.zstd])
        XCTAssertEqual(both.variant(.zstd)?.etag, "\"" + MD5.hex(Array("FROM-HUSH".utf8)) + "\"", ".zst wins")
        XCTAssertNotNil(table.resource(at: "js/app.js.zstd"), "the losing .zstd is a file of its own")
        XCTAssertNil(table.resource(at: "js/app.js.zst"))
    }

    func testNeverTakesInDotfilesOrSymlinksLeavingTheRoot() throws {
        let f = try Fixture.site()
        let outside = try Fixture()
        try outside.write("secret.txt", "outside")
        try f.symlink("escape.txt", to: outside.root + "/secret.txt")
        try f.symlink("escape-dir", to: outside.root)
        try f.symlink("inside.css", to: f.root + "/css/app.css")
        try f.symlink("loop", to: f.root)
        let table = try f.table()
        XCTAssertNil(table.resource(at: "escape.txt"))
        XCTAssertNil(table.resource(at: "escape-dir/secret.txt"))
        XCTAssertNil(table.resource(at: ".env"))
        XCTAssertNil(table.resource(at: ".hush-cache/secret.txt"))
        XCTAssertNotNil(table.resource(at: "inside.css"), "a symlink inside the root is served")
    }

    func testHashedNamesComeFromTheManifestWhenPresent() throws {
        let f = try Fixture.site()
        try f.write("img/logo.abcdef012345.png", [1])  // hash-like but not in the manifest
        let table = try f.table()
        XCTAssertEqual(table.resource(at: "css/app.0123456789ab.css")?.isHashed, true)
        XCTAssertEqual(table.resource(at: "css/app.css")?.isHashed, false)
        XCTAssertEqual(table.resource(at: "img/logo.abcdef012345.png")?.isHashed, false)
    }

    func testWithoutManifestTwelveHexNamesAreHashed() throws {
        let f = try Fixture.site()
        try f.remove(Manifest.fileName)
        let table = try f.table()
        XCTAssertEqual(table.resource(at: "css/app.0123456789ab.css")?.isHashed, true)
        XCTAssertEqual(table.resource(at: "js/app.js")?.isHashed, false)
    }

    func testPreRenderedHeadsCarryExactHeaders() throws {
        let f = try Fixture.site()
        let table = try f.table()
        let css = try XCTUnwrap(table.resource(at: "css/app.0123456789ab.css"))
        let etag = "\"" + MD5.hex(Array("BROTLI-BYTES".utf8)) + "\""
        XCTAssertEqual(
            String(buffer: try XCTUnwrap(css.variant(.br)).head),
            "HTTP/1.1 200 OK\r\nETag: \(etag)\r\nCache-Control: public, max-age=315360000, immutable\r\n"
                + "Vary: Accept-Encoding\r\nContent-Type: text/css; charset=utf-8\r\n"
                + "Last-Modified: Sun, 06 Nov 1994 08:49:37 GMT\r\nContent-Encoding: br\r\n"
                + #"Use-As-Dictionary: match="/static/css/app.*.css", match-dest=("style")"#
                + "\r\nAccept-Ranges: bytes\r\nX-Content-Type-Options: nosniff\r\nContent-Length: 12\r\n"
        )
        XCTAssertEqual(
            String(buffer: try XCTUnwrap(css.variant(.br)).head304),
            "HTTP/1.1 304 Not Modified\r\nETag: \(etag)\r\nCache-Control: public, max-age=315360000, immutable\r\n"
                + "Vary: Accept-Encoding\r\n"
        )
        XCTAssertEqual(
            String(buffer: try XCTUnwrap(css.variant(.br)).head206),
            "HTTP/1.1 206 Partial Content\r\nETag: \(etag)\r\nCache-Control: public, max-age=315360000, immutable\r\n"
                + "Vary: Accept-Encoding\r\nContent-Type: text/css; charset=utf-8\r\n"
                + "Last-Modified: Sun, 06 Nov 1994 08:49:37 GMT\r\nContent-Encoding: br\r\n"
                + #"Use-As-Dictionary: match="/static/css/app.*.css", match-dest=("style")"#
                + "\r\nAccept-Ranges: bytes\r\nX-Content-Type-Options: nosniff\r\n"
        )
        let js = try XCTUnwrap(
            try f.table {
                $0.maxAge = 42
                $0.headers.noSniff = false
            }.resource(at: "js/app.js")
        )
        XCTAssertEqual(
            String(buffer: js.identity.head),
            "HTTP/1.1 200 OK\r\nETag: \"\(MD5.hex(Array(String(repeating: "x", count: 1000).utf8)))\"\r\n"
                + "Cache-Control: public, max-age=42\r\nContent-Type: text/javascript; charset=utf-8\r\n"
                + "Last-Modified: Sun, 06 Nov 1994 08:49:37 GMT\r\nAccept-Ranges: bytes\r\nContent-Length: 1000\r\n"
        )
    }

    func testETagIsDerivedFromContentOnly() throws {
        let a = try Fixture()
        let b = try Fixture()
        try a.write("x.css", "same", modified: 1_000)
        try b.write("x.css", "same", modified: 2_000)
        XCTAssertEqual(
            try a.table().resource(at: "x.css")?.identity.etag,
            try b.table().resource(at: "x.css")?.identity.etag
        )
    }

    func testMemoryBudgetKeepsSmallestFilesInMemoryAndSendsTheRestFromDisk() throws {
        let f = try Fixture()
        try f.write("small.txt", String(repeating: "s", count: 100))
        try f.write("medium.txt", String(repeating: "m", count: 1_000))
        try f.write("large.txt", String(repeating: "l", count: 5_000))
        let table = try f.table {
            $0.memoryCacheBytes = 1_200
            $0.memoryFileLimit = 4_000
        }
        func inMemory(_ rel: String) -> Bool {
            if case .memory? = table.resource(at: rel)?.identity.body { return true }
            return false
        }
        XCTAssertTrue(inMemory("small.txt"))
        XCTAssertTrue(inMemory("medium.txt"))
        XCTAssertFalse(inMemory("large.txt"))
        XCTAssertEqual(table.memoryBytes, 1_100)
    }

    func testInMemoryBodiesAreExactAndOutliveAReload() throws {
        let f = try Fixture()
        let contents = (0..<300).map { i in String(repeating: "\(i % 10)", count: 1 + (i * 37) % 2_000) }
        for (i, text) in contents.enumerated() { try f.write("f\(i).txt", text) }
        let first = try f.table()
        func body(_ table: FileTable, _ rel: String) -> String? {
            guard case .memory(let buffer)? = table.resource(at: rel)?.identity.body else { return nil }
            return String(buffer: buffer)
        }
        for (i, text) in contents.enumerated() {
            XCTAssertEqual(body(first, "f\(i).txt"), text)
            XCTAssertEqual(first.resource(at: "f\(i).txt")?.identity.etag, "\"" + MD5.hex(Array(text.utf8)) + "\"")
        }
        XCTAssertEqual(first.memoryBytes, contents.reduce(0) { $0 + $1.utf8.count })
        try f.write("f7.txt", "changed", modified: 9_000)
        let second = try FileTable.load(configuration: f.configuration(), previous: first)
        XCTAssertEqual(body(second, "f7.txt"), "changed")
        XCTAssertEqual(body(first, "f7.txt"), contents[7], "a table still serving keeps its own bytes")
    }

    func testReloadReusesETagsOfUnchangedFilesAndSeesChanges() throws {
        let f = try Fixture()
        try f.write("a.txt", "one", modified: 1_000)
        let first = try f.table()
        try f.write("a.txt", "two", modified: 2_000)
        try f.write("b.txt", "new")
        let second = try FileTable.load(configuration: f.configuration(), previous: first)
        XCTAssertEqual(second.resource(at: "a.txt")?.identity.etag, "\"" + MD5.hex(Array("two".utf8)) + "\"")
        XCTAssertNotNil(second.resource(at: "b.txt"))
        let hashed = second.loader.digests.hashedCount
        let third = try FileTable.load(configuration: f.configuration(), previous: second)
        XCTAssertEqual(third.resource(at: "a.txt")?.identity.etag, second.resource(at: "a.txt")?.identity.etag)
        XCTAssertNotNil(third.resource(at: "b.txt"))
        XCTAssertEqual(third.loader.digests.hashedCount, hashed, "unchanged files were hashed again")
    }

    func testMissingRootIsAnActionableError() {
        XCTAssertThrowsError(try FileTable.load(configuration: ServeConfiguration(root: "/nonexistent/hush"))) {
            error in
            XCTAssertEqual(error as? ServeError, .rootNotADirectory("/nonexistent/hush"))
            XCTAssertTrue("\(error)".contains("--root"))
        }
    }

    func testBadManifestIsAnActionableError() throws {
        let f = try Fixture()
        try f.write(Manifest.fileName, "{nope")
        XCTAssertThrowsError(try f.table()) { error in
            guard case .badManifest? = error as? ServeError else { return XCTFail("\(error)") }
        }
    }

    /// Runs `body` on its own thread; true when it returned within `seconds`. A FIFO opened for
    /// reading blocks until a writer appears, so on a timeout `unblock` opens one to free the thread.
    private func returnsPromptly(
        within seconds: Double,
        unblocking fifo: String,
        _ body: @escaping @Sendable () -> Void
    ) -> Bool {
        let done = DispatchSemaphore(value: 0)
        Thread {
            body()
            done.signal()
        }.start()
        guard done.wait(timeout: .now() + seconds) == .success else {
            let writer = open(fifo, O_WRONLY | O_NONBLOCK)
            _ = done.wait(timeout: .now() + 5)
            if writer >= 0 { close(writer) }
            return false
        }
        return true
    }

    func testAFIFOSwappedInAfterTheScanIsRefusedWithoutBlocking() throws {
        // The scan lists only regular files; between listing and opening, the name can become a
        // FIFO, whose open would wait for a writer forever and, with it, the reload and SIGTERM.
        let f = try Fixture.site()
        let fifo = f.root + "/js/swapped.js"
        XCTAssertEqual(mkfifo(fifo, 0o644), 0)
        let table = try f.table()
        XCTAssertTrue(
            returnsPromptly(within: 5, unblocking: fifo) {
                XCTAssertNil(table.loader.load("js/swapped.js"))
            },
            "opening a FIFO to serve it blocked"
        )
        XCTAssertTrue(
            returnsPromptly(within: 5, unblocking: fifo) {
                XCTAssertNil(try? FileTable.readAll(path: fifo))
            },
            "reading a FIFO as the manifest blocked"
        )
        XCTAssertNil(try f.table().resource(at: "js/swapped.js"), "a FIFO present at the scan is not taken in")
    }
}
