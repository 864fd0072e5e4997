import HushCore
import XCTest

final class CompressionPolicyTests: XCTestCase {
    func testWhiteNoiseSkipListAndTheAdditionsAreSkipped() {
        let policy = CompressionPolicy()
        for ext in CompressionPolicy.whiteNoiseSkippedExtensions + [
            "avif", "zst", "7z", "rar", "mp3", "ogg", "opus", "pdf",
        ] {
            XCTAssertFalse(policy.shouldCompress(path: "media/file." + ext), ext)
        }
        XCTAssertEqual(CompressionPolicy.whiteNoiseSkippedExtensions.count, 27, "WhiteNoise 6's list has 27 entries")
    }

    func testSkipListIsCaseInsensitiveAndLooksOnlyAtTheLastExtension() {
        let policy = CompressionPolicy()
        XCTAssertFalse(policy.shouldCompress(path: "img/Logo.PNG"))
        XCTAssertFalse(policy.shouldCompress(path: "dist/archive.tar.Gz"))
        XCTAssertFalse(policy.shouldCompress(path: "fonts/.woff2"), "WhiteNoise's regex matches a bare .woff2 too")
        XCTAssertTrue(policy.shouldCompress(path: "js/png.js"))
        XCTAssertTrue(policy.shouldCompress(path: "js/app.gz.js"))
        XCTAssertTrue(policy.shouldCompress(path: "data/gz"), "no dot, no extension")
        XCTAssertTrue(policy.shouldCompress(path: "css/app.css"))
        XCTAssertTrue(policy.shouldCompress(path: "img/icon.svg"))
        XCTAssertTrue(policy.shouldCompress(path: "img.png/readme"), "only the end of the path counts")
    }

    func testNothingIsCompressedWhenBothCodingsAreDisabled() {
        XCTAssertFalse(CompressionPolicy(codings: []).shouldCompress(path: "app.js"))
    }

    func testCodingsKeepBrotliFirstWhateverTheSetOrder() {
        XCTAssertEqual(CompressionPolicy().codings, [.br, .zstd, .gzip])
        XCTAssertEqual(CompressionPolicy(codings: [.gzip, .zstd]).codings, [.zstd, .gzip])
        XCTAssertEqual(CompressionPolicy(codings: [.gzip]).codings, [.gzip])
        XCTAssertEqual(CompressionPolicy(codings: [.br]).codings, [.br])
    }

    func testNinetyFivePercentRuleAtItsExactEdge() {
        let policy = CompressionPolicy()
        // WhiteNoise: ratio = compressed_size / orig_size; effective when ratio <= 0.95.
        XCTAssertTrue(policy.keeps(compressedSize: 95, originalSize: 100), "exactly 95 % is kept")
        XCTAssertFalse(policy.keeps(compressedSize: 96, originalSize: 100))
        XCTAssertTrue(policy.keeps(compressedSize: 19, originalSize: 20), "19/20 == 0.95 in floating point")
        XCTAssertFalse(policy.keeps(compressedSize: 950_001, originalSize: 1_000_000))
        XCTAssertTrue(policy.keeps(compressedSize: 950_000, originalSize: 1_000_000))
        XCTAssertTrue(policy.keeps(compressedSize: 0, originalSize: 1))
        XCTAssertFalse(
            policy.keeps(compressedSize: 0, originalSize: 0),
            "an empty original is never compressed effectively"
        )
        XCTAssertFalse(policy.keeps(compressedSize: 20, originalSize: 0))
    }

    func testFloatRuleEqualsTheExactRationalRuleForEverySmallSize() {
        // For sizes this small, Python's correctly rounded c / o <= 0.95 is exactly 20c <= 19o.
        let policy = CompressionPolicy()
        for original in Int64(1)...4_000 {
            let edge = original * 19 / 20
            for compressed in (edge - 2)...(edge + 2) where compressed >= 0 {
                XCTAssertEqual(
                    policy.keeps(compressedSize: compressed, originalSize: original),
                    20 * compressed <= 19 * original,
                    "\(compressed)/\(original)"
                )
            }
        }
    }

    func testCustomRatioIsApplied() {
        let policy = CompressionPolicy(ratio: 0.5)
        XCTAssertTrue(policy.keeps(compressedSize: 50, originalSize: 100))
        XCTAssertFalse(policy.keeps(compressedSize: 51, originalSize: 100))
    }

    func testGzipIsDroppedWhenBrotliIsNotEffectiveAsInWhiteNoise() {
        let policy = CompressionPolicy()
        XCTAssertEqual(policy.keptCodings(originalSize: 100, compressedSizes: [.br: 80, .gzip: 90]), [.br, .gzip])
        XCTAssertEqual(policy.keptCodings(originalSize: 100, compressedSizes: [.br: 80, .gzip: 96]), [.br])
        XCTAssertEqual(policy.keptCodings(originalSize: 100, compressedSizes: [.br: 97, .gzip: 90]), [])
        XCTAssertEqual(
            CompressionPolicy(codings: [.gzip]).keptCodings(originalSize: 100, compressedSizes: [.gzip: 90]),
            [.gzip]
        )
        XCTAssertEqual(policy.keptCodings(originalSize: 0, compressedSizes: [.br: 0, .gzip: 0]), [])
    }

    func testZstdFollowsTheSameRuleAndYieldsToAnIneffectiveBrotli() {
        let policy = CompressionPolicy()
        XCTAssertEqual(
            policy.keptCodings(originalSize: 100, compressedSizes: [.br: 80, .zstd: 85, .gzip: 90]),
            [.br, .zstd, .gzip]
        )
        XCTAssertEqual(
            policy.keptCodings(originalSize: 100, compressedSizes: [.br: 80, .zstd: 96, .gzip: 90]),
            [.br, .gzip]
        )
        XCTAssertEqual(policy.keptCodings(originalSize: 100, compressedSizes: [.br: 97, .zstd: 90, .gzip: 90]), [])
        XCTAssertEqual(
            CompressionPolicy(codings: [.zstd, .gzip]).keptCodings(
                originalSize: 100,
                compressedSizes: [.zstd: 95, .gzip: 96]
            ),
            [.zstd]
        )
    }

    func testZstdFilesAreNotCompressedAgain() {
        let policy = CompressionPolicy()
        for name in ["bundle.js.zst", "data.ZST", "archive.tar.zstd"] {
            XCTAssertFalse(policy.shouldCompress(path: name), name)
        }
    }

    func testFingerprintIsStableAndChangesWithEverySetting() {
        let base = CompressionPolicy()
        XCTAssertEqual(base.fingerprint, CompressionPolicy().fingerprint)
        XCTAssertTrue(
            base.fingerprint.hasPrefix("policy1;codings=br,zstd,gzip;ratio=0.95;skip=3gp,3gpp,7z,asf,"),
            base.fingerprint
        )
        let variants = [
            CompressionPolicy(codings: [.gzip]),
            CompressionPolicy(codings: [.br]),
            CompressionPolicy(codings: [.br, .gzip]),
            CompressionPolicy(ratio: 0.9),
            CompressionPolicy(skippedExtensions: ["png"]),
        ]
        for variant in variants { XCTAssertNotEqual(variant.fingerprint, base.fingerprint) }
        XCTAssertEqual(Set(variants.map(\.fingerprint)).count, variants.count)
    }
}
