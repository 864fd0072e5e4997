import NIOCore
import XCTest

@testable import HushServe

/// The status responses rendered once (``StatusResponse``) are the bytes the server always sent.
final class StatusResponseTests: XCTestCase {
    func testEveryStatusIsRenderedAtItsOrdinal() {
        for (position, status) in Status.allCases.enumerated() {
            XCTAssertEqual(status.ordinal, position, "\(status)")
        }
        XCTAssertEqual(StatusResponse.all.count, Status.allCases.count)
    }

    func testEveryStatusResponseHasItsLinesInOrder() {
        for status in Status.allCases {
            let location = status == .movedPermanently ? "/static/docs/?page=2" : nil
            var extra = location.map { "Location: \($0)\r\n" } ?? ""
            if status == .methodNotAllowed { extra += "Allow: GET, HEAD\r\n" }
            if status == .notFound || status == .movedPermanently { extra += "Cache-Control: no-cache\r\n" }
            if status == .serviceUnavailable { extra += "Retry-After: 1\r\nCache-Control: no-store\r\n" }
            let head =
                "HTTP/1.1 \(status.code) \(status.reason)\r\nContent-Type: text/plain; charset=utf-8\r\n"
                + "Content-Length: \(status.reason.utf8.count + 1)\r\n" + extra + "Connection: close\r\nDate: D\r\n\r\n"
            for isHead in [false, true] {
                var out = ByteBuffer()
                let (tail, bytes) = ResponseWriter.write(
                    .status(status, location: location),
                    isHead: isHead,
                    connection: .close,
                    dateLine: ByteBuffer(string: "Date: D\r\n"),
                    into: &out
                )
                guard case .none = tail else { return XCTFail("\(status): a tail") }
                XCTAssertEqual(String(buffer: out), head + (isHead ? "" : status.reason + "\n"), "\(status)")
                XCTAssertEqual(bytes, isHead ? 0 : status.reason.utf8.count + 1)
            }
        }
    }
}
