import HushCore
import XCTest

@testable import HushCompress

final class DeterminismTests: XCTestCase {
    func testGzipHeaderHasNoTimeNoNameAndFixedOSByte() throws {
        let packed = try compress(Array("hello".utf8), coding: .gzip)
        // RFC 1952 §2.3: ID1 ID2 CM=8 FLG=0 (no FNAME/FCOMMENT/FEXTRA/FHCRC), MTIME=0, XFL=2
        // (maximum compression, level 9), OS=255 (unknown) — the bytes Python's GzipFile writes.
        XCTAssertEqual(Array(packed.prefix(10)), [0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x02, 0xff])
    }

    func testGzipOfKnownInputMatchesPythonGzipFileByteForByte() throws {
        // python3 -c 'import gzip,io; b=io.BytesIO()
        //   with gzip.GzipFile(filename="", mode="wb", fileobj=b, compresslevel=9, mtime=0) as f: f.write(b"hello hello hello\n")
        //   print(b.getvalue().hex())'   (WhiteNoise's compress_gzip, zlib 1.2.13)
        let expected = "1f8b08000000000002ffcb48cdc9c957c840905c003b7c8adf12000000"
        XCTAssertEqual(Hex.encode(try compress(Array("hello hello hello\n".utf8), coding: .gzip)), expected)
    }

    func testBrotliOfKnownInputMatchesPythonBrotliByteForByte() throws {
        // python3 -c 'import brotli; print(brotli.compress(b"body { color: red; }\nbody { color: blue; }\n" * 3).hex())'
        // (WhiteNoise's compress_brotli: quality 11, lgwin 22, mode generic; Python brotli 1.2.1)
        let input = Array(String(repeating: "body { color: red; }\nbody { color: blue; }\n", count: 3).utf8)
        let expected = "1b8000188cc33816bc19a5ea278d50e90db223d7b715c8caf6b4209ec803d82cb0e1477210f149b24f2ccb1c2c0e0b"
        XCTAssertEqual(Hex.encode(try compress(input, coding: .br)), expected)
    }

    func testTwoRunsGiveIdenticalBytes() throws {
        let input = javaScriptLikeText(300_000)
        for coding in ContentCoding.allCases {
            XCTAssertEqual(try compress(input, coding: coding), try compress(input, coding: coding), "\(coding)")
        }
    }

    func testChunkingDoesNotChangeTheOutput() throws {
        let input = javaScriptLikeText(400_000)
        for coding in ContentCoding.allCases {
            let whole = try compress(input, coding: coding)
            for chunk in [1_000, 65_536, 262_144] {
                var compressor = try Compressor(coding: coding)
                try compressor.pledgeSize(Int64(input.count))  // as the one-shot call does
                var packed: [UInt8] = []
                var offset = 0
                while offset < input.count {
                    let end = min(offset + chunk, input.count)
                    try compressor.compress(Array(input[offset..<end]), into: &packed)
                    offset = end
                }
                try compressor.finish(into: &packed)
                XCTAssertEqual(packed, whole, "\(coding), chunks of \(chunk)")
            }
        }
    }

    func testParallelCompressionsGiveTheSameBytesAsSerialOnes() throws {
        let inputs = (0..<8).map { javaScriptLikeText(40_000 + $0 * 1_000) }
        let serial = try inputs.map { try compress($0, coding: .br) + compress($0, coding: .gzip) }
        let results = ResultBox(count: inputs.count)
        DispatchQueue.concurrentPerform(iterations: inputs.count) { index in
            let packed = try? compress(inputs[index], coding: .br) + compress(inputs[index], coding: .gzip)
            results.set(index, packed)
        }
        XCTAssertEqual(results.values, serial.map(Optional.some))
    }

    func testFingerprintNamesSettingsAndLibraryVersions() {
        let fingerprint = Compressor.fingerprint
        XCTAssertTrue(fingerprint.contains("level9"), fingerprint)
        XCTAssertTrue(fingerprint.contains("q11"), fingerprint)
        XCTAssertTrue(fingerprint.contains("lgwin22"), fingerprint)
        XCTAssertTrue(fingerprint.contains("zlib1."), fingerprint)
        XCTAssertEqual(fingerprint, Compressor.fingerprint)
    }
}

/// Collects per-index results from concurrent workers.
private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [[UInt8]?]
    init(count: Int) { storage = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ value: [UInt8]?) {
        lock.lock()
        storage[index] = value
        lock.unlock()
    }
    var values: [[UInt8]?] {
        lock.lock()
        defer { lock.unlock() }
        return storage
    }
}
