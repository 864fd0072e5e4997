import XCTest

@testable import HushServe

final class RangeTests: XCTestCase {
    private func range(_ field: String?, _ length: Int = 1000) -> Negotiation.RangeDecision {
        Negotiation.range(field, length: length)
    }

    func testNoRangeIsFull() { XCTAssertEqual(range(nil), .full) }

    func testAFieldOverTheRangeLimitIsIgnoredWhicheverElementCrossesIt() {
        // All unsatisfiable: at the limit the field counts (416); one more and it is ignored (200),
        // including when the element past the limit is the last one of the field.
        let spec = { (count: Int) in "bytes=" + Array(repeating: "5000-5001", count: count).joined(separator: ",") }
        XCTAssertEqual(range(spec(Negotiation.maxRanges)), .unsatisfiable)
        XCTAssertEqual(range(spec(Negotiation.maxRanges + 1)), .full)
        XCTAssertEqual(range(spec(Negotiation.maxRanges + 2)), .full)
    }

    func testSingleClosedRange() {
        XCTAssertEqual(range("bytes=0-99"), .partial(0...99))
        XCTAssertEqual(range("bytes=500-500"), .partial(500...500))
    }

    func testLastPastTheEndIsClamped() {
        XCTAssertEqual(range("bytes=900-5000"), .partial(900...999))
        XCTAssertEqual(range("bytes=0-99999999999999999999999"), .partial(0...999))
    }

    func testOpenEndedRange() { XCTAssertEqual(range("bytes=990-"), .partial(990...999)) }

    func testSuffixRange() {
        XCTAssertEqual(range("bytes=-10"), .partial(990...999))
        XCTAssertEqual(range("bytes=-5000"), .partial(0...999))
    }

    func testUnitIsCaseInsensitiveAndWhitespaceTolerated() {
        XCTAssertEqual(range("Bytes=0-1"), .partial(0...1))
        XCTAssertEqual(range("bytes= 0-1 "), .partial(0...1))
    }

    func testUnsatisfiable() {
        XCTAssertEqual(range("bytes=1000-"), .unsatisfiable)
        XCTAssertEqual(range("bytes=5000-6000"), .unsatisfiable)
        XCTAssertEqual(range("bytes=-0"), .unsatisfiable)
        XCTAssertEqual(range("bytes=0-", 0), .unsatisfiable)
        XCTAssertEqual(range("bytes=2000-, 3000-4000"), .unsatisfiable)
    }

    func testMalformedIsIgnored() {
        for bad in [
            "bytes=5-1", "bytes=a-b", "bytes=", "bytes", "items=0-1", "bytes=1", "bytes=--1", "bytes=0-1-2",
            "bytes=+1-2",
        ] {
            XCTAssertEqual(range(bad), .full, bad)
        }
    }

    func testMultipleRangesAreAnsweredInFull() {
        XCTAssertEqual(range("bytes=0-1, 5-6"), .full)
        XCTAssertEqual(range("bytes=0-1, 5000-"), .full)
    }

    func testTooManyRangesAreIgnored() {
        let many = "bytes=" + (0..<200).map { "\($0)-\($0)" }.joined(separator: ",")
        XCTAssertEqual(range(many), .full)
    }

    func testIfRangeWithStrongETagOrExactDate() {
        let tag = Array("abc".utf8)
        XCTAssertTrue(Negotiation.ifRangeMatches(ArraySlice("\"abc\""), opaqueTag: tag, lastModified: 784_111_777))
        XCTAssertFalse(Negotiation.ifRangeMatches(ArraySlice("W/\"abc\""), opaqueTag: tag, lastModified: 784_111_777))
        XCTAssertFalse(Negotiation.ifRangeMatches(ArraySlice("\"abd\""), opaqueTag: tag, lastModified: 784_111_777))
        XCTAssertTrue(
            Negotiation.ifRangeMatches(
                ArraySlice("Sun, 06 Nov 1994 08:49:37 GMT"),
                opaqueTag: tag,
                lastModified: 784_111_777
            )
        )
        XCTAssertFalse(
            Negotiation.ifRangeMatches(
                ArraySlice("Sun, 06 Nov 1994 08:49:38 GMT"),
                opaqueTag: tag,
                lastModified: 784_111_777
            )
        )
        XCTAssertFalse(Negotiation.ifRangeMatches(ArraySlice("garbage"), opaqueTag: tag, lastModified: 784_111_777))
    }

    /// Found by the negotiation fuzz target (its If-Range date property): a date whose day name
    /// starts with W was taken for a weak entity-tag, so a resumed download of a file last
    /// modified on a Wednesday started again from the first byte.
    func testIfRangeDateOnAWednesdayMatches() {
        let tag = Array("abc".utf8)
        XCTAssertTrue(
            Negotiation.ifRangeMatches(
                ArraySlice("Wed, 21 Oct 2015 07:28:00 GMT"),
                opaqueTag: tag,
                lastModified: 1_445_412_480
            )
        )
        XCTAssertTrue(
            Negotiation.ifRangeMatches(
                ArraySlice("Wednesday, 21-Oct-15 07:28:00 GMT"),
                opaqueTag: tag,
                lastModified: 1_445_412_480
            )
        )
        XCTAssertFalse(
            Negotiation.ifRangeMatches(
                ArraySlice("Wed, 21 Oct 2015 07:28:01 GMT"),
                opaqueTag: tag,
                lastModified: 1_445_412_480
            )
        )
        XCTAssertFalse(Negotiation.ifRangeMatches(ArraySlice("W/\"abc\""), opaqueTag: tag, lastModified: 1_445_412_480))
    }
}
