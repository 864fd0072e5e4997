import HushCore
import NIOCore
import NIOEmbedded
import XCTest

@testable import HushServe

/// The connection handler on an EmbeddedChannel: bytes in, bytes out, time under test control.
final class HTTPHandlerTests: XCTestCase {
    private var fixture: Fixture!
    private var channel: EmbeddedChannel!
    private var loop: EmbeddedEventLoop!

    override func setUpWithError() throws {
        fixture = try Fixture.site()
    }

    override func tearDown() {
        _ = try? channel?.finish(acceptAlreadyClosed: true)
        channel = nil
        fixture = nil
    }

    private func connect(_ change: (inout ServeConfiguration) -> Void = { _ in }) throws {
        let configuration = fixture.configuration {
            $0.headerTimeout = 10
            $0.idleTimeout = 60
            change(&$0)
        }
        let table = try FileTable.load(configuration: configuration)
        let settings = HTTPHandler.settings(for: configuration)
        loop = EmbeddedEventLoop()
        channel = EmbeddedChannel(
            handler: HTTPHandler(settings: settings, tables: TableBox(table), accessLog: nil),
            loop: loop
        )
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
    }

    /// Everything written since the last call, file regions shown as `<file a..<b>`, and how many
    /// separate writes carried it.
    private func output() throws -> (text: String, writes: Int) {
        var text = ""
        var writes = 0
        while let part = try channel.readOutbound(as: IOData.self) {
            writes += 1
            switch part {
            case .byteBuffer(let buffer): text += String(buffer: buffer)
            case .fileRegion(let region): text += "<file \(region.readerIndex)..<\(region.endIndex)>"
            }
        }
        return (text, writes)
    }

    private func exchange(_ request: String) throws -> String {
        try channel.writeInbound(ByteBuffer(string: request))
        return try output().text
    }

    private func get(_ target: String, _ headers: String = "") -> String {
        "GET \(target) HTTP/1.1\r\nHost: test\r\n\(headers)\r\n"
    }

    /// Response text with the Date line (which changes every second) taken out.
    private func withoutDate(_ response: String) -> String {
        response.split(separator: "\r\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("Date: ") }.joined(separator: "\r\n")
    }

    func testServesBrotliSiblingWithExactBytes() throws {
        try connect()
        let response = try exchange(get("/static/css/app.0123456789ab.css", "Accept-Encoding: gzip, br\r\n"))
        XCTAssertEqual(
            withoutDate(response),
            "HTTP/1.1 200 OK\r\nETag: \"\(MD5.hex(Array("BROTLI-BYTES".utf8)))\"\r\n"
                + "Cache-Control: public, max-age=315360000, immutable\r\nVary: Accept-Encoding\r\n"
                + "Content-Type: text/css; charset=utf-8\r\nLast-Modified: Sun, 06 Nov 1994 08:49:37 GMT\r\nContent-Encoding: br\r\n"
                + #"Use-As-Dictionary: match="/static/css/app.*.css", match-dest=("style")"# + "\r\n"
                + "Accept-Ranges: bytes\r\nX-Content-Type-Options: nosniff\r\nContent-Length: 12\r\n\r\nBROTLI-BYTES"
        )
        XCTAssertTrue(response.contains("\r\nDate: "))
    }

    func testHeadSendsTheGetHeadWithoutBody() throws {
        try connect()
        let getResponse = try exchange(get("/static/js/app.js"))
        let headResponse = try exchange("HEAD /static/js/app.js HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(withoutDate(headResponse) + String(repeating: "x", count: 1000), withoutDate(getResponse))
    }

    func testNotModifiedCarriesValidatorsAndVary() throws {
        try connect()
        let etag = "\"" + MD5.hex(Array("GZIP-MEMBER-BYTES".utf8)) + "\""
        let response = try exchange(
            get("/static/css/app.0123456789ab.css", "Accept-Encoding: gzip\r\nIf-None-Match: \(etag)\r\n")
        )
        XCTAssertEqual(
            withoutDate(response),
            "HTTP/1.1 304 Not Modified\r\nETag: \(etag)\r\nCache-Control: public, max-age=315360000, immutable\r\n"
                + "Vary: Accept-Encoding\r\n\r\n"
        )
    }

    func testRangeOfTheNegotiatedRepresentation() throws {
        try connect()
        let response = try exchange(
            get("/static/css/app.0123456789ab.css", "Accept-Encoding: br\r\nRange: bytes=-5\r\n")
        )
        XCTAssertTrue(response.hasPrefix("HTTP/1.1 206 Partial Content\r\n"), response)
        XCTAssertTrue(response.contains("\r\nContent-Range: bytes 7-11/12\r\nContent-Length: 5\r\n"), response)
        XCTAssertTrue(response.hasSuffix("\r\n\r\nBYTES"), response)
    }

    // MARK: zstd representations

    private static let css = "/static/css/app.0123456789ab.css"
    /// A zstd sibling between the Brotli (12 bytes) and gzip (17 bytes) ones, as usual in size.
    private static let zstdBytes = "ZSTD-FRAMEBYTES"

    func testServesTheZstdSiblingWithItsOwnETagAndEncoding() throws {
        try fixture.write("css/app.0123456789ab.css.zst", Self.zstdBytes, modified: 784_111_777)
        try connect()
        let response = try exchange(get(Self.css, "Accept-Encoding: zstd\r\n"))
        XCTAssertEqual(
            withoutDate(response),
            "HTTP/1.1 200 OK\r\nETag: \"\(MD5.hex(Array(Self.zstdBytes.utf8)))\"\r\n"
                + "Cache-Control: public, max-age=315360000, immutable\r\nVary: Accept-Encoding\r\n"
                + "Content-Type: text/css; charset=utf-8\r\nLast-Modified: Sun, 06 Nov 1994 08:49:37 GMT\r\nContent-Encoding: zstd\r\n"
                + #"Use-As-Dictionary: match="/static/css/app.*.css", match-dest=("style")"# + "\r\n"
                + "Accept-Ranges: bytes\r\nX-Content-Type-Options: nosniff\r\nContent-Length: 15\r\n\r\n\(Self.zstdBytes)"
        )
    }

    func testEqualQValuesGetTheSmallestRepresentation() throws {
        let chrome = "Accept-Encoding: gzip, deflate, br, zstd\r\n"
        try fixture.write("css/app.0123456789ab.css.zst", Self.zstdBytes)
        try connect()
        XCTAssertTrue(try exchange(get(Self.css, chrome)).contains("\r\nContent-Encoding: br\r\n"), "Brotli is smaller")
        XCTAssertTrue(
            try exchange(get(Self.css, "Accept-Encoding: br;q=0.5, zstd, gzip\r\n")).contains(
                "Content-Encoding: zstd\r\n"
            ),
            "zstd is the smaller of the two the client prefers"
        )
        _ = try channel.finish(acceptAlreadyClosed: true)

        try fixture.write("css/app.0123456789ab.css.zst", "ZST")  // now smaller than Brotli
        try connect()
        XCTAssertTrue(try exchange(get(Self.css, chrome)).contains("\r\nContent-Encoding: zstd\r\n"), "zstd is smaller")
        XCTAssertTrue(
            try exchange(get(Self.css, "Accept-Encoding: zstd;q=0.9, br\r\n")).contains("Content-Encoding: br\r\n"),
            "a higher q wins over a smaller size"
        )
    }

    func testNotModifiedForTheZstdRepresentationOnlyWithItsOwnTag() throws {
        try fixture.write("css/app.0123456789ab.css.zst", Self.zstdBytes)
        try connect()
        let zstdTag = "\"" + MD5.hex(Array(Self.zstdBytes.utf8)) + "\""
        let brotliTag = "\"" + MD5.hex(Array("BROTLI-BYTES".utf8)) + "\""
        let response = try exchange(get(Self.css, "Accept-Encoding: zstd\r\nIf-None-Match: \(zstdTag)\r\n"))
        XCTAssertEqual(
            withoutDate(response),
            "HTTP/1.1 304 Not Modified\r\nETag: \(zstdTag)\r\nCache-Control: public, max-age=315360000, immutable\r\n"
                + "Vary: Accept-Encoding\r\n\r\n"
        )
        let other = try exchange(get(Self.css, "Accept-Encoding: zstd\r\nIf-None-Match: \(brotliTag)\r\n"))
        XCTAssertTrue(other.hasPrefix("HTTP/1.1 200 OK\r\n"), "another representation's tag does not match")
        XCTAssertTrue(other.hasSuffix("\r\n\r\n" + Self.zstdBytes), other)
    }

    func testRangeAndHeadOfTheZstdRepresentation() throws {
        try fixture.write("css/app.0123456789ab.css.zst", Self.zstdBytes)
        try connect()
        let ranged = try exchange(get(Self.css, "Accept-Encoding: zstd\r\nRange: bytes=-5\r\n"))
        XCTAssertTrue(ranged.hasPrefix("HTTP/1.1 206 Partial Content\r\n"), ranged)
        XCTAssertTrue(ranged.contains("\r\nContent-Encoding: zstd\r\n"), ranged)
        XCTAssertTrue(ranged.contains("\r\nContent-Range: bytes 10-14/15\r\nContent-Length: 5\r\n"), ranged)
        XCTAssertTrue(ranged.hasSuffix("\r\n\r\nBYTES"), ranged)

        let full = try exchange(get(Self.css, "Accept-Encoding: zstd\r\n"))
        let head = try exchange("HEAD \(Self.css) HTTP/1.1\r\nHost: t\r\nAccept-Encoding: zstd\r\n\r\n")
        XCTAssertEqual(withoutDate(head) + Self.zstdBytes, withoutDate(full))
    }

    func testUnsatisfiableRangeIs416WithLength() throws {
        try connect()
        let response = try exchange(get("/static/js/app.js", "Range: bytes=1000-\r\n"))
        XCTAssertTrue(
            response.hasPrefix(
                "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */1000\r\nContent-Length: 0\r\n"
            ),
            response
        )
    }

    func testIfRangeMismatchSendsFullRepresentation() throws {
        try connect()
        let response = try exchange(get("/static/js/app.js", "Range: bytes=0-0\r\nIf-Range: \"stale\"\r\n"))
        XCTAssertTrue(response.hasPrefix("HTTP/1.1 200 OK\r\n"), response)
    }

    func testLargeFilesGoOutAsFileRegions() throws {
        try connect { $0.memoryFileLimit = 10 }
        let full = try exchange(get("/static/js/app.js"))
        XCTAssertTrue(full.hasSuffix("\r\n\r\n<file 0..<1000>"), full)
        let part = try exchange(get("/static/js/app.js", "Range: bytes=100-199\r\n"))
        XCTAssertTrue(part.hasSuffix("\r\n\r\n<file 100..<200>"), part)
    }

    func testPipelinedRequestsAreAnsweredInOrderInOneWrite() throws {
        try connect()
        try channel.writeInbound(
            ByteBuffer(
                string: get("/static/index.html") + get("/static/nope")
                    + "HEAD /static/css/app.css HTTP/1.1\r\nHost: t\r\n\r\n"
            )
        )
        let (text, writes) = try output()
        let statuses = text.components(separatedBy: "HTTP/1.1 ").dropFirst().map { String($0.prefix(3)) }
        XCTAssertEqual(statuses, ["200", "404", "200"])
        XCTAssertEqual(writes, 1, "a read burst of small responses is one buffer")
    }

    func testRequestSplitAcrossReadsIsAnsweredOnce() throws {
        try connect()
        XCTAssertEqual(try exchange("GET /static/index.html HT"), "")
        XCTAssertTrue(try exchange("TP/1.1\r\nHost: t\r\n\r\n").hasPrefix("HTTP/1.1 200 OK"))
    }

    func testOtherMethodsAre405WithAllow() throws {
        try connect()
        let response = try exchange("POST /static/index.html HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertTrue(response.hasPrefix("HTTP/1.1 405 Method Not Allowed\r\n"), response)
        XCTAssertTrue(response.contains("\r\nAllow: GET, HEAD\r\n"))
        XCTAssertTrue(channel.isActive)
    }

    func testDirectoryWithoutSlashRedirectsKeepingQuery() throws {
        try connect()
        let response = try exchange(get("/static/docs?page=2"))
        XCTAssertTrue(response.hasPrefix("HTTP/1.1 301 Moved Permanently\r\n"), response)
        XCTAssertTrue(response.contains("\r\nLocation: /static/docs/?page=2\r\n"), response)
        XCTAssertTrue(try exchange(get("/static/docs/")).hasSuffix("<h1>docs</h1>\n"))
        XCTAssertTrue(try exchange(get("/static/")).hasSuffix("<h1>home</h1>\n"))
        XCTAssertTrue(try exchange(get("/static")).contains("\r\nLocation: /static/\r\n"))
    }

    func testUnknownPathIs404WithTinyBody() throws {
        try connect()
        let response = try exchange(get("/static/missing.css"))
        XCTAssertTrue(response.hasPrefix("HTTP/1.1 404 Not Found\r\n"))
        XCTAssertTrue(response.hasSuffix("\r\n\r\nNot Found\n"))
    }

    func testDotfilesAndTraversalAre404Or400NeverServed() throws {
        try connect()
        XCTAssertTrue(try exchange(get("/static/.env")).hasPrefix("HTTP/1.1 404"))
        XCTAssertTrue(try exchange(get("/static/../Package.swift")).hasPrefix("HTTP/1.1 404"))
        XCTAssertTrue(try exchange(get("/static/css%2fapp.css")).hasPrefix("HTTP/1.1 404"))
        let bad = try exchange(get("/static/%00"))
        XCTAssertTrue(bad.hasPrefix("HTTP/1.1 400"), bad)
        XCTAssertTrue(bad.contains("Connection: close"))
    }

    func testConnectionCloseIsHonoured() throws {
        try connect()
        let response = try exchange(get("/static/index.html", "Connection: close\r\n"))
        XCTAssertTrue(response.contains("\r\nConnection: close\r\n"))
        XCTAssertFalse(channel.isActive)
    }

    func testHTTP10KeepAliveIsConfirmed() throws {
        try connect()
        XCTAssertTrue(
            try exchange("GET /static/index.html HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").contains(
                "\r\nConnection: keep-alive\r\n"
            )
        )
        XCTAssertTrue(channel.isActive)
        XCTAssertTrue(try exchange("GET /static/index.html HTTP/1.0\r\n\r\n").contains("\r\nConnection: close\r\n"))
        XCTAssertFalse(channel.isActive)
    }

    func testMalformedRequestGets400AndClose() throws {
        try connect()
        let response = try exchange("GARBAGE\r\n\r\n")
        XCTAssertTrue(response.hasPrefix("HTTP/1.1 400 Bad Request\r\n"), response)
        XCTAssertFalse(channel.isActive)
    }

    func testMissingHostIs400() throws {
        try connect()
        XCTAssertTrue(try exchange("GET /static/index.html HTTP/1.1\r\n\r\n").hasPrefix("HTTP/1.1 400"))
    }

    func testOversizedHeadIs431AndLongLineIs414() throws {
        try connect()
        let big = try exchange(
            "GET /static/index.html HTTP/1.1\r\nHost: t\r\nX: " + String(repeating: "a", count: 17_000)
        )
        XCTAssertTrue(big.hasPrefix("HTTP/1.1 431 Request Header Fields Too Large\r\n"), big)
        XCTAssertFalse(channel.isActive)
        try connect()
        let long = try exchange("GET /static/" + String(repeating: "a", count: 9_000) + " HTTP/1.1\r\n")
        XCTAssertTrue(long.hasPrefix("HTTP/1.1 414 URI Too Long\r\n"), long)
    }

    func testSlowHeadIsCutAtTheHeaderTimeoutEvenIfBytesTrickle() throws {
        try connect()
        XCTAssertEqual(try exchange("GET /static/index.html HTTP/1.1\r\n"), "")
        loop.advanceTime(by: .seconds(6))
        XCTAssertEqual(try exchange("Host: t\r\n"), "")
        XCTAssertTrue(channel.isActive)
        loop.advanceTime(by: .seconds(5))
        XCTAssertFalse(channel.isActive)
    }

    func testSlowHeadOnAReusedConnectionIsCutAtTheHeaderTimeoutNotTheIdleDeadline() throws {
        try connect {
            $0.headerTimeout = 2
            $0.idleTimeout = 12
        }
        XCTAssertTrue(try exchange(get("/static/index.html")).hasPrefix("HTTP/1.1 200"))
        loop.advanceTime(by: .milliseconds(2_500))
        XCTAssertEqual(try exchange("GET /static/index.html HTTP/1.1\r\n"), "")
        loop.advanceTime(by: .milliseconds(1_900))
        XCTAssertEqual(try exchange("Host: t\r\n"), "")
        XCTAssertTrue(channel.isActive)
        loop.advanceTime(by: .milliseconds(200))
        XCTAssertFalse(channel.isActive, "cut 2 s after the head's first byte, not at the 12 s idle deadline")
    }

    func testHeadWithBareCRLineEndsIs400AtOnce() throws {
        try connect()
        let response = try exchange("GET /static/index.html HTTP/1.1\rHost: t\r\r")
        XCTAssertTrue(response.hasPrefix("HTTP/1.1 400 Bad Request\r\n"), response)
        XCTAssertFalse(channel.isActive)
    }

    func testSilentNewConnectionIsCutAtTheHeaderTimeout() throws {
        try connect()
        loop.advanceTime(by: .seconds(9))
        XCTAssertTrue(channel.isActive)
        loop.advanceTime(by: .seconds(2))
        XCTAssertFalse(channel.isActive)
    }

    func testIdleKeepAliveConnectionIsClosedAfterIdleTimeout() throws {
        try connect()
        XCTAssertTrue(try exchange(get("/static/index.html")).hasPrefix("HTTP/1.1 200"))
        loop.advanceTime(by: .seconds(59))
        XCTAssertTrue(channel.isActive)
        loop.advanceTime(by: .seconds(2))
        XCTAssertFalse(channel.isActive)
    }

    func testQuiesceClosesAnIdleConnection() throws {
        try connect()
        XCTAssertTrue(try exchange(get("/static/index.html")).hasPrefix("HTTP/1.1 200"))
        channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        XCTAssertFalse(channel.isActive)
    }

    func testPipelinedRequestsWaitWhileTheChannelIsNotWritable() throws {
        try connect()
        channel.isWritable = false
        XCTAssertEqual(
            try exchange(get("/static/index.html") + get("/static/docs/")),
            "",
            "nothing is answered into a full channel"
        )
        channel.isWritable = true
        channel.pipeline.fireChannelWritabilityChanged()
        let text = try output().text
        XCTAssertTrue(text.hasSuffix("<h1>docs</h1>\n"), text)
        XCTAssertEqual(
            text.components(separatedBy: "HTTP/1.1 200 OK").count,
            3,
            "both answered, in order, once writable"
        )
    }

    func testLargePipelinedBurstIsAnsweredCompletelyInOrder() throws {
        try connect()
        // 100 × 1000-byte bodies: past the burst threshold, so part is handed over mid-burst.
        let requests = (0..<100).map { get($0 % 2 == 0 ? "/static/js/app.js" : "/static/index.html") }.joined()
        let (text, writes) = try { () throws -> (String, Int) in
            try channel.writeInbound(ByteBuffer(string: requests))
            return try output()
        }()
        let bodies = text.components(separatedBy: "\r\n\r\n").dropFirst().map {
            $0.hasPrefix("x") ? "js" : $0.hasPrefix("<h1>home") ? "home" : "?"
        }
        XCTAssertEqual(bodies, (0..<100).map { $0 % 2 == 0 ? "js" : "home" })
        XCTAssertGreaterThan(writes, 1, "a burst past the threshold is not one giant buffer")
    }

    func testRequestWithBodyIsAnsweredThenClosed() throws {
        try connect()
        let response = try exchange("GET /static/index.html HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc")
        XCTAssertTrue(response.hasPrefix("HTTP/1.1 200"))
        XCTAssertTrue(response.contains("Connection: close"))
        XCTAssertFalse(channel.isActive)
    }
}
