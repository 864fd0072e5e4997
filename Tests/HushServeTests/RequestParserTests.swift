import XCTest

@testable import HushServe

final class RequestParserTests: XCTestCase {
    private func parse(_ text: String) -> RequestParser.Outcome {
        var scratch: [UInt8] = []
        return Array(text.utf8).withUnsafeBytes { RequestParser.parse($0, reusing: &scratch) }
    }

    /// A head with its field ranges resolved against the parser's scratch bytes.
    private struct Parsed {
        var method: RequestHead.Method
        var keepAlive: Bool
        var target: [UInt8]
        var acceptEncoding: [UInt8]?
        var range: [UInt8]?
        var ifNoneMatch: [UInt8]?
        var ifMatch: [UInt8]?
    }

    private func head(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> Parsed? {
        var scratch: [UInt8] = []
        let result = Array(text.utf8).withUnsafeBytes { RequestParser.parse($0, reusing: &scratch) }
        guard case .complete(let head, _) = result else {
            XCTFail("not a complete head: \(result)", file: file, line: line)
            return nil
        }
        func bytes(_ range: Range<Int>?) -> [UInt8]? { range.map { Array(scratch[$0]) } }
        return Parsed(
            method: head.method,
            keepAlive: head.keepAlive,
            target: Array(scratch[head.target]),
            acceptEncoding: bytes(head.acceptEncoding),
            range: bytes(head.range),
            ifNoneMatch: bytes(head.ifNoneMatch),
            ifMatch: bytes(head.ifMatch)
        )
    }

    private func failure(_ text: String) -> RequestParser.Failure? {
        if case .failure(let failure) = parse(text) { return failure }
        return nil
    }

    func testParsesMethodTargetVersionAndFields() throws {
        let h = try XCTUnwrap(
            head(
                "GET /static/a.css?v=1 HTTP/1.1\r\nHost: x\r\nAccept-Encoding: br, gzip\r\nRange: bytes=0-1\r\nIf-None-Match: \"a\"\r\n\r\n"
            )
        )
        XCTAssertEqual(h.method, .get)
        XCTAssertEqual(Array(h.target), Array("/static/a.css?v=1".utf8))
        XCTAssertEqual(h.acceptEncoding.map { Array($0) }, Array("br, gzip".utf8))
        XCTAssertEqual(h.range.map { Array($0) }, Array("bytes=0-1".utf8))
        XCTAssertEqual(h.ifNoneMatch.map { Array($0) }, Array("\"a\"".utf8))
        XCTAssertTrue(h.keepAlive)
    }

    func testConsumesExactlyOneHeadForPipelining() {
        let two = "HEAD /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n"
        guard case .complete(let first, let consumed) = parse(two) else { return XCTFail() }
        XCTAssertEqual(first.method, .head)
        XCTAssertEqual(consumed, "HEAD /a HTTP/1.1\r\nHost: x\r\n\r\n".utf8.count)
    }

    func testIncompleteHeadWaitsForMore() {
        guard case .incomplete = parse("GET /a HTTP/1.1\r\nHost: x\r\n") else { return XCTFail() }
    }

    func testAcceptsBareLineFeedsAndLeadingEmptyLine() {
        XCTAssertNotNil(head("\r\nGET /a HTTP/1.1\nHost: x\n\n"))
    }

    func testHTTP11WithoutHostIsBadRequest() {
        XCTAssertEqual(failure("GET / HTTP/1.1\r\n\r\n"), .badRequest)
        XCTAssertNotNil(head("GET / HTTP/1.0\r\n\r\n"))
    }

    func testDuplicateHostIsBadRequest() {
        XCTAssertEqual(failure("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), .badRequest)
    }

    func testMalformedHeadsAreBadRequests() {
        for bad in [
            "GET  / HTTP/1.1\r\nHost: x\r\n\r\n", "GET / HTTP/1.1 x\r\nHost: x\r\n\r\n",
            "GET / HTTP/x\r\nHost: x\r\n\r\n",
            "GET / HTTP/1.1\r\nHost : x\r\n\r\n", "GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
            "GET / HTTP/1.1\r\nno colon\r\n\r\n", "G(T / HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nX: a\u{0}b\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1, 2\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x y\r\n\r\n",
        ] {
            XCTAssertEqual(failure(bad), .badRequest, bad.debugDescription)
        }
    }

    func testBareCRIsRejectedBeforeTheHeadIsComplete() {
        // RFC 9112 §2.2: a bare CR is invalid; waiting for a line feed that never comes is not an answer.
        for text in ["GET / HTTP/1.1\rHost: t\r\r", "GET / HTTP/1.1\r\nHost: t\rX: y", "GET /\rx"] {
            guard case .failure(.badRequest) = parse(text) else {
                return XCTFail("\(text.debugDescription): \(parse(text))")
            }
        }
        guard case .incomplete = parse("GET / HTTP/1.1\r\nHost: t\r") else {
            return XCTFail("a CR at the end may be followed by LF")
        }
    }

    func testUnsupportedMajorVersion() {
        XCTAssertEqual(failure("GET / HTTP/2.0\r\nHost: x\r\n\r\n"), .versionNotSupported)
    }

    func testLongRequestLineIs414AndLongHeadIs431() {
        let longTarget = "/" + String(repeating: "a", count: RequestParser.maxRequestLine)
        XCTAssertEqual(failure("GET \(longTarget) HTTP/1.1\r\nHost: x\r\n\r\n"), .uriTooLong)
        XCTAssertEqual(failure("GET \(longTarget)"), .uriTooLong)
        let bigField = "X-Big: " + String(repeating: "b", count: RequestParser.maxHead) + "\r\n"
        XCTAssertEqual(failure("GET / HTTP/1.1\r\nHost: x\r\n" + bigField + "\r\n"), .headTooLarge)
        XCTAssertEqual(failure("GET / HTTP/1.1\r\nHost: x\r\n" + bigField), .headTooLarge)
    }

    func testConnectionTokens() {
        XCTAssertEqual(head("GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, close\r\n\r\n")?.keepAlive, false)
        XCTAssertEqual(head("GET / HTTP/1.0\r\n\r\n")?.keepAlive, false)
        XCTAssertEqual(head("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")?.keepAlive, true)
        XCTAssertEqual(head("GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")?.keepAlive, false)
    }

    func testRepeatedListFieldsCombine() {
        XCTAssertEqual(
            head("GET / HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nAccept-Encoding: br\r\n\r\n")?.acceptEncoding
                .map { Array($0) },
            Array("gzip, br".utf8)
        )
        let three = head(
            "GET / HTTP/1.1\r\nIf-None-Match: \"a\"\r\nHost: x\r\nIf-Match: \"m\"\r\nIf-None-Match: \"b\"\r\nIf-None-Match: W/\"c\"\r\nIf-Match: \"n\"\r\n\r\n"
        )
        XCTAssertEqual(three?.ifNoneMatch, Array("\"a\", \"b\", W/\"c\"".utf8))
        XCTAssertEqual(three?.ifMatch, Array("\"m\", \"n\"".utf8))
        XCTAssertEqual(three?.target, Array("/".utf8), "ranges of single fields still index the head after combining")
    }

    func testOtherMethodsParseAsOther() {
        XCTAssertEqual(head("DELETE /a HTTP/1.1\r\nHost: x\r\n\r\n")?.method, .other)
        XCTAssertEqual(head("get /a HTTP/1.1\r\nHost: x\r\n\r\n")?.method, .other)
    }

    func testEveryKnownFieldIsRecordedWhateverTheCaseOfItsName() throws {
        let fields = [
            ("HOST", "x"), ("Accept-ENCODING", "br"), ("rAnGe", "bytes=0-1"), ("IF-RANGE", "\"r\""),
            ("If-None-MATCH", "\"n\""), ("if-modified-since", "m"), ("IF-MATCH", "\"i\""),
            ("If-Unmodified-Since", "u"), ("CONNECTION", "Keep-Alive"), ("Content-LENGTH", "0"),
            ("x-unknown-field-of-the-same-length-as-nothing", "ignored"),
        ]
        let text = "GET / HTTP/1.0\r\n" + fields.map { "\($0.0): \($0.1)\r\n" }.joined() + "\r\n"
        var scratch: [UInt8] = []
        guard
            case .complete(let h, _) = Array(text.utf8).withUnsafeBytes({ RequestParser.parse($0, reusing: &scratch) })
        else {
            return XCTFail("not a complete head")
        }
        func value(_ range: Range<Int>?) -> String? { range.map { String(decoding: scratch[$0], as: UTF8.self) } }
        XCTAssertEqual(
            [
                h.host, h.acceptEncoding, h.range, h.ifRange, h.ifNoneMatch, h.ifModifiedSince, h.ifMatch,
                h.ifUnmodifiedSince,
            ].map(value),
            ["x", "br", "bytes=0-1", "\"r\"", "\"n\"", "m", "\"i\"", "u"]
        )
        XCTAssertTrue(h.connectionKeepAlive)
        XCTAssertEqual(h.contentLength, 0)
        XCTAssertFalse(h.hasTransferEncoding)
        guard
            case .complete(let chunked, _) = Array(
                "GET / HTTP/1.1\r\nHost: x\r\nTRANSFER-encoding: chunked\r\n\r\n".utf8
            )
            .withUnsafeBytes({ RequestParser.parse($0, reusing: &scratch) })
        else { return XCTFail("not a complete head") }
        XCTAssertTrue(chunked.hasTransferEncoding)
    }

    func testTokenBytesAreExactlyTheTChars() {
        // RFC 9110 §5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
        // "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA.
        let tchars = Set(Array("!#$%&'*+-.^_`|~0123456789".utf8) + Array("abcdefghijklmnopqrstuvwxyz".utf8))
            .union(Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8))
        for byte in UInt8.min...UInt8.max {
            XCTAssertEqual(RequestParser.isTokenByte(byte), tchars.contains(byte), "byte \(byte)")
        }
    }

    func testNamesThatOnlyLookLikeKnownFieldsAreIgnored() throws {
        // Same lengths as known fields, one byte off: none may be taken for them.
        let lookalikes = [
            "Hots", "Rangx", "If-Rangx", "If-Matcx", "Connectiox", "If-None-Matcx", "Content-Lengtx",
            "Accept-Encodinx", "If-Modified-Sincx", "Transfer-Encodinx", "If-Unmodified-Sincx", "If-Mange",
        ]
        let text =
            "GET / HTTP/1.1\r\nHost: h\r\n" + lookalikes.map { "\($0): \"v\"\r\n" }.joined() + "\r\n"
        var scratch: [UInt8] = []
        guard
            case .complete(let h, _) = Array(text.utf8).withUnsafeBytes({ RequestParser.parse($0, reusing: &scratch) })
        else {
            return XCTFail("not a complete head")
        }
        XCTAssertNil(h.range)
        XCTAssertNil(h.ifRange)
        XCTAssertNil(h.ifMatch)
        XCTAssertNil(h.ifNoneMatch)
        XCTAssertNil(h.contentLength)
        XCTAssertNil(h.acceptEncoding)
        XCTAssertNil(h.ifModifiedSince)
        XCTAssertNil(h.ifUnmodifiedSince)
        XCTAssertFalse(h.hasTransferEncoding)
        XCTAssertFalse(h.connectionClose)
        XCTAssertEqual(h.host.map { String(decoding: scratch[$0], as: UTF8.self) }, "h")
    }

    func testWordAtATimeCheckAgreesWithTheByteRule() {
        // Every offset and length over bytes that mix the edges of both rules: controls, HTAB,
        // SP, `!`, DEL, obs-text.
        let edges: [UInt8] = [0x00, 0x09, 0x1f, 0x20, 0x21, 0x41, 0x7e, 0x7f, 0x80, 0xff]
        var generator = SystemRandomNumberGenerator()
        let value: (UInt8) -> Bool = { $0 >= 0x20 ? $0 != 0x7f : $0 == 0x09 }
        let target: (UInt8) -> Bool = { $0 > 0x20 && $0 != 0x7f }
        for _ in 0..<300 {
            // Mostly plain bytes, so that words without any edge byte are common too.
            let bytes: [UInt8] = (0..<40).map { _ in
                Int.random(in: 0..<6, using: &generator) == 0
                    ? edges.randomElement(using: &generator) ?? 0 : UInt8.random(in: 0x41...0x5a, using: &generator)
            }
            bytes.withUnsafeBytes { b in
                for start in 0..<20 {
                    for end in start..<b.count {
                        let slice = b[start..<end]
                        XCTAssertEqual(
                            RequestParser.allBytes(b, in: start..<end, noneBelow: 0x20, satisfy: value),
                            slice.allSatisfy(value),
                            "\(bytes) \(start)..<\(end)"
                        )
                        XCTAssertEqual(
                            RequestParser.allBytes(b, in: start..<end, noneBelow: 0x21, satisfy: target),
                            slice.allSatisfy(target)
                        )
                    }
                }
            }
        }
    }
}
