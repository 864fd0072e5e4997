import Foundation
import HushCore
import XCTest

@testable import HushCompress

/// RFC 9842 `dcz` streams: the fixed header, then a zstd frame with the old version as a raw
/// prefix, decodable by libzstd and by the zstd tool, and far smaller than a plain frame.
final class DeltaEncoderTests: XCTestCase {
    /// About 300 KB of JavaScript-like text that varies (a repeated line would compress to
    /// nothing without a dictionary too).
    private func bundle(version: Int) -> [UInt8] {
        var text = ""
        var state: UInt64 = 42
        for i in 0..<6000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            text += "function f\(i)(a){return a*\(state >> 40)+\(i % 97);}\n"
            if i == 3000 { text += "const VERSION = \"\(version).0\";\n" }
        }
        return Array(text.utf8)
    }

    func testDeltaStartsWithTheHeaderAndDecodesWithItsDictionary() throws {
        let v1 = bundle(version: 1)
        let v2 = bundle(version: 2)
        let delta = try DeltaEncoder.compress(v2, dictionary: v1)
        XCTAssertEqual(Array(delta.prefix(8)), DictionaryCompression.magic)
        XCTAssertEqual(Array(delta[8..<40]), SHA256.digest(v1))
        // The frame follows the header directly (zstd magic 0xFD2FB528, little-endian).
        XCTAssertEqual(Array(delta[40..<44]), [0x28, 0xB5, 0x2F, 0xFD])
        XCTAssertEqual(try DeltaEncoder.decompress(delta, dictionary: v1), v2)
        // A one-line change costs a few dozen bytes; a plain zstd frame costs the whole file.
        let plain = try compress(v2, coding: .zstd)
        XCTAssertLessThan(delta.count, 200, "delta \(delta.count) B")
        XCTAssertGreaterThan(plain.count, 40_000)
    }

    func testTheSameInputsGiveTheSameBytes() throws {
        let v1 = bundle(version: 1)
        let v2 = bundle(version: 2)
        XCTAssertEqual(try DeltaEncoder.compress(v2, dictionary: v1), try DeltaEncoder.compress(v2, dictionary: v1))
    }

    func testAnotherDictionaryOrADamagedStreamIsRefused() throws {
        let v1 = bundle(version: 1)
        let delta = try DeltaEncoder.compress(bundle(version: 2), dictionary: v1)
        XCTAssertThrowsError(try DeltaEncoder.decompress(delta, dictionary: bundle(version: 3)))
        XCTAssertThrowsError(try DeltaEncoder.decompress(Array(delta.dropLast(3)), dictionary: v1))
        XCTAssertThrowsError(try DeltaEncoder.decompress(Array(delta.dropFirst(8)), dictionary: v1))
    }

    /// The reference decoder agrees: `zstd -d --patch-from=OLD` on the frame after the header.
    /// (`make test` installs zstd(1); without it this fails rather than passing unseen.)
    func testTheZstdToolDecodesTheFrameWithTheOldVersionAsPrefix() throws {
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: "/usr/bin/zstd"), "zstd(1): run make test-deps")
        let directory = NSTemporaryDirectory() + "hush-dcz-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let v1 = bundle(version: 1)
        let v2 = bundle(version: 2)
        let delta = try DeltaEncoder.compress(v2, dictionary: v1)
        try Data(v1).write(to: URL(fileURLWithPath: directory + "/v1"))
        try Data(delta.dropFirst(40)).write(to: URL(fileURLWithPath: directory + "/frame"))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/zstd")
        process.arguments = [
            "-q", "-d", "--patch-from=" + directory + "/v1", directory + "/frame", "-o", directory + "/out",
        ]
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        XCTAssertEqual(Array(try Data(contentsOf: URL(fileURLWithPath: directory + "/out"))), v2)
    }
}
