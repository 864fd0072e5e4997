import Foundation
import HushCompress
import HushCore
import XCTest

final class SharedPrefixBrotliTests: XCTestCase {
    func streams(prefix: [UInt8], tails: [[UInt8]]) throws -> [[UInt8]] {
        try prefix.withUnsafeBytes { p in
            let pointers = tails.map { tail -> UnsafeMutableRawBufferPointer in
                let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: tail.count, alignment: 1)
                copy.copyBytes(from: tail)
                return copy
            }
            defer { for pointer in pointers { pointer.deallocate() } }
            return try SharedPrefixBrotli.compress(prefix: p, tails: pointers.map { UnsafeRawBufferPointer($0) })
        }
    }

    func testEveryStreamDecodesToPrefixPlusItsTail() throws {
        let prefix = javaScriptLikeText(300_000)
        let tails: [[UInt8]] = [
            Array("\n//# sourceMappingURL=app.js.map\n".utf8),
            Array("\n//# sourceMappingURL=app.js.0123456789ab.map\n".utf8),
            [],
            randomBytes(70_000),  // longer than one uncompressed meta-block
        ]
        let results = try streams(prefix: prefix, tails: tails)
        XCTAssertEqual(results.count, tails.count)
        for (stream, tail) in zip(results, tails) {
            XCTAssertEqual(try decompress(stream, coding: .br), prefix + tail)
        }
    }

    func testPythonsBrotliDecoderReadsTheStreams() throws {
        let prefix = javaScriptLikeText(50_000)
        let tail = Array("\n//# sourceMappingURL=x.map\n".utf8)
        let stream = try streams(prefix: prefix, tails: [tail])[0]
        let directory = try makeTemporaryDirectory(self)
        try Data(stream).write(to: URL(fileURLWithPath: directory + "/s.br"))
        let python = ProcessInfo.processInfo.environment["HUSH_DJANGO_PYTHON"] ?? "python3"
        let decoded = try runShell(
            "\(python) -c 'import brotli,sys; sys.stdout.buffer.write(brotli.decompress(open(\"\(directory)/s.br\",\"rb\").read()))'"
        )
        XCTAssertEqual(decoded, prefix + tail)
    }

    func testTheSharedStreamIsAboutAsSmallAsAFullCompression() throws {
        let prefix = javaScriptLikeText(200_000)
        let tail = Array("\n//# sourceMappingURL=app.js.0123456789ab.map\n".utf8)
        let shared = try streams(prefix: prefix, tails: [tail])[0]
        let full = try compress(prefix + tail, coding: .br)
        XCTAssertLessThanOrEqual(Double(shared.count), Double(full.count) * 1.01 + 64)
    }
}
