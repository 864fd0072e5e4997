import HushCore
import XCTest

final class ContentCodingTests: XCTestCase {
    func testEachEntryNamesItsCaseAndItsSuffix() {
        XCTAssertEqual(ContentCoding.allCases.map(\.token), ["br", "zstd", "gzip"])
        XCTAssertEqual(ContentCoding.allCases.map(\.fileSuffix), [".br", ".zst", ".gz"])
        for coding in ContentCoding.allCases {
            XCTAssertEqual(coding.entry.token.description, coding.token, "the entry's token is the case's raw value")
            XCTAssertEqual(coding.entry.token.description, coding.entry.token.description.lowercased())
            XCTAssertTrue(coding.fileSuffix.hasPrefix("."))
        }
        XCTAssertEqual(ContentCoding.gzip.entry.alias?.description, "x-gzip")
    }

    func testTheCaseOrderIsThePreferenceBrotliFirst() {
        XCTAssertEqual(ContentCoding.allCases, [.br, .zstd, .gzip])
    }

    func testNoSuffixEndsAnother() {
        // A sibling's path must name exactly one coding.
        for a in ContentCoding.allCases {
            for b in ContentCoding.allCases where a != b {
                XCTAssertFalse(a.fileSuffix.hasSuffix(b.fileSuffix), "\(a) and \(b)")
            }
        }
    }

    func testSiblingSplitsThePrimaryFromTheCoding() {
        XCTAssertEqual(ContentCoding.sibling("css/app.css.br")?.primary, "css/app.css")
        XCTAssertEqual(ContentCoding.sibling("css/app.css.br")?.coding, .br)
        XCTAssertEqual(ContentCoding.sibling("a.gz")?.primary, "a")
        XCTAssertEqual(ContentCoding.sibling("a.gz")?.coding, .gzip)
        XCTAssertEqual(ContentCoding.sibling("é.gz")?.primary, "é")
        XCTAssertNil(ContentCoding.sibling("a.css"))
        XCTAssertNil(ContentCoding.sibling(".br"), "nothing but the suffix")
        XCTAssertNil(ContentCoding.sibling("a.BR"), "suffixes are compared as bytes")
        for coding in ContentCoding.allCases {
            XCTAssertEqual(ContentCoding.sibling("x" + coding.fileSuffix)?.coding, coding)
            XCTAssertEqual(ContentCoding.sibling("x" + coding.fileSuffix)?.foreign, false)
        }
    }

    func testTheForeignZstdSuffixNamesZstdToo() {
        XCTAssertEqual(ContentCoding.zstd.entry.foreignSuffix?.description, ".zstd")
        let sibling = ContentCoding.sibling("js/app.js.zstd")
        XCTAssertEqual(sibling?.primary, "js/app.js")
        XCTAssertEqual(sibling?.coding, .zstd)
        XCTAssertEqual(sibling?.foreign, true)
        XCTAssertEqual(ContentCoding.sibling("js/app.js.zst")?.foreign, false)
        XCTAssertNil(ContentCoding.sibling(".zstd"), "nothing but the suffix")
    }
}
