import HushCore
import NIOCore
import NIOEmbedded
import XCTest

@testable import HushServe

/// `--header`, nosniff, CORS, `--not-found` and `--fallback`, on the handler: exact bytes for
/// 200, 304, 206, HEAD and 404.
final class HeaderRulesTests: XCTestCase {
    private var fixture: Fixture!
    private var channel: EmbeddedChannel!

    override func setUpWithError() throws {
        fixture = try Fixture.site()
        try fixture.write("404.html", "<h1>gone</h1>\n", modified: 784_111_777)
        try fixture.write("app/index.html", "<div id=app></div>\n", modified: 784_111_777)
    }

    override func tearDown() {
        _ = try? channel?.finish(acceptAlreadyClosed: true)
        channel = nil
        fixture = nil
    }

    private func connect(_ change: (inout HeaderConfiguration) -> Void) throws {
        let configuration = fixture.configuration { change(&$0.headers) }
        let table = try FileTable.load(configuration: configuration)
        channel = EmbeddedChannel(
            handler: HTTPHandler(
                settings: HTTPHandler.settings(for: configuration),
                tables: TableBox(table),
                accessLog: nil
            ),
            loop: EmbeddedEventLoop()
        )
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
    }

    /// The response to `request`, its Date line taken out.
    private func exchange(_ request: String) throws -> String {
        try channel.writeInbound(ByteBuffer(string: request))
        var text = ""
        while let part = try channel.readOutbound(as: IOData.self) {
            if case .byteBuffer(let buffer) = part { text += String(buffer: buffer) }
        }
        return text.split(separator: "\r\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("Date: ") }.joined(separator: "\r\n")
    }

    private func request(_ method: String, _ target: String, _ fields: String = "") -> String {
        "\(method) \(target) HTTP/1.1\r\nHost: t\r\n\(fields)\r\n"
    }

    private func get(_ target: String, _ fields: String = "") -> String { request("GET", target, fields) }

    private static let jsTag = "\"" + MD5.hex(Array(String(repeating: "x", count: 1000).utf8)) + "\""
    private static let jsFields =
        "Content-Type: text/javascript; charset=utf-8\r\nLast-Modified: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
        + "Accept-Ranges: bytes\r\nX-Content-Type-Options: nosniff\r\n"

    // MARK: --header

    private func withRules() throws {
        try connect {
            $0.rules = [
                HeaderRule(glob: "*.js", name: "X-Robots-Tag", value: "noindex"),
                HeaderRule(glob: "*.woff2", name: "Cross-Origin-Resource-Policy", value: "cross-origin"),
                HeaderRule(glob: "js/*", name: "x-robots-tag", value: "none"),
            ]
        }
    }

    func testCORSIsAnyOriginByDefaultAsWhiteNoiseSends() throws {
        XCTAssertEqual(ServeConfiguration(root: "/x").headers.cors, .any)
        let site = try Fixture.site()
        let table = try site.table { $0.headers = HeaderConfiguration() }
        let head = try XCTUnwrap(table.resource(at: "css/app.0123456789ab.css")).identity.head
        XCTAssertTrue(String(buffer: head).contains("\r\nAccess-Control-Allow-Origin: *\r\n"), String(buffer: head))
    }

    func testRuleFieldsOn200WithTheLaterRuleForANameWinning() throws {
        try withRules()
        XCTAssertEqual(
            try exchange(get("/static/js/app.js")),
            "HTTP/1.1 200 OK\r\nETag: \(Self.jsTag)\r\nCache-Control: public, max-age=60\r\nx-robots-tag: none\r\n"
                + Self.jsFields + "Content-Length: 1000\r\n\r\n" + String(repeating: "x", count: 1000)
        )
    }

    func testRuleFieldsOn304And206AndHead() throws {
        try withRules()
        XCTAssertEqual(
            try exchange(get("/static/js/app.js", "If-None-Match: \(Self.jsTag)\r\n")),
            "HTTP/1.1 304 Not Modified\r\nETag: \(Self.jsTag)\r\nCache-Control: public, max-age=60\r\n"
                + "x-robots-tag: none\r\n\r\n"
        )
        XCTAssertEqual(
            try exchange(get("/static/js/app.js", "Range: bytes=0-1\r\n")),
            "HTTP/1.1 206 Partial Content\r\nETag: \(Self.jsTag)\r\nCache-Control: public, max-age=60\r\n"
                + "x-robots-tag: none\r\n" + Self.jsFields
                + "Content-Range: bytes 0-1/1000\r\nContent-Length: 2\r\n\r\nxx"
        )
        XCTAssertEqual(
            try exchange(request("HEAD", "/static/js/app.js")),
            "HTTP/1.1 200 OK\r\nETag: \(Self.jsTag)\r\nCache-Control: public, max-age=60\r\nx-robots-tag: none\r\n"
                + Self.jsFields + "Content-Length: 1000\r\n\r\n"
        )
        let font = try exchange(get("/static/fonts/f.woff2"))
        XCTAssertTrue(font.contains("\r\nCross-Origin-Resource-Policy: cross-origin\r\n"), font)
        XCTAssertFalse(font.contains("X-Robots-Tag"), font)
    }

    func testRulesDoNotReachA404() throws {
        try withRules()
        XCTAssertEqual(
            try exchange(get("/static/js/missing.js")),
            "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 10\r\n"
                + "Cache-Control: no-cache\r\n\r\nNot Found\n"
        )
    }

    func testNoSniffCanBeTurnedOff() throws {
        try connect { $0.noSniff = false }
        XCTAssertFalse(try exchange(get("/static/js/app.js")).contains("X-Content-Type-Options"))
    }

    // MARK: Parsing and validation

    func testRuleParsingAndTheFieldsItRefuses() throws {
        XCTAssertEqual(
            try HeaderRule.parse("*.woff2: Cross-Origin-Resource-Policy: cross-origin"),
            HeaderRule(glob: "*.woff2", name: "Cross-Origin-Resource-Policy", value: "cross-origin")
        )
        // A value may itself contain colons.
        XCTAssertEqual(
            try HeaderRule.parse("*: Link: <https://a.example>; rel=preconnect").value,
            "<https://a.example>; rel=preconnect"
        )
        XCTAssertThrowsError(try HeaderRule.parse("X-Frame-Options: DENY")) {
            XCTAssertEqual($0 as? HeaderRuleError, .malformed)
        }
        XCTAssertThrowsError(try HeaderRule.parse("*: Bad Name: 1")) {
            XCTAssertEqual($0 as? HeaderRuleError, .badName("Bad Name"))
        }
        XCTAssertThrowsError(try HeaderRule.parse("*: X-A: ")) {
            XCTAssertEqual($0 as? HeaderRuleError, .badValue("X-A"))
        }
        XCTAssertThrowsError(try HeaderRule(glob: "*", name: "X-A", value: "a\r\nX-B: b").validate()) {
            XCTAssertEqual($0 as? HeaderRuleError, .badValue("X-A"))
        }
        for name in [
            "Content-Length", "transfer-encoding", "Connection", "ETag", "Content-Encoding", "Vary", "Cache-Control",
        ] {
            XCTAssertThrowsError(try HeaderRule.parse("*: \(name): x"), name) { error in
                guard case .refusedName(name, _) = error as? HeaderRuleError else { return XCTFail("\(error)") }
            }
        }
    }

    func testOriginsAreCheckedAndLowercased() throws {
        XCTAssertEqual(try HeaderConfiguration.CORS.origin("https://App.Example:8443"), "https://app.example:8443")
        XCTAssertEqual(try HeaderConfiguration.CORS.origin("*"), "*")
        for bad in ["app.example", "https://app.example/", "https://", "https://a.example/path", "https://a b"] {
            XCTAssertThrowsError(try HeaderConfiguration.CORS.origin(bad), bad)
        }
    }

    // MARK: CORS

    func testCORSStarIsRenderedIntoEveryFileResponse() throws {
        try connect { $0.cors = .any }
        XCTAssertTrue(try exchange(get("/static/js/app.js")).contains("\r\nAccess-Control-Allow-Origin: *\r\n"))
        XCTAssertEqual(
            try exchange(get("/static/js/app.js", "If-None-Match: \(Self.jsTag)\r\n")),
            "HTTP/1.1 304 Not Modified\r\nETag: \(Self.jsTag)\r\nCache-Control: public, max-age=60\r\n"
                + "Access-Control-Allow-Origin: *\r\n\r\n"
        )
    }

    func testAllowListEchoesAMatchingOriginAndVariesOnOrigin() throws {
        try connect { $0.cors = .origins(["https://a.example", "https://b.example"]) }
        let origin = "Origin: https://b.example\r\n"
        XCTAssertEqual(
            try exchange(request("HEAD", "/static/js/app.js", origin)),
            "HTTP/1.1 200 OK\r\nETag: \(Self.jsTag)\r\nCache-Control: public, max-age=60\r\nVary: Origin\r\n"
                + Self.jsFields + "Content-Length: 1000\r\nAccess-Control-Allow-Origin: https://b.example\r\n\r\n"
        )
        XCTAssertEqual(
            try exchange(get("/static/js/app.js", origin + "If-None-Match: \(Self.jsTag)\r\n")),
            "HTTP/1.1 304 Not Modified\r\nETag: \(Self.jsTag)\r\nCache-Control: public, max-age=60\r\nVary: Origin\r\n"
                + "Access-Control-Allow-Origin: https://b.example\r\n\r\n"
        )
        let partial = try exchange(get("/static/js/app.js", origin + "Range: bytes=0-0\r\n"))
        XCTAssertTrue(partial.hasPrefix("HTTP/1.1 206 "), partial)
        XCTAssertTrue(partial.contains("\r\nAccess-Control-Allow-Origin: https://b.example\r\n"), partial)
        // Field names are case-insensitive, whitespace around the value is not part of it.
        let shouted = try exchange(
            request("HEAD", "/static/js/app.js", "X-Origin: https://a.example\r\nORIGIN: \t https://a.example \r\n")
        )
        XCTAssertTrue(shouted.contains("\r\nAccess-Control-Allow-Origin: https://a.example\r\n"), shouted)
        // Siblings: Origin joins Accept-Encoding in the one Vary.
        let css = try exchange(request("HEAD", "/static/css/app.0123456789ab.css", origin))
        XCTAssertTrue(css.contains("\r\nVary: Accept-Encoding, Origin\r\n"), css)
    }

    func testAllowListSendsNoCORSToOtherOriginsButStillVaries() throws {
        try connect { $0.cors = .origins(["https://a.example"]) }
        for fields in [
            "Origin: https://evil.example\r\n", "Origin: https://a.example.evil\r\n", "X-Origin: https://a.example\r\n",
            "",
        ] {
            let response = try exchange(request("HEAD", "/static/js/app.js", fields))
            XCTAssertFalse(response.contains("Access-Control-Allow-Origin"), response)
            XCTAssertTrue(response.contains("\r\nVary: Origin\r\n"), response)
        }
        let missing = try exchange(get("/static/nope.js", "Origin: https://a.example\r\n"))
        XCTAssertFalse(missing.contains("Access-Control-Allow-Origin"), missing)
    }

    // MARK: --not-found

    func testNotFoundPageKeepsStatus404WithItsTypeForGetAndHead() throws {
        try connect { $0.notFound = "404.html" }
        let head =
            "HTTP/1.1 404 Not Found\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 14\r\n"
            + "Cache-Control: no-cache\r\nX-Content-Type-Options: nosniff\r\n\r\n"
        XCTAssertEqual(try exchange(get("/static/nope.css")), head + "<h1>gone</h1>\n")
        XCTAssertEqual(try exchange(request("HEAD", "/static/nope.css")), head)
        // Outside the prefix too, and for a path that could never name a file.
        XCTAssertEqual(try exchange(get("/elsewhere")), head + "<h1>gone</h1>\n")
        XCTAssertEqual(try exchange(get("/static/a/../b")), head + "<h1>gone</h1>\n")
        // The page is still a file of its own.
        XCTAssertTrue(try exchange(request("HEAD", "/static/404.html")).hasPrefix("HTTP/1.1 200 OK\r\n"))
    }

    func testAMissingPageFailsTheLoadNamingTheFlag() throws {
        XCTAssertThrowsError(try fixture.table { $0.headers.notFound = "missing.html" }) { error in
            XCTAssertEqual(
                "\(error)",
                "--not-found missing.html: no such file in the root (name a file below STATIC_ROOT)"
            )
        }
        XCTAssertThrowsError(try fixture.table { $0.headers.fallback = ".env" }) { error in
            XCTAssertTrue("\(error)".hasPrefix("--fallback .env: no such file"), "\(error)")
        }
    }

    // MARK: --fallback

    func testFallbackServesTheFileWithItsValidatorsForExtensionlessPaths() throws {
        try connect { $0.fallback = "app/index.html" }
        let tag = "\"" + MD5.hex(Array("<div id=app></div>\n".utf8)) + "\""
        let full = try exchange(get("/static/app/settings/profile"))
        XCTAssertTrue(full.hasPrefix("HTTP/1.1 200 OK\r\nETag: \(tag)\r\n"), full)
        XCTAssertTrue(full.hasSuffix("Content-Length: 19\r\n\r\n<div id=app></div>\n"), full)
        XCTAssertEqual(
            try exchange(get("/static/app/settings/profile", "If-None-Match: \(tag)\r\n")),
            "HTTP/1.1 304 Not Modified\r\nETag: \(tag)\r\nCache-Control: public, max-age=60\r\n\r\n"
        )
        XCTAssertTrue(
            try exchange(request("HEAD", "/static/deep/route/")).hasPrefix("HTTP/1.1 200 OK\r\nETag: \(tag)\r\n")
        )
        let partial = try exchange(get("/static/route", "Range: bytes=0-3\r\n"))
        XCTAssertTrue(partial.hasPrefix("HTTP/1.1 206 Partial Content\r\n"), partial)
        XCTAssertTrue(partial.hasSuffix("\r\n\r\n<div"), partial)
    }

    func testFallbackLeavesFilesWithExtensionsAndOtherMethods404Or405() throws {
        try connect {
            $0.fallback = "app/index.html"
            $0.notFound = "404.html"
        }
        XCTAssertTrue(try exchange(get("/static/js/missing.js")).hasPrefix("HTTP/1.1 404 Not Found\r\n"))
        XCTAssertTrue(try exchange(get("/static/v1.2/route")).hasPrefix("HTTP/1.1 200 OK\r\n"))
        XCTAssertTrue(try exchange(get("/static/route.")).hasPrefix("HTTP/1.1 404 Not Found\r\n"))
        XCTAssertTrue(try exchange(request("DELETE", "/static/route")).hasPrefix("HTTP/1.1 405 "))
        // An existing file and a directory's redirect come first.
        XCTAssertTrue(try exchange(get("/static/js/app.js")).contains("Content-Length: 1000\r\n"))
        XCTAssertTrue(try exchange(get("/static/docs")).hasPrefix("HTTP/1.1 301 "))
    }
}
