import HushCore
import XCTest

final class HTTPDateTests: XCTestCase {
    /// The example of RFC 9110 §5.6.7 is 784111777 seconds after the epoch.
    func testFormatsIMFFixdate() {
        XCTAssertEqual(HTTPDate.format(epochSeconds: 784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT")
        XCTAssertEqual(HTTPDate.format(epochSeconds: 0), "Thu, 01 Jan 1970 00:00:00 GMT")
        XCTAssertEqual(HTTPDate.format(epochSeconds: 951_782_400), "Tue, 29 Feb 2000 00:00:00 GMT")
    }

    func testParsesAllThreeFormatsOfRFC9110() {
        XCTAssertEqual(HTTPDate.parse("Sun, 06 Nov 1994 08:49:37 GMT"), 784_111_777)
        XCTAssertEqual(HTTPDate.parse("Sunday, 06-Nov-94 08:49:37 GMT"), 784_111_777)
        XCTAssertEqual(HTTPDate.parse("Sun Nov  6 08:49:37 1994"), 784_111_777)
    }

    func testRejectsMalformedDates() {
        for bad in [
            "", "yesterday", "Sun, 06 Nov 1994 08:49:37", "Sun, 31 Feb 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 25:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 GMT junk", "Sun, 6 Nov 1994 08:49:37 GMT",
        ] {
            XCTAssertNil(HTTPDate.parse(bad), bad)
        }
    }

    func testRoundTripsAcrossCenturies() {
        for seconds: Int64 in [0, 1, 86_399, 86_400, 1_700_000_000, 4_102_444_800, 253_402_300_799] {
            XCTAssertEqual(HTTPDate.parse(HTTPDate.format(epochSeconds: seconds)), seconds)
        }
    }
}
