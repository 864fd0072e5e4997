import CZstd
import Foundation
import HushCore
import XCTest

@testable import HushCompress

/// The zstd engine: RFC 8878 frames that an HTTP client limited to an 8 MiB window (RFC 9659 §3)
/// decodes, with the content size and checksum in the header, the same bytes however fed.
final class ZstdTests: XCTestCase {
    private static let eightMiB = 8 << 20

    /// The fields of a zstd frame header that Hush's settings decide (RFC 8878 §3.1.1.1).
    private struct FrameHeader: Equatable {
        var contentSize: UInt64?
        var windowSize: UInt64
        var checksum: Bool
        var dictionaryID: Bool
    }

    /// Parses the header of the frame at the start of `frame`, independently of libzstd.
    private func header(_ frame: [UInt8], file: StaticString = #filePath, line: UInt = #line) -> FrameHeader? {
        guard frame.count >= 6, frame.prefix(4) == [0x28, 0xb5, 0x2f, 0xfd] else {
            XCTFail("no zstd magic number", file: file, line: line)
            return nil
        }
        let descriptor = frame[4]
        let sizeFlag = Int(descriptor >> 6)
        let singleSegment = descriptor & 0x20 != 0
        var offset = 5
        var window: UInt64 = 0
        if !singleSegment {
            // Window_Descriptor: Exponent (5 bits), Mantissa (3 bits); §3.1.1.1.2.
            let exponent = UInt64(frame[offset] >> 3)
            let mantissa = UInt64(frame[offset] & 7)
            let base: UInt64 = 1 << (10 + exponent)
            window = base + base / 8 * mantissa
            offset += 1
        }
        let dictionaryBytes = [0, 1, 2, 4][Int(descriptor & 3)]
        offset += dictionaryBytes
        let sizeBytes = [singleSegment ? 1 : 0, 2, 4, 8][sizeFlag]
        var contentSize: UInt64? = nil
        if sizeBytes > 0 {
            var value: UInt64 = 0
            for i in 0..<sizeBytes { value |= UInt64(frame[offset + i]) << (8 * UInt64(i)) }
            contentSize = sizeBytes == 2 ? value + 256 : value
        }
        // Single segment: the window is the content size (§3.1.1.1.1).
        if singleSegment { window = contentSize ?? 0 }
        return FrameHeader(
            contentSize: contentSize,
            windowSize: window,
            checksum: descriptor & 4 != 0,
            dictionaryID: dictionaryBytes > 0
        )
    }

    func testZstdRoundTripsEmptyTinyTextAndRandomInput() throws {
        for (label, input) in [
            ("empty", []), ("one byte", [0x41]), ("text", javaScriptLikeText(300_000)),
            ("random", randomBytes(100_000)),
        ] as [(String, [UInt8])] {
            let packed = try compress(input, coding: .zstd)
            XCTAssertEqual(try decompress(packed, coding: .zstd), input, label)
        }
        // Incompressible input is stored in raw blocks: a few bytes of framing, no blow-up.
        XCTAssertLessThan(try compress(randomBytes(100_000), coding: .zstd).count, 100_000 + 100)
    }

    func testFrameHeaderCarriesContentSizeAndChecksumAndNoDictionary() throws {
        for size in [0, 1, 300, 70_000, 1_000_000] {
            let input = javaScriptLikeText(size)
            let frame = try compress(input, coding: .zstd)
            let expected = FrameHeader(
                contentSize: UInt64(size),
                windowSize: UInt64(size),
                checksum: true,
                dictionaryID: false
            )
            XCTAssertEqual(header(frame), expected, "\(size) bytes")
            // The checksum is the last 4 bytes: the low 32 bits of XXH64(content), §3.1.1.
            var damaged = frame
            if size > 0 {
                damaged[damaged.count - 1] ^= 0xff
                XCTAssertThrowsError(try decompress(damaged, coding: .zstd), "\(size): a wrong checksum is an error")
            }
        }
    }

    func testEveryFrameFitsAnEightMiBWindowEvenForInputsOverEightMiB() throws {
        // Text with long-range repeats (a block recurs every 3 MiB), so a larger window would pay.
        let block = javaScriptLikeText(3 << 20)
        for size in [Self.eightMiB, Self.eightMiB + 1, 9 << 20] {
            var input: [UInt8] = []
            input.reserveCapacity(size)
            while input.count < size { input += block.prefix(size - input.count) }
            let frame = try compress(input, coding: .zstd)
            let parsed = try XCTUnwrap(header(frame))
            XCTAssertLessThanOrEqual(parsed.windowSize, UInt64(Self.eightMiB), "\(size) bytes")
            XCTAssertEqual(parsed.contentSize, UInt64(size))
            // A decoder limited as RFC 9659 allows (ZSTD_d_windowLogMax 23) takes it.
            XCTAssertEqual(try decodeZstd(frame, windowLogMax: 23), input, "\(size) bytes")
        }
    }

    func testTheEightMiBDecoderRefusesAFrameWithALargerWindow() throws {
        // The check above can fail: a 16 MiB-window frame (written here straight through
        // libzstd, not through Hush's settings) is refused by the limited decoder.
        let input = javaScriptLikeText(10_000)
        let context = try XCTUnwrap(ZSTD_createCCtx())
        defer { ZSTD_freeCCtx(context) }
        XCTAssertEqual(ZSTD_isError(ZSTD_CCtx_setParameter(context, ZSTD_c_windowLog, 24)), 0)
        var frame = [UInt8](repeating: 0, count: ZSTD_compressBound(input.count))
        // Streaming without a pledged size keeps the full window in the header.
        var written = 0
        input.withUnsafeBytes { source in
            frame.withUnsafeMutableBytes { sink in
                var inBuffer = ZSTD_inBuffer(src: source.baseAddress, size: source.count, pos: 0)
                var outBuffer = ZSTD_outBuffer(dst: sink.baseAddress, size: sink.count, pos: 0)
                _ = ZSTD_compressStream2(context, &outBuffer, &inBuffer, ZSTD_e_continue)
                while ZSTD_compressStream2(context, &outBuffer, &inBuffer, ZSTD_e_end) > 0 {}
                written = outBuffer.pos
            }
        }
        frame.removeSubrange(written...)
        XCTAssertEqual(header(frame)?.windowSize, 16 << 20)
        XCTAssertEqual(try decodeZstd(frame, windowLogMax: 24), input)
        XCTAssertThrowsError(try decompress(frame, coding: .zstd)) { error in
            guard case CompressError.corruptInput(.zstd, _) = error else { return XCTFail("\(error)") }
        }
    }

    func testChunkingDoesNotChangeThePledgedFrame() throws {
        let input = javaScriptLikeText(400_000)
        let whole = try compress(input, coding: .zstd)
        for chunk in [1_000, 65_536, 262_144] {
            var compressor = try Compressor(coding: .zstd)
            try compressor.pledgeSize(Int64(input.count))
            var packed: [UInt8] = []
            var offset = 0
            while offset < input.count {
                let end = min(offset + chunk, input.count)
                try compressor.compress(Array(input[offset..<end]), into: &packed)
                offset = end
            }
            try compressor.finish(into: &packed)
            XCTAssertEqual(packed, whole, "chunks of \(chunk)")
        }
        XCTAssertEqual(try compress(input, coding: .zstd), whole, "a second run")
    }

    func testPledgeAfterTheFirstChunkOrAWrongSizeIsAnError() throws {
        var late = try Compressor(coding: .zstd)
        var out: [UInt8] = []
        try late.compress([1, 2, 3], into: &out)
        XCTAssertThrowsError(try late.pledgeSize(3))
        var short = try Compressor(coding: .zstd)
        try short.pledgeSize(10)
        try short.compress([1, 2, 3], into: &out)
        XCTAssertThrowsError(try short.finish(into: &out)) { error in
            guard case CompressError.encoderFailed(.zstd, nil, _) = error else { return XCTFail("\(error)") }
        }
    }

    func testCompressFileWritesThePledgedFrame() throws {
        let dir = try makeTemporaryDirectory(self)
        let input = javaScriptLikeText(700_000)  // several 256 KiB read chunks
        try Data(input).write(to: URL(fileURLWithPath: dir + "/app.js"))
        let size = try compressFile(at: dir + "/app.js", to: dir + "/app.js.zst", coding: .zstd)
        let onDisk = Array(try Data(contentsOf: URL(fileURLWithPath: dir + "/app.js.zst")))
        XCTAssertEqual(onDisk, try compress(input, coding: .zstd))
        XCTAssertEqual(size, Int64(onDisk.count))
        XCTAssertEqual(header(onDisk)?.contentSize, UInt64(input.count))
    }

    func testZstdToolLimitedToEightMiBDecodesTheFrame() throws {
        // An independent decoder, zstd(1), held to the RFC 9659 window.
        let input = javaScriptLikeText(200_000)
        XCTAssertEqual(try runShell("zstd -dc --memory=8MB", input: try compress(input, coding: .zstd)), input)
    }

    func testDecompressRejectsTruncatedTrailingAndForeignBytes() throws {
        let packed = try compress(javaScriptLikeText(10_000), coding: .zstd)
        XCTAssertThrowsError(try decompress(Array(packed.dropLast(3)), coding: .zstd), "truncated")
        XCTAssertThrowsError(try decompress(packed + [0], coding: .zstd), "trailing byte")
        XCTAssertThrowsError(try decompress(Array("plain text".utf8), coding: .zstd), "not zstd")
        XCTAssertThrowsError(try decompress([], coding: .zstd), "no frame at all")
        // Two frames back to back are one valid body (RFC 8878 §3.1).
        XCTAssertEqual(
            try decompress(packed + packed, coding: .zstd),
            javaScriptLikeText(10_000) + javaScriptLikeText(10_000)
        )
    }

    func testParallelZstdCompressionsGiveTheSameBytesAsSerialOnes() throws {
        let inputs = (0..<6).map { javaScriptLikeText(40_000 + $0 * 1_000) }
        let serial = try inputs.map { try compress($0, coding: .zstd) }
        let lock = NSLock()
        nonisolated(unsafe) var results = [[UInt8]?](repeating: nil, count: inputs.count)
        DispatchQueue.concurrentPerform(iterations: inputs.count) { index in
            let packed = try? compress(inputs[index], coding: .zstd)
            lock.withLock { results[index] = packed }
        }
        XCTAssertEqual(results, serial.map(Optional.some))
    }

    func testFingerprintNamesTheZstdSettings() {
        let fingerprint = Compressor.fingerprint
        XCTAssertTrue(fingerprint.contains("zstd=zstd1."), fingerprint)
        XCTAssertTrue(fingerprint.contains("level19,wlog23,check1"), fingerprint)
    }
}
