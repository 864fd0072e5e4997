import HushCore
import XCTest

final class MediaTypeTests: XCTestCase {
    func testTextTypesCarryUTF8Charset() {
        XCTAssertEqual(MediaType.contentType(forFileName: "css/app.0123456789ab.css"), "text/css; charset=utf-8")
        XCTAssertEqual(MediaType.contentType(forFileName: "app.mjs"), "text/javascript; charset=utf-8")
        XCTAssertEqual(MediaType.contentType(forFileName: "app.js.map"), "application/json; charset=utf-8")
        XCTAssertEqual(
            MediaType.contentType(forFileName: "site.webmanifest"),
            "application/manifest+json; charset=utf-8"
        )
        XCTAssertEqual(MediaType.contentType(forFileName: "logo.svg"), "image/svg+xml; charset=utf-8")
    }

    func testBinaryTypesHaveNoCharset() {
        XCTAssertEqual(MediaType.contentType(forFileName: "f.woff2"), "font/woff2")
        XCTAssertEqual(MediaType.contentType(forFileName: "a.wasm"), "application/wasm")
        XCTAssertEqual(MediaType.contentType(forFileName: "P.JPG"), "image/jpeg")
        XCTAssertEqual(MediaType.contentType(forFileName: "v.webm"), "video/webm")
    }

    func testUnknownOrMissingExtensionIsOctetStream() {
        XCTAssertEqual(MediaType.contentType(forFileName: "LICENSE"), "application/octet-stream")
        XCTAssertEqual(MediaType.contentType(forFileName: "a.unknownext"), "application/octet-stream")
        XCTAssertEqual(MediaType.contentType(forFileName: "dir.v2/file"), "application/octet-stream")
    }
}
