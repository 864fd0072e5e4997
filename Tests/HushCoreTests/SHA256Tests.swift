import HushCore
import XCTest

final class SHA256Tests: XCTestCase {
    /// FIPS 180-4 examples (NIST CSRC "SHA256.pdf") and the empty message.
    func testFIPS180Vectors() {
        let vectors: [(String, String)] = [
            ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            (
                "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
            ),
        ]
        for (input, expected) in vectors {
            XCTAssertEqual(Hex.encode(SHA256.digest(Array(input.utf8))), expected, "SHA-256(\"\(input)\")")
        }
    }

    func testChunkingDoesNotChangeTheDigest() {
        let data = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }
        let whole = SHA256.digest(data)
        for chunk in [1, 63, 64, 65, 1000] {
            var sha = SHA256()
            var offset = 0
            while offset < data.count {
                sha.update(data[offset..<min(offset + chunk, data.count)])
                offset += chunk
            }
            XCTAssertEqual(sha.finalize(), whole, "chunk \(chunk)")
        }
    }
}
