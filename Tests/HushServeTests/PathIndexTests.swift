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

    func testAnIndexBuiltFromByteRangesFindsTheSameKeysAsOneBuiltFromStrings() {
        let names = (0..<2_000).map { "img/\($0 % 13)/n-\($0).0123456789ab.png" }
        var bytes: [UInt8] = []
        var ranges: [Range<Int>] = []
        for name in names {
            let start = bytes.count
            bytes += Array(name.utf8)
            ranges.append(start..<bytes.count)
        }
        let fromBytes = PathIndex(keyBytes: bytes, keys: ranges, values: Array(names.indices))
        let fromStrings = PathIndex(pairs: names.enumerated().map { ($1, $0) })
        for (position, name) in names.enumerated() {
            XCTAssertEqual(lookup(fromBytes, name), position)
            XCTAssertEqual(lookup(fromStrings, name), position)
            XCTAssertNil(lookup(fromBytes, name + "x"))
        }
        XCTAssertEqual(Set(fromBytes.entries.map(\.0)), Set(names))
        XCTAssertEqual(fromBytes.count, names.count)
        let doubled = fromBytes.mapValues { $0 * 2 }
        for (position, name) in names.enumerated() { XCTAssertEqual(lookup(doubled, name), position * 2) }
        var visited = 0
        fromBytes.forEachEntry { name, position in
            XCTAssertEqual(names[position], name)
            visited += 1
        }
        XCTAssertEqual(visited, names.count)
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
