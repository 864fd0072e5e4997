import HushCore
import NIOCore
import XCTest

@testable import HushServe

/// The `Date:` line rendered as bytes is HTTPDate's IMF-fixdate, every weekday and month.
final class DateLineTests: XCTestCase {
    func testRenderedLineIsTheIMFFixdate() {
        var instants: [Int64] = [0, 784_111_777, 951_782_400, 1_709_164_800, 1_798_761_599, 253_402_300_799]
        // One instant a little over a day apart for two years: every weekday, month and day.
        instants += (0..<730).map { 1_700_000_000 + Int64($0) * 90_061 }
        for seconds in instants {
            var out = ByteBuffer()
            DateLine.render(epochSeconds: seconds, into: &out)
            XCTAssertEqual(
                String(buffer: out),
                "Date: " + HTTPDate.format(epochSeconds: seconds) + "\r\n",
                "\(seconds)"
            )
        }
    }

    func testCurrentLineIsADateLine() {
        var line = DateLine()
        let first = line.current()
        XCTAssertTrue(String(buffer: first).hasPrefix("Date: "))
        XCTAssertTrue(String(buffer: first).hasSuffix(" GMT\r\n"))
        XCTAssertEqual(first.readableBytes, "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n".utf8.count)
    }
}
