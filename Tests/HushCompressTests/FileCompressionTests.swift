import Foundation
import HushCore
import XCTest

@testable import HushCompress

final class FileCompressionTests: XCTestCase {
    private func write(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    private func read(_ path: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    private func entries(_ directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
    }

    func testCompressFileWritesTheSameBytesAsInMemoryAndReturnsTheSize() throws {
        let dir = try makeTemporaryDirectory(self)
        let input = javaScriptLikeText(700_000)  // several 256 KiB read chunks
        try write(input, to: dir + "/app.js")
        for coding in ContentCoding.allCases {
            let size = try compressFile(at: dir + "/app.js", to: dir + "/app.js" + coding.fileSuffix, coding: coding)
            let onDisk = try read(dir + "/app.js" + coding.fileSuffix)
            XCTAssertEqual(onDisk, try compress(input, coding: coding), "\(coding)")
            XCTAssertEqual(size, Int64(onDisk.count))
        }
        XCTAssertEqual(try entries(dir), ["app.js", "app.js.br", "app.js.gz", "app.js.zst"], "no temporary files left")
    }

    func testCompressFileOfAMissingSourceNamesItAndLeavesNothing() throws {
        let dir = try makeTemporaryDirectory(self)
        XCTAssertThrowsError(try compressFile(at: dir + "/gone.css", to: dir + "/gone.css.gz", coding: .gzip)) {
            error in
            XCTAssertEqual(error as? CompressError, .cannotOpen(path: dir + "/gone.css", errno: ENOENT))
            XCTAssertEqual("\(error)", dir + "/gone.css: cannot open: No such file or directory")
        }
        XCTAssertEqual(try entries(dir), [])
    }

    func testCompressFileIntoAnUnwritablePlaceFailsWithTheDestinationNamedAndLeavesTheSource() throws {
        let dir = try makeTemporaryDirectory(self)
        try write(Array("body { color: red }".utf8), to: dir + "/a.css")
        // A path below a regular file cannot be created, even by root (unlike a read-only dir).
        XCTAssertThrowsError(try compressFile(at: dir + "/a.css", to: dir + "/a.css/a.css.gz", coding: .gzip)) {
            error in
            XCTAssertEqual(error as? CompressError, .cannotWrite(path: dir + "/a.css/a.css.gz", errno: ENOTDIR))
            XCTAssertEqual("\(error)", dir + "/a.css/a.css.gz: cannot write: Not a directory")
        }
        XCTAssertEqual(try entries(dir), ["a.css"])
        XCTAssertEqual(try read(dir + "/a.css"), Array("body { color: red }".utf8))
    }

    func testSiblingsAreWrittenForTextAndDecodeToTheSource() throws {
        let dir = try makeTemporaryDirectory(self)
        let input = javaScriptLikeText(80_000)
        try write(input, to: dir + "/app.js")
        let result = try compressSiblings(of: dir + "/app.js", policy: CompressionPolicy())
        XCTAssertEqual(result.originalSize, Int64(input.count))
        XCTAssertEqual(Set(result.kept.keys), [.br, .zstd, .gzip])
        XCTAssertEqual(result.kept, result.compressedSizes)
        for coding in ContentCoding.allCases {
            XCTAssertEqual(try decompress(try read(dir + "/app.js" + coding.fileSuffix), coding: coding), input)
        }
        XCTAssertEqual(try entries(dir), ["app.js", "app.js.br", "app.js.gz", "app.js.zst"])
        // The zstd sibling is the frame a one-shot call writes: content size pledged.
        XCTAssertEqual(try read(dir + "/app.js.zst"), try compress(input, coding: .zstd))
    }

    func testSiblingsCanBePlacedNextToAnotherCopy() throws {
        let dir = try makeTemporaryDirectory(self)
        try write(javaScriptLikeText(5_000), to: dir + "/app.js")
        _ = try compressSiblings(of: dir + "/app.js", nextTo: dir + "/app.0123456789ab.js", policy: CompressionPolicy())
        XCTAssertEqual(
            try entries(dir),
            ["app.0123456789ab.js.br", "app.0123456789ab.js.gz", "app.0123456789ab.js.zst", "app.js"]
        )
    }

    func testIncompressibleFileGetsNoSiblingsAndNoLeftovers() throws {
        let dir = try makeTemporaryDirectory(self)
        try write(randomBytes(50_000), to: dir + "/blob.bin")
        let result = try compressSiblings(of: dir + "/blob.bin", policy: CompressionPolicy())
        XCTAssertEqual(result.kept, [:])
        XCTAssertEqual(Set(result.compressedSizes.keys), [.br, .zstd, .gzip])
        XCTAssertEqual(try entries(dir), ["blob.bin"])
    }

    func testSkippedExtensionIsNotEvenRead() throws {
        let dir = try makeTemporaryDirectory(self)
        // Highly compressible, but a .PNG: WhiteNoise's skip list wins, case-insensitively.
        try write([UInt8](repeating: 0, count: 10_000), to: dir + "/logo.PNG")
        let result = try compressSiblings(of: dir + "/logo.PNG", policy: CompressionPolicy())
        XCTAssertEqual(result, CompressedSiblings(originalSize: 0, compressedSizes: [:], kept: [:]))
        XCTAssertEqual(try entries(dir), ["logo.PNG"])
    }

    func testOnlyTheEnabledCodingIsWritten() throws {
        let dir = try makeTemporaryDirectory(self)
        try write(javaScriptLikeText(5_000), to: dir + "/a.js")
        let result = try compressSiblings(of: dir + "/a.js", policy: CompressionPolicy(codings: [.gzip]))
        XCTAssertEqual(Set(result.kept.keys), [.gzip])
        XCTAssertEqual(try entries(dir), ["a.js", "a.js.gz"])
    }

    func testEmptyFileGetsNoSiblings() throws {
        // WhiteNoise: an empty original is never "compressed effectively".
        let dir = try makeTemporaryDirectory(self)
        try write([], to: dir + "/empty.css")
        let result = try compressSiblings(of: dir + "/empty.css", policy: CompressionPolicy())
        XCTAssertEqual(result.kept, [:])
        XCTAssertEqual(try entries(dir), ["empty.css"])
    }
}

final class InputFileTests: XCTestCase {
    func testAFileThatGrowsWhileBeingReadIsReported() throws {
        let dir = try makeTemporaryDirectory(self)
        let path = dir + "/app.js"
        try Data("let a = 1;\n".utf8).write(to: URL(fileURLWithPath: path))
        let input = try InputFile(path: path)
        defer { input.close() }
        XCTAssertNoThrow(try input.checkUnchanged())
        // Another process appends while we read.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("let b = 2;\n".utf8))
        try handle.close()
        XCTAssertThrowsError(try input.checkUnchanged()) { error in
            XCTAssertEqual(error as? CompressError, .changedWhileReading(path: path))
            XCTAssertEqual("\(error)", path + ": changed while being read; run again once it is stable")
        }
    }

    func testAnEncoderFailureOnAFileThatChangedIsReportedAsTheChange() throws {
        // zstd fails its pledged size before checkUnchanged() runs: the user should hear why.
        let dir = try makeTemporaryDirectory(self)
        let path = dir + "/app.js"
        try Data("let a = 1;\n".utf8).write(to: URL(fileURLWithPath: path))
        let input = try InputFile(path: path)
        defer { input.close() }
        let failure = CompressError.encoderFailed(coding: .zstd, path: path, detail: "Src size is incorrect")
        XCTAssertEqual(input.explain(failure), failure, "unchanged: the encoder's own error")
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("let b = 2;\n".utf8))
        try handle.close()
        XCTAssertEqual(input.explain(failure), .changedWhileReading(path: path))
        XCTAssertEqual(input.explain(.cannotRead(path: path, errno: 5)), .cannotRead(path: path, errno: 5))
    }
}
