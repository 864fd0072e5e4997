import Foundation
import HushCore
import XCTest

final class SHA384Tests: XCTestCase {
    /// FIPS 180-4 examples (NIST CSRC "SHA384.pdf") and the empty message.
    func testFIPS180Vectors() {
        let vectors: [(String, String)] = [
            ("", "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b"),
            ("abc", "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"),
            (
                "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
                "09330c33f71147e83d192fc782cd1b4753111b173b3b05d22fa08086e3b0f712fcc7c71a557e2db966c3e9fa91746039"
            ),
        ]
        for (input, expected) in vectors {
            var sha = SHA384()
            sha.update(Array(input.utf8))
            XCTAssertEqual(sha.hexDigest(), expected, "SHA-384(\"\(input)\")")
        }
    }

    func testOneMillionAs() {
        // FIPS 180-4 long-message example: one million repetitions of "a".
        var sha = SHA384()
        let block = [UInt8](repeating: 0x61, count: 1000)
        for _ in 0..<1000 { sha.update(block) }
        XCTAssertEqual(
            sha.hexDigest(),
            "9d0e1809716474cb086e834e310a4a1ced149e9c00f248527972cec5704c2a5b07b8b3dc38ecc4ebae97ddd87f3d8985"
        )
    }

    func testChunkingDoesNotChangeTheDigest() {
        let data = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }
        let whole = SHA384.digest(data)
        for chunk in [1, 3, 111, 112, 127, 128, 129, 1000] {
            var sha = SHA384()
            var offset = 0
            while offset < data.count {
                let end = min(offset + chunk, data.count)
                sha.update(data[offset..<end])
                offset = end
            }
            XCTAssertEqual(sha.finalize(), whole, "chunk size \(chunk)")
        }
        // A non-contiguous sequence takes the copying path.
        var lazy = SHA384()
        lazy.update(data.lazy.map { $0 })
        XCTAssertEqual(lazy.finalize(), whole)
    }

    func testPaddingBoundariesMatchOpenSSL() throws {
        // Lengths around the 112-byte padding boundary and the 128-byte block.
        for count in [111, 112, 113, 127, 128, 129, 239, 240, 256] {
            let data = [UInt8](repeating: 0x61, count: count)
            XCTAssertEqual(SHA384.subresourceIntegrity(of: data), try openSSLIntegrity(data), "\(count) bytes")
        }
    }

    func testSubresourceIntegrityMatchesOpenSSLAndBase64() throws {
        let inputs: [[UInt8]] = [
            [],
            Array("console.log('hello');\n".utf8),
            (0..<300_000).map { UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761) >> 13) },
        ]
        for input in inputs {
            XCTAssertEqual(SHA384.subresourceIntegrity(of: input), try openSSLIntegrity(input), "\(input.count) bytes")
        }
        XCTAssertEqual(
            SHA384.subresourceIntegrity(of: Array("abc".utf8)),
            "sha384-ywB1P0WjXou1oD1pmsZQBycsMqsO3tFjGotgWkP/W+2AhgcroefMI1i67KE0yCWn"
        )
    }

    func testFinalizeLeavesTheDigestUsable() {
        var sha = SHA384()
        sha.update(Array("ab".utf8))
        _ = sha.finalize()
        sha.update(Array("c".utf8))
        XCTAssertEqual(sha.finalize(), SHA384.digest(Array("abc".utf8)))
    }

    func testBase64PadsAsRFC4648() {
        // RFC 4648 §10 test vectors.
        let vectors = [
            "": "", "f": "Zg==", "fo": "Zm8=", "foo": "Zm9v", "foob": "Zm9vYg==", "fooba": "Zm9vYmE=",
            "foobar": "Zm9vYmFy",
        ]
        for (input, expected) in vectors { XCTAssertEqual(Base64.encode(Array(input.utf8)), expected, input) }
    }

    /// `sha384-` + `openssl dgst -sha384 -binary | base64`, run as a subprocess.
    private func openSSLIntegrity(_ input: [UInt8]) throws -> String {
        let output = try runShell("openssl dgst -sha384 -binary | base64 -w0", input: input)
        let text = String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(text.count, 64, "openssl printed a 48-byte digest in base64")
        return "sha384-" + text
    }
}
