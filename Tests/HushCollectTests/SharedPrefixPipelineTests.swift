import Foundation
import HushCompress
import HushCore
import XCTest

@testable import HushCollect

/// A JS bundle and its hashed copy differ only in the rewritten `sourceMappingURL` line: their
/// Brotli siblings share the compressed prefix, and each still decodes to its own file.
final class SharedPrefixPipelineTests: XCTestCase {
    func testBundleAndHashedCopyShareTheirBrotliPrefixAndDecodeToTheirOwnBytes() throws {
        let root = try TemporaryDirectory("hush-shared-prefix")
        var js = ""
        var n = 0
        while js.utf8.count < 400_000 {
            js += "function f\(n)(a,b){return a*\(n % 97)+b-\(n % 13)};var v\(n)=f\(n)(\(n),\(n * 7 % 101));\n"
            n += 1
        }
        js += "//# sourceMappingURL=bundle.js.map\n"
        try root.write("src/js/bundle.js", js)
        try root.write("src/js/bundle.js.map", "{\"version\":3,\"mappings\":\"AAAA\"}")
        let output = root.path + "/static"
        _ = try Collector(
            configuration: CollectConfiguration(sources: [SourceDirectory(path: root.path + "/src")], output: output)
        ).run()

        let manifest = try Manifest.decode(
            Array(try Data(contentsOf: URL(fileURLWithPath: output + "/staticfiles.json")))
        )
        let hashed = try XCTUnwrap(manifest.paths["js/bundle.js"])
        var streams: [[UInt8]] = []
        for path in ["js/bundle.js", hashed] {
            let content = Array(try Data(contentsOf: URL(fileURLWithPath: output + "/" + path)))
            let brotli = Array(try Data(contentsOf: URL(fileURLWithPath: output + "/" + path + ".br")))
            XCTAssertEqual(try decompress(brotli, coding: .br), content, path)
            let gzip = Array(try Data(contentsOf: URL(fileURLWithPath: output + "/" + path + ".gz")))
            XCTAssertEqual(try decompress(gzip, coding: .gzip), content, path)
            // The other codings come beside the shared Brotli stream, each a plain stream.
            let zstd = Array(try Data(contentsOf: URL(fileURLWithPath: output + "/" + path + ".zst")))
            XCTAssertEqual(try decompress(zstd, coding: .zstd), content, path)
            XCTAssertEqual(zstd, try compress(content, coding: .zstd), path)
            streams.append(brotli)
        }
        // The shared part: everything but the raw tail (a few dozen bytes) and the closing byte.
        let common = zip(streams[0], streams[1]).prefix { $0 == $1 }.count
        XCTAssertGreaterThan(common, streams[0].count - 200, "the two streams should share the compressed prefix")
        XCTAssertNotEqual(streams[0], streams[1])
    }
}
