import Foundation
import Glibc
import XCTest

/// `hush serve --digest-cache`: the digests a run computed are in the file when it exits, and
/// the default file lives in the cache directory, never in STATIC_ROOT.
final class DigestCLITests: XCTestCase {
    private var dir: String!

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "hush-digests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir + "/root/css", withIntermediateDirectories: true)
        try Data("body{}\n".utf8).write(to: URL(fileURLWithPath: dir + "/root/css/app.0123456789ab.css"))
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    private func serveOnce(_ arguments: [String], environment: [String: String] = [:]) throws {
        let hush = try HushProcess(
            ["serve", "--root", dir + "/root", "--port", "0"] + arguments,
            environment: environment
        )
        let line = try XCTUnwrap(hush.waitForStdoutLine(containing: "hush: serving"))
        let match = try XCTUnwrap(line.range(of: #":[0-9]+/"#, options: .regularExpression))
        let port = try XCTUnwrap(Int(line[match].dropFirst().dropLast()))
        let connection = try RawConnection(port: port)
        try connection.send("GET /static/css/app.0123456789ab.css HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(try connection.readResponse().status, 200)
        hush.signal(SIGTERM)
        XCTAssertEqual(hush.waitForExit(), 0, hush.stderrText)
    }

    func testTheDigestCacheFlagNamesTheFileWrittenAtExit() throws {
        let cache = dir + "/state/serve.digests"
        try serveOnce(["--digest-cache", cache, "--no-digest-pass"])
        let bytes = try XCTUnwrap(FileManager.default.contents(atPath: cache))
        XCTAssertEqual(Array(bytes.prefix(8)), Array("HUSHDGS1".utf8))
        XCTAssertEqual(bytes.count, 8 + 56, "one file hashed, one record")
    }

    func testTheDefaultFileIsInTheCacheDirectoryAndAnEmptyValueKeepsNone() throws {
        try serveOnce([], environment: ["HUSH_CACHE_DIR": dir + "/cache"])
        let written = try FileManager.default.contentsOfDirectory(atPath: dir + "/cache/serve")
        XCTAssertEqual(written.count, 1)
        XCTAssertTrue(written[0].hasSuffix(".digests"), "\(written)")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir + "/root"), ["css"])
        try serveOnce([], environment: ["HUSH_CACHE_DIR": dir + "/none", "HUSH_DIGEST_CACHE": ""])
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/none"))
    }
}
