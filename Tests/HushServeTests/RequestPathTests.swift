import XCTest

@testable import HushServe

final class RequestPathTests: XCTestCase {
    /// ``RequestPath/Location`` with the path as a string, for assertions.
    enum Resolution: Equatable {
        case path(String, query: ArraySlice<UInt8>, rawPath: ArraySlice<UInt8>)
        case prefixWithoutSlash(query: ArraySlice<UInt8>)
        case notFound
        case badRequest
    }

    private func resolve(_ target: String, prefix: String = "/static/") -> Resolution {
        switch RequestPath.locate(target: ArraySlice(Array(target.utf8)), prefix: Array(prefix.utf8)) {
        case .path(let relative, let query, let rawPath):
            return .path(String(decoding: relative, as: UTF8.self), query: query, rawPath: rawPath)
        case .decodedPath(let relative, let query, let rawPath):
            return .path(String(decoding: relative, as: UTF8.self), query: query, rawPath: rawPath)
        case .prefixWithoutSlash(let query): return .prefixWithoutSlash(query: query)
        case .notFound: return .notFound
        case .badRequest: return .badRequest
        }
    }

    func testPathBelowPrefix() {
        XCTAssertEqual(
            resolve("/static/css/a.css"),
            .path("css/a.css", query: ArraySlice("".utf8), rawPath: ArraySlice("/static/css/a.css".utf8))
        )
        XCTAssertEqual(
            resolve("/static/?x=1"),
            .path("", query: ArraySlice("?x=1".utf8), rawPath: ArraySlice("/static/".utf8))
        )
    }

    func testPercentDecodedExactlyOnce() {
        XCTAssertEqual(
            resolve("/static/a%20b.css"),
            .path("a b.css", query: ArraySlice("".utf8), rawPath: ArraySlice("/static/a%20b.css".utf8))
        )
        XCTAssertEqual(
            resolve("/static/a%2520b"),
            .path("a%20b", query: ArraySlice("".utf8), rawPath: ArraySlice("/static/a%2520b".utf8))
        )
        XCTAssertEqual(
            resolve("/static/caf%C3%A9.txt"),
            .path("café.txt", query: ArraySlice("".utf8), rawPath: ArraySlice("/static/caf%C3%A9.txt".utf8))
        )
    }

    func testAbsoluteFormDropsAuthority() {
        XCTAssertEqual(
            resolve("http://example.com/static/a.css?q"),
            .path("a.css", query: ArraySlice("?q".utf8), rawPath: ArraySlice("/static/a.css".utf8))
        )
    }

    func testTraversalAndSmugglingNeverReachAFile() {
        XCTAssertEqual(resolve("/static/../etc/passwd"), .notFound)
        XCTAssertEqual(resolve("/static/%2e%2e/etc/passwd"), .notFound)
        XCTAssertEqual(resolve("/static/a/./b"), .notFound)
        XCTAssertEqual(resolve("/static/a%2fb"), .notFound)
        XCTAssertEqual(resolve("/static/a%5Cb"), .notFound)
        XCTAssertEqual(resolve("/static/a\\b"), .notFound)
        XCTAssertEqual(resolve("/static/a%00.css"), .badRequest)
        XCTAssertEqual(resolve("/static/a%zz"), .badRequest)
        XCTAssertEqual(resolve("/static/a%4"), .badRequest)
        XCTAssertEqual(resolve("/static/%ff%fe"), .badRequest)
        XCTAssertEqual(resolve("*"), .badRequest)
        XCTAssertEqual(resolve("/static/a#frag"), .badRequest)
    }

    func testDotSegmentsAnywhereAreRefusedButDottedNamesAreNot() {
        // The fast path finds dot-segments in the same pass as the query and escapes: first,
        // middle and last segment, and a last one followed by a query.
        for target in ["/static/./a", "/static/a/../b", "/static/a/..", "/static/a/.", "/static/a/..?x", "/static/.."] {
            XCTAssertEqual(resolve(target), .notFound, target)
        }
        for name in [".well-known/a", "a..b", "...", "a/.b", "a/..b", "a/b."] {
            XCTAssertEqual(
                resolve("/static/" + name),
                .path(name, query: ArraySlice("".utf8), rawPath: ArraySlice(("/static/" + name).utf8)),
                name
            )
        }
        // `#` and `\` are only looked for in the path, not in the query.
        XCTAssertEqual(
            resolve("/static/a?b#c\\d"),
            .path("a", query: ArraySlice("?b#c\\d".utf8), rawPath: ArraySlice("/static/a".utf8))
        )
    }

    func testRawNonASCIIPathsMustBeUTF8() {
        let valid: [UInt8] = Array("/static/caf".utf8) + [0xC3, 0xA9]
        let invalid: [UInt8] = Array("/static/caf".utf8) + [0xC3, 0x28]
        guard case .path(let relative, _, _) = RequestPath.locate(target: valid[...], prefix: Array("/static/".utf8))
        else { return XCTFail("valid UTF-8 refused") }
        XCTAssertEqual(String(decoding: relative, as: UTF8.self), "café")
        guard case .badRequest = RequestPath.locate(target: invalid[...], prefix: Array("/static/".utf8)) else {
            return XCTFail("invalid UTF-8 accepted")
        }
    }

    func testOutsidePrefixIsNotFoundAndBarePrefixRedirects() {
        XCTAssertEqual(resolve("/other/a.css"), .notFound)
        XCTAssertEqual(resolve("/staticx/a.css"), .notFound)
        XCTAssertEqual(resolve("/static?x"), .prefixWithoutSlash(query: ArraySlice("?x".utf8)))
        XCTAssertEqual(
            resolve("/a.css", prefix: "/"),
            .path("a.css", query: ArraySlice("".utf8), rawPath: ArraySlice("/a.css".utf8))
        )
    }
}
