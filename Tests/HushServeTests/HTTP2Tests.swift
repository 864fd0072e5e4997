import Foundation
import Glibc
import HushCore
import NIOConcurrencyHelpers
import XCTest

@testable import HushServe

/// `hush serve --h2c` against a raw HTTP/2 client on loopback: the same answers as HTTP/1.1,
/// prior knowledge and `Upgrade: h2c`, the request rules of RFC 9113 §8, flow control, the
/// timeouts and graceful stop, and the hostile frame patterns NIO's limits are there for.
final class HTTP2Tests: XCTestCase {
    private var fixture: Fixture!
    private var server: Server!

    private func start(_ change: (inout ServeConfiguration) -> Void = { _ in }) async throws {
        fixture = try Fixture.site()
        server = try await Server.start(
            configuration: fixture.configuration {
                $0.threads = 2
                $0.http2.enabled = true
                change(&$0)
            }
        )
    }

    override func tearDown() async throws {
        await server?.stop()
        server = nil
        fixture = nil
    }

    private var port: Int { server.localPort }

    /// The HTTP/1.1 answer to the same request, for comparison.
    private func http1(
        _ path: String,
        _ extra: [(String, String)] = [],
        method: String = "GET"
    ) throws
        -> RawConnection.Response
    {
        let connection = try RawConnection(port: port)
        let fields = extra.map { "\($0.0): \($0.1)\r\n" }.joined()
        try connection.send("\(method) \(path) HTTP/1.1\r\nHost: t\r\n\(fields)\r\n")
        return try connection.readResponse(bodyless: method == "HEAD")
    }

    /// Headers of an HTTP/1.1 response as HTTP/2 carries them: lowercase, without Date, without
    /// Connection (RFC 9113 §8.2.2: a 400 closes an HTTP/1.1 connection, and says so).
    private func comparable(_ response: RawConnection.Response) -> [String] {
        (response.headers.map { "\($0.name.lowercased()): \($0.value)" } + [":status: \(response.status)"])
            .filter { !$0.hasPrefix("date:") && !$0.hasPrefix("connection:") }.sorted()
    }

    private func comparable(_ response: HTTP2Wire.Response) -> [String] {
        response.headers.map { "\($0.name): \($0.value)" }.filter { !$0.hasPrefix("date:") }.sorted()
    }

    // MARK: The same answers as HTTP/1.1

    func testEveryReplyKindMatchesHTTP1HeaderForHeaderAndByteForByte() async throws {
        try await start()
        let css = "/static/css/app.0123456789ab.css"
        let cases: [(String, [(String, String)], String)] = [
            (css, [("accept-encoding", "br, gzip")], "GET"),  // 200 br, immutable, Vary
            (css, [("accept-encoding", "gzip")], "GET"),
            (css, [], "GET"),  // identity
            (css, [("accept-encoding", "br"), ("if-none-match", "\"x\", W/\"y\"")], "GET"),
            (css, [("range", "bytes=2-5")], "GET"),  // 206
            (css, [("range", "bytes=900-")], "GET"),  // 416
            (css, [("if-match", "\"nope\"")], "GET"),  // 412
            (css, [("accept-encoding", "br")], "HEAD"),
            ("/static/css/app.css", [], "GET"),  // unhashed: max-age
            ("/static/docs", [], "GET"),  // 301 to the directory
            ("/static/docs/", [], "GET"),  // its index
            ("/static/nope.css", [], "GET"),  // 404
            ("/static/.env", [], "GET"),  // hidden: 404
            ("/static/%2e%2e/etc/passwd", [], "GET"),  // 400 or 404, as HTTP/1.1 says
            (css, [], "DELETE"),  // 405 with Allow
        ]
        let wire = try HTTP2Wire(port: port)
        for (path, extra, method) in cases {
            let one = try http1(path, extra, method: method)
            let two = try wire.get(path, extra, method: method)
            XCTAssertEqual(comparable(two), comparable(one), "\(method) \(path) \(extra)")
            XCTAssertEqual(two.body, one.body, "\(method) \(path) \(extra)")
            XCTAssertNotNil(two.header("date"))
        }
        // A 304 for the ETag just sent, as on HTTP/1.1.
        let etag = try XCTUnwrap(try wire.get(css, [("accept-encoding", "br")]).header("etag"))
        let revalidated = try wire.get(css, [("accept-encoding", "br"), ("if-none-match", etag)])
        XCTAssertEqual(revalidated.status, 304)
        XCTAssertEqual(revalidated.body, [])
        XCTAssertEqual(
            comparable(revalidated),
            comparable(try http1(css, [("accept-encoding", "br"), ("if-none-match", etag)]))
        )
    }

    func testFilesSentWithSendfileArriveWhole() async throws {
        try await start { $0.memoryFileLimit = 0 }
        let big = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) }
        try fixture.write("media/big.dat", big)
        try server.reload()
        let wire = try HTTP2Wire(port: port)
        // The client's default windows (64 KiB) would stall the body: open them wide.
        try wire.send(frame: HTTP2Wire.windowUpdate, flags: 0, stream: 0, payload: [0x00, 0x10, 0x00, 0x00])
        try wire.send(frame: HTTP2Wire.settings, flags: 0, stream: 0, payload: [0, 4, 0, 0x10, 0, 0])
        let whole = try wire.get("/static/media/big.dat")
        XCTAssertEqual(whole.status, 200)
        XCTAssertEqual(whole.body, big)
        let part = try wire.get("/static/media/big.dat", [("range", "bytes=100000-100009")])
        XCTAssertEqual(part.status, 206)
        XCTAssertEqual(part.body, Array(big[100_000...100_009]))
    }

    func testAFileTruncatedMidTransferClosesTheConnectionWellBeforeTheSendTimeout() async throws {
        // sendfile at a premature end of file returns 0, which NIO retries in a busy loop: the
        // connection must end at the next check (a quarter second), not at the send timeout.
        fixture = try Fixture.site()
        let warnings = NIOLockedValueBox<[String]>([])
        server = try await Server.start(
            configuration: fixture.configuration {
                $0.threads = 2
                $0.http2.enabled = true
                $0.memoryFileLimit = 0
                $0.sendTimeout = 60
                $0.idleTimeout = 60
            },
            warn: { line in warnings.withLockedValue { $0.append(line) } }
        )
        let big = (0..<(12 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 13) }
        let path = try fixture.write("media/big.dat", big)
        try server.reload()
        let wire = try HTTP2Wire(port: port, timeout: 20, receiveBuffer: 4096)
        try wire.send(frame: HTTP2Wire.windowUpdate, flags: 0, stream: 0, payload: [0x7f, 0xff, 0x00, 0x00])
        try wire.send(frame: HTTP2Wire.settings, flags: 0, stream: 0, payload: [0, 4, 0x7f, 0xff, 0, 0])
        let stream = try wire.request(HTTP2Wire.get("/static/media/big.dat"))
        // Truncate only once the response has started: its head promised 12 MiB.
        var head: HTTP2Wire.Frame?
        for _ in 0..<16 where head == nil {
            let frame = try wire.readFrame()
            if frame.type == HTTP2Wire.headers, frame.stream == stream { head = frame }
        }
        XCTAssertEqual(head?.fields.first { $0.name == ":status" }?.value, "200")
        XCTAssertEqual(truncate(path, 1 << 20), 0)
        let started = Date()
        XCTAssertTrue(try wire.readUntilClosed(), "the connection is closed instead of left spinning")
        XCTAssertLessThan(Date().timeIntervalSince(started), 10)
        let warned = warnings.withLockedValue { $0 }.filter {
            $0.contains("media/big.dat changed on disk while being sent")
        }
        XCTAssertEqual(warned.count, 1, "\(warned)")
    }

    func testManyStreamsOnOneConnectionAreAllAnswered() async throws {
        try await start()
        let wire = try HTTP2Wire(port: port)
        let streams = try (0..<50).map { _ in try wire.request(HTTP2Wire.get("/static/index.html")) }
        for stream in streams.reversed() {
            XCTAssertEqual(try wire.response(stream).text, "<h1>home</h1>\n")
        }
    }

    func testTheAccessLogSaysHTTP2() async throws {
        let log = NSTemporaryDirectory() + "hush-h2-log-\(UUID().uuidString).log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        try await start { $0.accessLog = .file(log) }
        let wire = try HTTP2Wire(port: port)
        XCTAssertEqual(try wire.get("/static/index.html").status, 200)
        await server.stop()
        server = nil
        let text = try String(contentsOfFile: log, encoding: .utf8)
        XCTAssertTrue(text.contains("\"GET /static/index.html HTTP/2.0\" 200 14"), text)
    }

    func testHTTP1IsStillServedWhenH2cIsOn() async throws {
        try await start()
        let response = try http1("/static/index.html")
        XCTAssertEqual(response.text, "<h1>home</h1>\n")
        // Methods beginning like the preface are HTTP/1.1 too.
        let connection = try RawConnection(port: port)
        try connection.send("PUT /static/index.html HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(try connection.readResponse().status, 405)
    }

    // MARK: Upgrade: h2c (RFC 7540 §3.2)

    func testUpgradeH2cAnswersTheRequestOnStreamOneThenSpeaksHTTP2() async throws {
        try await start()
        let wire = try HTTP2Wire(port: port, preface: false)
        try wire.send(
            Array(
                ("GET /static/css/app.0123456789ab.css HTTP/1.1\r\nHost: t\r\nAccept-Encoding: br\r\n"
                    + "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAoAAA\r\n\r\n")
                    .utf8
            )
        )
        let head = try wire.readHTTP1Head()
        XCTAssertTrue(head.hasPrefix("HTTP/1.1 101 Switching Protocols\r\n"), head)
        XCTAssertTrue(head.lowercased().contains("upgrade: h2c"), head)
        try wire.send(Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8))
        try wire.send(frame: HTTP2Wire.settings, flags: 0, stream: 0, payload: [])
        let first = try wire.response(1)
        XCTAssertEqual(first.status, 200)
        XCTAssertEqual(first.header("content-encoding"), "br")
        XCTAssertEqual(first.text, "BROTLI-BYTES")
        _ = wire.takeStream()  // stream 1 was the upgrade's
        XCTAssertEqual(try wire.get("/static/index.html").text, "<h1>home</h1>\n")
    }

    func testAnUpgradeWithoutHTTP2SettingsIsAnsweredOverHTTP1() async throws {
        try await start()
        let connection = try RawConnection(port: port)
        try connection.send("GET /static/index.html HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n")
        let response = try connection.readResponse()
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.text, "<h1>home</h1>\n")
    }

    // MARK: Request rules (RFC 9113 §8)

    func testMalformedRequestsResetTheirStreamAndTheConnectionGoesOn() async throws {
        try await start()
        let wire = try HTTP2Wire(port: port)
        let malformed: [[(String, String)]] = [
            HTTP2Wire.get("/static/index.html", [("connection", "keep-alive")]),  // §8.2.2
            HTTP2Wire.get("/static/index.html", [("transfer-encoding", "chunked")]),  // §8.2.2
            HTTP2Wire.get("/static/index.html", [("te", "gzip")]),  // §8.2.2: only "trailers"
            [(":method", "GET"), (":scheme", "http"), (":authority", "t")],  // §8.3.1: no :path
            [(":method", "GET"), (":path", "/static/index.html"), (":authority", "t")],  // no :scheme
            HTTP2Wire.get("/static/index.html", [(":status", "200")]),  // response pseudo-header
            [("accept", "*/*"), (":method", "GET"), (":scheme", "http"), (":path", "/")],  // §8.3: order
            HTTP2Wire.get("/static/index.html", [("x", "a\r\nrange: bytes=0-1")]),  // §8.2.1: CR LF
        ]
        for fields in malformed {
            let stream = try wire.request(fields)
            let response = try wire.response(stream)
            XCTAssertEqual(response.reset, 1, "PROTOCOL_ERROR for \(fields)")
            XCTAssertEqual(response.status, 0, "\(fields)")
        }
        // §8.2.1: an uppercase name (NIO's encoder lowercases, so this literal is written by hand:
        // without indexing, new name "Accept", value "*/*").
        let stream = wire.takeStream()
        let upper: [UInt8] = [0x00, 6] + Array("Accept".utf8) + [3] + Array("*/*".utf8)
        try wire.send(
            frame: HTTP2Wire.headers,
            flags: 0x5,
            stream: stream,
            payload: try wire.block(HTTP2Wire.get("/static/index.html")) + upper
        )
        XCTAssertEqual(try wire.response(stream).reset, 1, "PROTOCOL_ERROR for an uppercase name")
        XCTAssertEqual(try wire.get("/static/index.html").text, "<h1>home</h1>\n")
        XCTAssertNil(wire.goAway.map { $0.code }, "no GOAWAY: the connection goes on")
    }

    func testAHostThatDisagreesWithTheAuthorityIs400() async throws {
        try await start()
        let wire = try HTTP2Wire(port: port)
        XCTAssertEqual(try wire.get("/static/index.html", [("host", "other")]).status, 400)
        XCTAssertEqual(try wire.get("/static/index.html", [("host", "t")]).status, 200)
    }

    func testARequestWithABodyIsAnsweredThenItsStreamReset() async throws {
        try await start()
        let wire = try HTTP2Wire(port: port)
        let stream = try wire.request(HTTP2Wire.get("/static/index.html"), endStream: false)
        // Response HEADERS + DATA (END_STREAM), then RST_STREAM NO_ERROR (RFC 9113 §8.1).
        let response = try wire.response(stream)
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.text, "<h1>home</h1>\n")
        XCTAssertNil(response.reset)
        XCTAssertEqual(try wire.response(stream).reset, 0, "NO_ERROR: stop sending the body")
    }

    // MARK: Limits and flow control

    func testTheServerAnnouncesItsLimits() async throws {
        try await start { $0.http2.maxConcurrentStreams = 7 }
        let wire = try HTTP2Wire(port: port)
        let settings = try wire.readFrame()
        XCTAssertEqual(settings.type, HTTP2Wire.settings)
        var values: [UInt16: UInt32] = [:]
        for at in stride(from: 0, to: settings.payload.count, by: 6) {
            let id = UInt16(settings.payload[at]) << 8 | UInt16(settings.payload[at + 1])
            values[id] = HTTP2Wire.integer(settings.payload, at + 2)
        }
        XCTAssertEqual(values[0x3], 7, "SETTINGS_MAX_CONCURRENT_STREAMS")
        XCTAssertEqual(values[0x6], 16 << 10, "SETTINGS_MAX_HEADER_LIST_SIZE")
        XCTAssertEqual(values[0x2], 0, "SETTINGS_ENABLE_PUSH")
    }

    func testBodiesWaitForTheClientsFlowControlWindow() async throws {
        try await start()
        let wire = try HTTP2Wire(port: port)
        // SETTINGS_INITIAL_WINDOW_SIZE 100: each stream may receive 100 bytes until it says more.
        try wire.send(frame: HTTP2Wire.settings, flags: 0, stream: 0, payload: [0, 4, 0, 0, 0, 100])
        // Wait for the ACK so the request below is under the new window.
        while true {
            let frame = try wire.readFrame()
            if frame.type == HTTP2Wire.settings, frame.flags & 1 == 1 { break }
        }
        let stream = try wire.request(HTTP2Wire.get("/static/js/app.js"))
        var received: [UInt8] = []
        var granted = 100
        while received.count < 1000 {
            let frame = try wire.readFrame()
            guard frame.stream == stream, frame.type == HTTP2Wire.data else { continue }
            received += frame.payload
            XCTAssertLessThanOrEqual(received.count, granted, "no more than the window allows")
            if received.count == granted, granted < 1000 {
                granted += 300
                try wire.send(frame: HTTP2Wire.windowUpdate, flags: 0, stream: stream, payload: [0, 0, 1, 44])
            }
        }
        XCTAssertEqual(received, Array(repeating: UInt8(ascii: "x"), count: 1000))
    }

    func testAClientThatNeverOpensItsWindowIsClosedAfterTheSendTimeout() async throws {
        try await start {
            $0.sendTimeout = 1
            $0.idleTimeout = 60
        }
        let wire = try HTTP2Wire(port: port)
        try wire.send(frame: HTTP2Wire.settings, flags: 0, stream: 0, payload: [0, 4, 0, 0, 0, 0])
        try wire.request(HTTP2Wire.get("/static/js/app.js"))
        let started = Date()
        XCTAssertTrue(try wire.readUntilClosed())
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
    }

    // MARK: Timeouts, the connection cap, graceful stop

    func testAnIdleConnectionGetsGoAwayAndIsClosed() async throws {
        try await start { $0.idleTimeout = 1 }
        let wire = try HTTP2Wire(port: port)
        XCTAssertEqual(try wire.get("/static/index.html").status, 200)
        let started = Date()
        XCTAssertTrue(try wire.readUntilClosed())
        XCTAssertEqual(wire.goAway?.code, 0, "NO_ERROR")
        XCTAssertEqual(wire.goAway?.lastStream, 1)
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
    }

    func testAStalledPrefaceIsClosedAfterTheHeaderTimeout() async throws {
        try await start { $0.headerTimeout = 1 }
        let connection = try RawConnection(port: port)
        try connection.send("PRI * HTTP/2.0\r\n")
        let started = Date()
        XCTAssertTrue(try connection.readUntilClosed())
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
    }

    func testHTTP2ConnectionsCountAgainstTheConnectionCap() async throws {
        try await start { $0.maxConnections = 1 }
        let wire = try HTTP2Wire(port: port)
        XCTAssertEqual(try wire.get("/static/index.html").status, 200)
        let server = self.server!
        let open = try await server.openConnectionCount()
        XCTAssertEqual(open, 1)
    }

    func testAGracefulStopSendsGoAwayAndClosesOnceAnswered() async throws {
        try await start()
        let wire = try HTTP2Wire(port: port)
        XCTAssertEqual(try wire.get("/static/index.html").status, 200)
        XCTAssertEqual(try wire.get("/static/index.html").status, 200)
        let server = self.server!
        let stopped = Task { await server.stop() }
        XCTAssertTrue(try wire.readUntilClosed())
        XCTAssertEqual(wire.goAway?.code, 0, "NO_ERROR")
        XCTAssertEqual(wire.goAway?.lastStream, 3, "the last stream answered")
        await stopped.value
        self.server = nil
    }

    // MARK: Hostile frames: GOAWAY and close in bounded time, other connections unaffected

    /// Sends `attack` on one connection; asserts it is closed with GOAWAY `code` within a few
    /// seconds while a second connection, opened before, is still answered.
    private func assertClosedWithGoAway(
        code: UInt32,
        _ attack: (HTTP2Wire) throws -> Void,
        file: StaticString = #filePath,
        line: UInt = #line
    ) throws {
        let bystander = try HTTP2Wire(port: port)
        XCTAssertEqual(try bystander.get("/static/index.html").status, 200, file: file, line: line)
        let attacker = try HTTP2Wire(port: port)
        let started = Date()
        do {
            try attack(attacker)
        } catch HTTP2Wire.Failure.socket(let code) where code == EPIPE || code == ECONNRESET {
            // Closed while still sending: fine, the GOAWAY is read below.
        }
        XCTAssertTrue(try attacker.readUntilClosed(), file: file, line: line)
        XCTAssertEqual(attacker.goAway?.code, code, file: file, line: line)
        XCTAssertLessThan(Date().timeIntervalSince(started), 5, file: file, line: line)
        XCTAssertEqual(try bystander.get("/static/index.html").text, "<h1>home</h1>\n", file: file, line: line)
    }

    func testRapidResetIsStoppedWithEnhanceYourCalm() async throws {
        try await start()
        // CVE-2023-44487: open a stream and cancel it at once, over and over.
        try assertClosedWithGoAway(code: 0xb) { wire in
            var burst: [UInt8] = []
            for _ in 0..<400 {
                let stream = wire.takeStream()
                burst += HTTP2Wire.encode(
                    type: HTTP2Wire.headers,
                    flags: 0x5,
                    stream: stream,
                    payload: try wire.block(HTTP2Wire.get("/static/index.html"))
                )
                burst += HTTP2Wire.encode(type: HTTP2Wire.rstStream, flags: 0, stream: stream, payload: [0, 0, 0, 8])
            }
            try wire.send(burst)
        }
    }

    func testAContinuationFloodIsStopped() async throws {
        try await start()
        // HEADERS without END_HEADERS, then CONTINUATION frames that never end the block.
        try assertClosedWithGoAway(code: 0xb) { wire in
            let stream = wire.takeStream()
            var burst = HTTP2Wire.encode(
                type: HTTP2Wire.headers,
                flags: 0x1,
                stream: stream,
                payload: try wire.block(HTTP2Wire.get("/static/index.html"))
            )
            for _ in 0..<50 {
                burst += HTTP2Wire.encode(
                    type: HTTP2Wire.continuation,
                    flags: 0,
                    stream: stream,
                    payload: [0x40, 1, 0x61, 1, 0x62]
                )
            }
            try wire.send(burst)
        }
    }

    func testASettingsFloodIsStopped() async throws {
        try await start()
        try assertClosedWithGoAway(code: 0xb) { wire in
            let one = HTTP2Wire.encode(type: HTTP2Wire.settings, flags: 0, stream: 0, payload: [0, 4, 0, 1, 0, 0])
            try wire.send(Array((0..<1000).map { _ in one }.joined()))
        }
    }

    func testAPingFloodIsStopped() async throws {
        try await start()
        try assertClosedWithGoAway(code: 0xb) { wire in
            let one = HTTP2Wire.encode(
                type: HTTP2Wire.ping,
                flags: 0,
                stream: 0,
                payload: Array(repeating: 7, count: 8)
            )
            try wire.send(Array((0..<1000).map { _ in one }.joined()))
        }
    }

    func testAnEmptyDataFrameFloodIsStopped() async throws {
        try await start()
        try assertClosedWithGoAway(code: 0xb) { wire in
            let stream = try wire.request(HTTP2Wire.get("/static/index.html"), endStream: false)
            let one = HTTP2Wire.encode(type: HTTP2Wire.data, flags: 0, stream: stream, payload: [])
            try wire.send(Array((0..<100).map { _ in one }.joined()))
        }
    }

    func testAStormOfMalformedStreamsIsStopped() async throws {
        try await start()
        // Each is a stream error NIO answers with RST_STREAM; past 200 in 30 s (its stream-error
        // and glitch allowances) the peer is treated as hostile.
        try assertClosedWithGoAway(code: 0xb) { wire in
            var burst: [UInt8] = []
            for _ in 0..<300 {
                burst += HTTP2Wire.encode(
                    type: HTTP2Wire.headers,
                    flags: 0x5,
                    stream: wire.takeStream(),
                    payload: try wire.block(HTTP2Wire.get("/static/index.html", [("connection", "close")]))
                )
            }
            try wire.send(burst)
        }
    }

    func testAHeaderListOverTheLimitIsRefused() async throws {
        try await start()
        let wire = try HTTP2Wire(port: port)
        // 20,000 bytes of one field, over SETTINGS_MAX_HEADER_LIST_SIZE (16 KiB), in a HEADERS
        // and a CONTINUATION frame (Huffman coding shrinks the block below one frame's 16 KiB).
        let block = try wire.block(
            HTTP2Wire.get("/static/index.html", [("x-big", String(repeating: "a", count: 20_000))])
        )
        let stream = wire.takeStream()
        let half = block.count / 2
        try wire.send(frame: HTTP2Wire.headers, flags: 0x1, stream: stream, payload: Array(block[..<half]))
        try wire.send(frame: HTTP2Wire.continuation, flags: 0x4, stream: stream, payload: Array(block[half...]))
        // Refused, one way or the other: a reset stream or the connection closed; never served.
        do {
            let response = try wire.response(stream)
            XCTAssertNotEqual(response.status, 200)
        } catch HTTP2Wire.Failure.closed {
        } catch HTTP2Wire.Failure.protocolError {
        }
        XCTAssertEqual(try HTTP2Wire(port: port).get("/static/index.html").status, 200)
    }
}
