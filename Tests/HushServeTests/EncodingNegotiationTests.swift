import HushCore
import XCTest

@testable import HushServe

final class EncodingNegotiationTests: XCTestCase {
    private func choose(_ field: String?, br: Bool = true, gzip: Bool = true) -> ContentCoding? {
        Negotiation.chooseCoding(acceptEncoding: field, available: (br ? [.br] : []) + (gzip ? [.gzip] : []))
    }

    func testNoHeaderGetsIdentity() {
        XCTAssertNil(choose(nil))
    }

    func testEmptyHeaderMeansIdentityOnly() {
        XCTAssertNil(choose(""))
    }

    func testTiesPreferBrotliThenGzipInTheTableOrder() {
        XCTAssertEqual(choose("gzip, br"), .br)
        XCTAssertEqual(choose("gzip, deflate, br, zstd"), .br)
        XCTAssertEqual(choose("gzip, br", br: false), .gzip)
        XCTAssertEqual(choose("br", br: false), nil)
    }

    func testHighestQValueWins() {
        XCTAssertEqual(choose("br;q=0.5, gzip;q=0.8"), .gzip)
        XCTAssertEqual(choose("br;q=1.0, gzip;q=0.999"), .br)
        XCTAssertEqual(choose("gzip; q=0.2, identity;q=0.5"), nil)
    }

    func testZeroQualityExcludes() {
        XCTAssertEqual(choose("br;q=0, gzip"), .gzip)
        XCTAssertEqual(choose("br;q=0.000, gzip;q=0"), nil)
    }

    func testStarCoversUnnamedCodings() {
        XCTAssertEqual(choose("*"), .br)
        XCTAssertEqual(choose("br;q=0, *;q=0.5"), .gzip)
        XCTAssertEqual(choose("*;q=0"), nil)
    }

    func testCodingNamesAreCaseInsensitiveAndXGzipIsGzip() {
        XCTAssertEqual(choose("GZIP", br: true), .gzip)
        XCTAssertEqual(choose("x-gzip"), .gzip)
        XCTAssertEqual(choose("Br;Q=0.9"), .br)
    }

    func testMalformedWeightIgnoresOnlyThatMember() {
        XCTAssertEqual(choose("br;q=2, gzip"), .gzip)
        XCTAssertEqual(choose("br;q=0.1234, gzip;q=0.5"), .gzip)
        XCTAssertEqual(choose("br;q=abc"), nil)
    }

    func testUnnamedIdentityRanksBelowAnyNamedCoding() {
        XCTAssertEqual(choose("gzip;q=0.001"), .gzip)
    }

    func testWithoutSiblingsAlwaysIdentity() {
        XCTAssertNil(choose("br, gzip", br: false, gzip: false))
    }

    func testTheOrderOfTheAvailableCodingsDoesNotChangeThePreference() {
        XCTAssertEqual(Negotiation.chooseCoding(acceptEncoding: "gzip, br", available: [.gzip, .br]), .br)
        XCTAssertEqual(Negotiation.chooseCoding(acceptEncoding: "*", available: [.gzip, .br]), .br)
        XCTAssertTrue(Negotiation.isInPreferenceOrder([]))
        XCTAssertTrue(Negotiation.isInPreferenceOrder(ContentCoding.allCases))
        XCTAssertFalse(Negotiation.isInPreferenceOrder([.gzip, .br]))
        XCTAssertFalse(Negotiation.isInPreferenceOrder([.br, .br]))
    }

    func testEveryCodingIsNegotiatedByItsTokenAndItsAlias() {
        for coding in ContentCoding.allCases {
            XCTAssertEqual(
                Negotiation.chooseCoding(acceptEncoding: coding.token.uppercased(), available: ContentCoding.allCases),
                coding
            )
            if let alias = coding.entry.alias {
                XCTAssertEqual(
                    Negotiation.chooseCoding(acceptEncoding: alias.description, available: ContentCoding.allCases),
                    coding
                )
            }
            XCTAssertNil(
                Negotiation.chooseCoding(
                    acceptEncoding: coding.token,
                    available: ContentCoding.allCases.filter { $0 != coding }
                )
            )
        }
    }

    func testZstdIsNegotiatedBetweenBrotliAndGzipWithQValues() {
        let all = ContentCoding.allCases
        XCTAssertEqual(Negotiation.chooseCoding(acceptEncoding: "gzip, deflate, br, zstd", available: all), .br)
        XCTAssertEqual(Negotiation.chooseCoding(acceptEncoding: "gzip, zstd", available: all), .zstd)
        XCTAssertEqual(Negotiation.chooseCoding(acceptEncoding: "br;q=0.5, zstd", available: all), .zstd)
        XCTAssertEqual(Negotiation.chooseCoding(acceptEncoding: "zstd;q=0.4, gzip;q=0.5", available: all), .gzip)
        XCTAssertEqual(Negotiation.chooseCoding(acceptEncoding: "*;q=0.5, zstd;q=0", available: [.zstd, .gzip]), .gzip)
        XCTAssertEqual(Negotiation.chooseCoding(acceptEncoding: "zstd", available: [.br, .gzip]), nil)
    }

    func testEqualQValuesGoToTheFirstAvailableWhichTheServerSortsSmallestFirst() {
        // The server hands each resource's codings smallest first (Resource.codings): whichever
        // coding that puts first wins a tie, and only a tie.
        func choose(_ field: String, _ available: [ContentCoding]) -> ContentCoding? {
            FieldNegotiation.chooseCoding(acceptEncoding: ArraySlice(field.utf8), available: available)
        }
        XCTAssertEqual(choose("gzip, deflate, br, zstd", [.zstd, .br, .gzip]), .zstd)
        XCTAssertEqual(choose("gzip, deflate, br, zstd", [.br, .zstd, .gzip]), .br)
        XCTAssertEqual(choose("*", [.gzip, .br]), .gzip)
        XCTAssertEqual(choose("zstd;q=0.9, br", [.zstd, .br, .gzip]), .br, "a higher q beats a smaller size")
        XCTAssertEqual(choose("zstd, br;q=0.9", [.br, .zstd]), .zstd)
    }

    func testTheCodingTableFitsTheNegotiationsFixedArray() {
        XCTAssertLessThanOrEqual(ContentCoding.allCases.count, Negotiation.maxCodings)
    }
}
