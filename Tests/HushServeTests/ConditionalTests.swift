import XCTest

@testable import HushServe

final class ConditionalTests: XCTestCase {
    private let etag = "\"abc\""
    private let modified: Int64 = 784_111_777  // Sun, 06 Nov 1994 08:49:37 GMT

    private func evaluate(
        inm: String? = nil,
        ims: String? = nil,
        im: String? = nil,
        ius: String? = nil
    ) -> Negotiation.ConditionalOutcome {
        Negotiation.evaluateConditionals(
            ifMatch: im,
            ifUnmodifiedSince: ius,
            ifNoneMatch: inm,
            ifModifiedSince: ims,
            etag: etag,
            lastModified: modified
        )
    }

    func testNoConditionsProceed() { XCTAssertEqual(evaluate(), .proceed) }

    func testIfNoneMatchUsesWeakComparison() {
        XCTAssertEqual(evaluate(inm: "\"abc\""), .notModified)
        XCTAssertEqual(evaluate(inm: "W/\"abc\""), .notModified)
        XCTAssertEqual(evaluate(inm: "\"xyz\""), .proceed)
    }

    func testExactTagAndItsNearMisses() {
        // The single strong tag a revalidating client sends back is matched without the list pass;
        // anything of the same length that is not exactly it must not match.
        XCTAssertEqual(evaluate(inm: " \"abc\"\t"), .notModified)
        XCTAssertEqual(evaluate(im: "\"abc\""), .proceed)
        for miss in ["\"abx\"", "xabcx", "\"abc ", " abc\"", "\"ab\"", "\"abcd\"", "W/\"ab\""] {
            XCTAssertEqual(evaluate(inm: miss), .proceed, miss)
            XCTAssertEqual(evaluate(im: miss), .preconditionFailed, miss)
        }
    }

    func testIfNoneMatchListsAndStar() {
        XCTAssertEqual(evaluate(inm: "\"x\", W/\"y\" ,\"abc\""), .notModified)
        XCTAssertEqual(evaluate(inm: "*"), .notModified)
        XCTAssertEqual(evaluate(inm: "\"x\",,junk, \"y\""), .proceed)
    }

    func testIfModifiedSince() {
        XCTAssertEqual(evaluate(ims: "Sun, 06 Nov 1994 08:49:37 GMT"), .notModified)
        XCTAssertEqual(evaluate(ims: "Mon, 07 Nov 1994 08:49:37 GMT"), .notModified)
        XCTAssertEqual(evaluate(ims: "Sun, 06 Nov 1994 08:49:36 GMT"), .proceed)
        XCTAssertEqual(evaluate(ims: "not a date"), .proceed)
    }

    /// RFC 9110 §13.2.2: when If-None-Match is present, If-Modified-Since is not evaluated.
    func testIfNoneMatchWinsOverIfModifiedSince() {
        XCTAssertEqual(evaluate(inm: "\"other\"", ims: "Mon, 07 Nov 1994 08:49:37 GMT"), .proceed)
        XCTAssertEqual(evaluate(inm: "\"abc\"", ims: "Sun, 06 Nov 1994 08:49:36 GMT"), .notModified)
    }

    func testIfMatchUsesStrongComparison() {
        XCTAssertEqual(evaluate(im: "\"abc\""), .proceed)
        XCTAssertEqual(evaluate(im: "*"), .proceed)
        XCTAssertEqual(evaluate(im: "W/\"abc\""), .preconditionFailed)
        XCTAssertEqual(evaluate(im: "\"nope\""), .preconditionFailed)
    }

    func testIfUnmodifiedSince() {
        XCTAssertEqual(evaluate(ius: "Sun, 06 Nov 1994 08:49:37 GMT"), .proceed)
        XCTAssertEqual(evaluate(ius: "Sun, 06 Nov 1994 08:49:36 GMT"), .preconditionFailed)
        XCTAssertEqual(evaluate(ius: "bogus"), .proceed)
    }
}
