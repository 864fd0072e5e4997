import HushCore
import XCTest

@testable import HushCompress

final class RoundTripTests: XCTestCase {
    private func assertRoundTrip(
        _ input: [UInt8],
        _ label: String,
        file: StaticString = #filePath,
        line: UInt = #line
    ) throws {
        for coding in ContentCoding.allCases {
            let packed = try compress(input, coding: coding)
            XCTAssertEqual(try decompress(packed, coding: coding), input, "\(coding) \(label)", file: file, line: line)
        }
    }

    func testEmptyInputRoundTrips() throws {
        try assertRoundTrip([], "empty")
    }

    func testOneByteRoundTrips() throws {
        try assertRoundTrip([0x41], "one byte")
    }

    func testIncompressibleRandomBytesRoundTripAndBarelyGrow() throws {
        let input = randomBytes(100_000)
        try assertRoundTrip(input, "random")
        // Stored blocks cost a few bytes per 16–64 KiB: the output must not blow up.
        XCTAssertLessThan(try compress(input, coding: .gzip).count, input.count + 100)
        XCTAssertLessThan(try compress(input, coding: .br).count, input.count + 100)
    }

    func testLargeInputFedInManyChunksRoundTrips() throws {
        // Several times the 64 KiB zlib scratch buffer and more than one Brotli metablock.
        let input = javaScriptLikeText(1_500_000) + randomBytes(300_000)
        for coding in ContentCoding.allCases {
            var compressor = try Compressor(coding: coding)
            var packed: [UInt8] = []
            var offset = 0
            while offset < input.count {
                let end = min(offset + 100_003, input.count)
                try Array(input[offset..<end]).withUnsafeBytes { try compressor.compress($0, into: &packed) }
                offset = end
            }
            try compressor.finish(into: &packed)
            XCTAssertEqual(try decompress(packed, coding: coding), input, "\(coding)")
            XCTAssertLessThan(packed.count, input.count / 2, "\(coding) compresses the text part")
        }
    }

    func testGzipToolDecodesTheGzipSibling() throws {
        // An independent decoder, gzip(1), not our own inflate. (No brotli(1) on this machine:
        // Brotli is checked through libbrotlidec here and against Python's bytes in
        // DeterminismTests.)
        let input = javaScriptLikeText(50_000)
        let gz = try compress(input, coding: .gzip)
        XCTAssertEqual(try runShell("gzip -dc", input: gz), input)
    }

    func testDecompressRejectsTruncatedAndTrailingBytes() throws {
        let input = javaScriptLikeText(10_000)
        for coding in ContentCoding.allCases {
            let packed = try compress(input, coding: coding)
            XCTAssertThrowsError(try decompress(Array(packed.dropLast(3)), coding: coding), "\(coding) truncated")
            XCTAssertThrowsError(try decompress(packed + [0], coding: coding), "\(coding) trailing byte")
            XCTAssertThrowsError(try decompress(Array("plain text".utf8), coding: coding), "\(coding) not compressed")
        }
    }

    func testCompressAfterFinishIsAnError() throws {
        var compressor = try Compressor(coding: .gzip)
        var out: [UInt8] = []
        try compressor.finish(into: &out)
        XCTAssertThrowsError(try compressor.compress([1, 2, 3], into: &out)) { error in
            guard case CompressError.encoderFailed(.gzip, nil, _) = error else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try compressor.finish(into: &out))
    }
}
