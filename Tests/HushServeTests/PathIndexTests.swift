import XCTest

@testable import HushServe

final class PathIndexTests: XCTestCase {
    private func lookup<V>(_ index: PathIndex<V>, _ key: String) -> V? {
        Array(key.utf8).withUnsafeBytes { index.lookup($0) }
    }

    func testFindsEveryKeyAndNothingElse() {
        var entries: [String: Int] = [:]
        for i in 0..<5_000 { entries["css/d\(i % 37)/file-\(i).0123456789ab.css"] = i }
        let index = PathIndex(entries)
        for (key, value) in entries { XCTAssertEqual(lookup(index, key), value, key) }
        for i in 0..<5_000 {
            XCTAssertNil(lookup(index, "css/d\(i % 37)/file-\(i).0123456789ab.cs"), "a prefix of a key is not the key")
            XCTAssertNil(lookup(index, "css/d\(i % 37)/file-\(i).0123456789ab.css/"))
        }
        XCTAssertNil(lookup(index, ""))
    }

    func testEmptyIndexAnswersNil() {
        let index = PathIndex([String: Int]())
        XCTAssertNil(lookup(index, "a.css"))
        XCTAssertNil(lookup(index, ""))
    }

    func testKeysAreComparedByExactBytes() {
        let composed = "caf\u{e9}.txt"
        let decomposed = "cafe\u{301}.txt"
        let index = PathIndex([composed: 1, "A.css": 2])
        XCTAssertEqual(lookup(index, composed), 1)
        XCTAssertNil(lookup(index, decomposed), "a canonically equivalent spelling is another URL")
        XCTAssertNil(lookup(index, "a.css"), "case matters")
        XCTAssertEqual(lookup(index, "A.css"), 2)
    }
}
