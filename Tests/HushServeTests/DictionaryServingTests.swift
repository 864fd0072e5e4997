import HushCore
import NIOCore
import NIOEmbedded
import XCTest

@testable import HushServe

/// RFC 9842 on the wire: `Use-As-Dictionary` on hashed files, `dcz` deltas chosen by
/// `Available-Dictionary`, and `Vary` on both fields wherever a delta could be sent.
final class DictionaryServingTests: XCTestCase {
    private var fixture: Fixture!
    private var channel: EmbeddedChannel!
    private let v1 = Array("console.log('v1');\n".utf8)
    private var delta: [UInt8] = []
    private var v1Field: String { ":" + Base64.encode(SHA256.digest(v1)) + ":" }

    override func setUpWithError() throws {
        fixture = try Fixture()
        try fixture.write("js/app.aaaaaaaaaaaa.js", v1, modified: 784_111_777)
        try fixture.write("js/app.bbbbbbbbbbbb.js", "console.log('v2');\n", modified: 784_111_777)
        try fixture.write("js/app.bbbbbbbbbbbb.js.br", "BROTLI-BYTES", modified: 784_111_777)
        delta = DictionaryCompression.header(dictionaryHash: SHA256.digest(v1)) + Array("ZSTD".utf8)
        try fixture.write("js/app.bbbbbbbbbbbb.js.aaaaaaaaaaaa.dcz", delta, modified: 784_111_777)
        // Named like a delta, but its header is not one: never served, as a delta or a URL.
        try fixture.write("js/app.bbbbbbbbbbbb.js.cccccccccccc.dcz", "not a dcz stream")
        try fixture.write("js/app.js", "console.log('v2');\n")
        try fixture.write(
            Manifest.fileName,
            Manifest(paths: ["js/app.js": "js/app.bbbbbbbbbbbb.js"]).encoded()
        )
        let configuration = fixture.configuration()
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

    override func tearDown() {
        _ = try? channel?.finish(acceptAlreadyClosed: true)
        channel = nil
        fixture = nil
    }

    private func exchange(_ request: String) throws -> String {
        try channel.writeInbound(ByteBuffer(string: request))
        var text = ""
        while let part = try channel.readOutbound(as: IOData.self) {
            if case .byteBuffer(let buffer) = part { text += String(buffer: buffer) }
        }
        return text.split(separator: "\r\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("Date: ") }.joined(separator: "\r\n")
    }

    private func get(_ target: String, _ headers: String = "", method: String = "GET") -> String {
        "\(method) \(target) HTTP/1.1\r\nHost: test\r\n\(headers)\r\n"
    }

    private let match = #"Use-As-Dictionary: match="/static/js/app.*.js", match-dest=("script")"#

    func testMatchingDictionaryGetsTheDeltaWithItsOwnValidators() throws {
        let response = try exchange(
            get(
                "/static/js/app.bbbbbbbbbbbb.js",
                "Accept-Encoding: gzip, br, zstd, dcb, dcz\r\nAvailable-Dictionary: \(v1Field)\r\n"
            )
        )
        XCTAssertEqual(
            response,
            "HTTP/1.1 200 OK\r\nETag: \"\(MD5.hex(delta))\"\r\n"
                + "Cache-Control: public, max-age=315360000, immutable\r\n"
                + "Vary: Accept-Encoding, Available-Dictionary\r\n"
                + "Content-Type: text/javascript; charset=utf-8\r\nLast-Modified: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
                + "Content-Encoding: dcz\r\n\(match)\r\nAccept-Ranges: bytes\r\nX-Content-Type-Options: nosniff\r\n"
                + "Content-Length: \(delta.count)\r\n\r\n" + String(decoding: delta, as: UTF8.self)
        )
    }

    func testUnknownDictionaryOrNoDczIsNegotiatedAsUsualAndStillVaries() throws {
        let other = ":" + Base64.encode(SHA256.digest(Array("v0".utf8))) + ":"
        for headers in [
            "Accept-Encoding: br, dcz\r\nAvailable-Dictionary: \(other)\r\n",
            "Accept-Encoding: br\r\nAvailable-Dictionary: \(v1Field)\r\n",
            "Accept-Encoding: br, dcz;q=0.5\r\nAvailable-Dictionary: \(v1Field)\r\n",
            "Accept-Encoding: br, dcz\r\nAvailable-Dictionary: \(v1Field)\r\nAvailable-Dictionary: \(v1Field)\r\n",
            "Accept-Encoding: br, dcz\r\nAvailable-Dictionary: not-a-byte-sequence\r\n",
            "Accept-Encoding: br, dcz\r\n",
        ] {
            let response = try exchange(get("/static/js/app.bbbbbbbbbbbb.js", headers))
            XCTAssertTrue(response.contains("\r\nContent-Encoding: br\r\n"), headers + response)
            XCTAssertTrue(response.contains("\r\nVary: Accept-Encoding, Available-Dictionary\r\n"), headers)
            XCTAssertTrue(response.hasSuffix("\r\n\r\nBROTLI-BYTES"), headers)
        }
    }

    func testNotModifiedRangeAndHeadWorkOnTheDelta() throws {
        let ask = "Accept-Encoding: dcz, br\r\nAvailable-Dictionary: \(v1Field)\r\n"
        let notModified = try exchange(
            get("/static/js/app.bbbbbbbbbbbb.js", ask + "If-None-Match: \"\(MD5.hex(delta))\"\r\n")
        )
        XCTAssertEqual(
            notModified,
            "HTTP/1.1 304 Not Modified\r\nETag: \"\(MD5.hex(delta))\"\r\n"
                + "Cache-Control: public, max-age=315360000, immutable\r\n"
                + "Vary: Accept-Encoding, Available-Dictionary\r\n\r\n"
        )
        let partial = try exchange(get("/static/js/app.bbbbbbbbbbbb.js", ask + "Range: bytes=-4\r\n"))
        XCTAssertTrue(partial.hasPrefix("HTTP/1.1 206 Partial Content\r\n"), partial)
        XCTAssertTrue(partial.contains("\r\nContent-Encoding: dcz\r\n"), partial)
        XCTAssertTrue(partial.contains("\r\nContent-Range: bytes 40-43/44\r\nContent-Length: 4\r\n"), partial)
        XCTAssertTrue(partial.hasSuffix("\r\n\r\nZSTD"), partial)
        let unsatisfiable = try exchange(get("/static/js/app.bbbbbbbbbbbb.js", ask + "Range: bytes=44-\r\n"))
        XCTAssertTrue(unsatisfiable.contains("\r\nVary: Accept-Encoding, Available-Dictionary\r\n"), unsatisfiable)
        let full = try exchange(get("/static/js/app.bbbbbbbbbbbb.js", ask))
        let head = try exchange(get("/static/js/app.bbbbbbbbbbbb.js", ask, method: "HEAD"))
        XCTAssertEqual(head + String(decoding: delta, as: UTF8.self), full)
    }

    func testCurrentHashedFilesAdvertiseThemselvesAndOthersDoNot() throws {
        let current = try exchange(get("/static/js/app.bbbbbbbbbbbb.js"))
        XCTAssertTrue(current.contains("\r\n\(match)\r\n"), current)
        // A retained earlier version is not in the current manifest: served as before, and not
        // offered again as a dictionary (browsers that hold it got the header when it was current).
        let retained = try exchange(get("/static/js/app.aaaaaaaaaaaa.js", "Accept-Encoding: br, dcz\r\n"))
        XCTAssertFalse(retained.contains("Use-As-Dictionary"), retained)
        XCTAssertFalse(retained.contains("Vary"), "no sibling, no delta: nothing to vary on")
        let plain = try exchange(get("/static/js/app.js"))
        XCTAssertFalse(plain.contains("Use-As-Dictionary"), plain)
        let fake = try exchange(get("/static/js/app.bbbbbbbbbbbb.js.cccccccccccc.dcz"))
        XCTAssertTrue(fake.hasPrefix("HTTP/1.1 404"), fake)
        let deltaURL = try exchange(get("/static/js/app.bbbbbbbbbbbb.js.aaaaaaaaaaaa.dcz"))
        XCTAssertTrue(deltaURL.hasPrefix("HTTP/1.1 404"), deltaURL)
    }

    func testDczIsAcceptedOnlyWhenNamedAndNotOutranked() {
        XCTAssertTrue(Negotiation.acceptsDictionaryCoding("gzip, deflate, br, zstd, dcb, dcz"))
        XCTAssertTrue(Negotiation.acceptsDictionaryCoding("DCZ;q=0.8, br;q=0.8"))
        XCTAssertFalse(Negotiation.acceptsDictionaryCoding("br, dcz;q=0.9"))
        XCTAssertFalse(Negotiation.acceptsDictionaryCoding("br, dcz;q=0"))
        XCTAssertFalse(Negotiation.acceptsDictionaryCoding("*"))
        XCTAssertFalse(Negotiation.acceptsDictionaryCoding(nil))
    }
}
