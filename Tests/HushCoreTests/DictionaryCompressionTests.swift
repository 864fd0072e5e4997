import HushCore
import XCTest

final class DictionaryCompressionTests: XCTestCase {
    func testHeaderIsTheRFC9842MagicThenTheDictionaryHash() {
        let hash = SHA256.digest(Array("A dictionary".utf8))
        let header = DictionaryCompression.header(dictionaryHash: hash)
        XCTAssertEqual(header.count, 40)
        // RFC 9842 §5: a zstd skippable frame (0x184D2A5E, little-endian) of 32 bytes.
        XCTAssertEqual(Array(header.prefix(8)), [0x5E, 0x2A, 0x4D, 0x18, 0x20, 0x00, 0x00, 0x00])
        XCTAssertEqual(DictionaryCompression.dictionaryHash(inHeader: header + [1, 2, 3]), hash)
        XCTAssertNil(DictionaryCompression.dictionaryHash(inHeader: Array(header.prefix(39))))
        var wrongMagic = header
        wrongMagic[4] = 0x21
        XCTAssertNil(DictionaryCompression.dictionaryHash(inHeader: wrongMagic))
    }

    func testDeltaNamesCarryTheDictionarysDjangoHash() {
        XCTAssertEqual(
            DictionaryCompression.deltaPath(target: "js/app.0123456789ab.js", dictionary: "js/app.ba9876543210.js"),
            "js/app.0123456789ab.js.ba9876543210.dcz"
        )
        XCTAssertEqual(
            DictionaryCompression.deltaPath(target: "LICENSE.0123456789ab", dictionary: "LICENSE.aaaaaaaaaaaa"),
            "LICENSE.0123456789ab.aaaaaaaaaaaa.dcz"
        )
        XCTAssertNil(DictionaryCompression.deltaPath(target: "js/app.js", dictionary: "js/app.ba9876543210.js"))
        XCTAssertNil(DictionaryCompression.deltaPath(target: "js/app.0123456789ab.js", dictionary: "js/app.js"))
    }

    func testParsingADeltaNameGivesTargetAndDictionary() {
        let parsed = DictionaryCompression.parseDeltaPath("js/app.0123456789ab.js.ba9876543210.dcz")
        XCTAssertEqual(parsed?.target, "js/app.0123456789ab.js")
        XCTAssertEqual(parsed?.dictionary, "js/app.ba9876543210.js")
        let bare = DictionaryCompression.parseDeltaPath("LICENSE.0123456789ab.aaaaaaaaaaaa.dcz")
        XCTAssertEqual(bare?.dictionary, "LICENSE.aaaaaaaaaaaa")
        for other in [
            "js/app.0123456789ab.js", "js/app.0123456789ab.js.br", "js/app.js.ba9876543210.dcz",
            "js/app.0123456789ab.js.BA9876543210.dcz", "js/app.0123456789ab.js.0123456789ab.dcz", "x.dcz",
        ] {
            XCTAssertNil(DictionaryCompression.parseDeltaPath(other), other)
        }
    }

    func testEligibleTypesAndTheirDestinations() {
        XCTAssertTrue(DictionaryCompression.isEligible("js/app.0123456789ab.JS"))
        XCTAssertTrue(DictionaryCompression.isEligible("a.wasm"))
        XCTAssertFalse(DictionaryCompression.isEligible("img/logo.0123456789ab.png"))
        XCTAssertFalse(DictionaryCompression.isEligible("js/app.js.map"))
        XCTAssertEqual(DictionaryCompression.matchDestinations("a.mjs"), ["script"])
        XCTAssertEqual(DictionaryCompression.matchDestinations("a.css"), ["style"])
        XCTAssertEqual(DictionaryCompression.matchDestinations("a.html"), ["document"])
        XCTAssertEqual(DictionaryCompression.matchDestinations("a.json"), [])
    }

    func testUseAsDictionaryMatchesLaterVersionsOfTheSameOriginal() {
        XCTAssertEqual(
            DictionaryCompression.useAsDictionary(prefix: "/static/", path: "js/app.0123456789ab.js"),
            #"match="/static/js/app.*.js", match-dest=("script")"#
        )
        XCTAssertEqual(
            DictionaryCompression.useAsDictionary(prefix: "/static/", path: "data/x.0123456789ab.json"),
            #"match="/static/data/x.*.json", match-dest=()"#
        )
        XCTAssertNil(DictionaryCompression.useAsDictionary(prefix: "/static/", path: "js/app.js"))
        XCTAssertNil(DictionaryCompression.useAsDictionary(prefix: "/static/", path: "img/a.0123456789ab.png"))
    }

    func testUseAsDictionaryEscapesURLPatternSyntaxAndEncodesLikeAURL() {
        // `+ ( ) :` are URLPattern syntax: escaped with `\`, which the sf-string escapes again;
        // space and non-ASCII are percent-encoded as the request URL has them.
        XCTAssertEqual(
            DictionaryCompression.useAsDictionary(prefix: "/s/", path: "c++ (x):é.0123456789ab.css"),
            #"match="/s/c\\+\\+%20\\(x\\)\\:%C3%A9.*.css", match-dest=("style")"#
        )
    }

    func testTenPercentRule() {
        XCTAssertTrue(DictionaryCompression.keeps(deltaSize: 90, smallestOther: 100))
        XCTAssertFalse(DictionaryCompression.keeps(deltaSize: 91, smallestOther: 100))
        XCTAssertFalse(DictionaryCompression.keeps(deltaSize: 1, smallestOther: 0))
    }

    func testWindowCoversDictionaryAndContentWithinWhatClientsMustAccept() {
        XCTAssertEqual(DictionaryCompression.maxWindowLog(dictionarySize: 1 << 20), 23)
        // 1.25 × 20 MiB = 25 MiB: the largest power of two below is 16 MiB.
        XCTAssertEqual(DictionaryCompression.maxWindowLog(dictionarySize: 20 << 20), 24)
        XCTAssertEqual(DictionaryCompression.maxWindowLog(dictionarySize: 1 << 30), 27)
        XCTAssertEqual(DictionaryCompression.windowLog(dictionarySize: 300_000, contentSize: 310_000), 20)
        XCTAssertEqual(DictionaryCompression.windowLog(dictionarySize: 100, contentSize: 100), 10)
        XCTAssertEqual(DictionaryCompression.windowLog(dictionarySize: 6 << 20, contentSize: 6 << 20), 23)
    }

    func testAvailableDictionaryIsAStructuredByteSequenceOf32Bytes() {
        let hash = SHA256.digest(Array("v1".utf8))
        let field = ":" + Base64.encode(hash) + ":"
        XCTAssertEqual(DictionaryCompression.availableDictionary(Array(field.utf8)), hash)
        let unpadded = ":" + Base64.encode(hash).replacingOccurrences(of: "=", with: "") + ":"
        XCTAssertEqual(DictionaryCompression.availableDictionary(Array(unpadded.utf8)), hash)
        for bad in [Base64.encode(hash), ":" + Base64.encode(Array(hash.prefix(31))) + ":", ":!!:", "::", ":"] {
            XCTAssertNil(DictionaryCompression.availableDictionary(Array(bad.utf8)), bad)
        }
    }

    func testBase64RoundTrips() {
        for count in 0..<10 {
            let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 77 &+ 200) }
            XCTAssertEqual(Base64.decode(Array(Base64.encode(bytes).utf8)), bytes)
        }
        XCTAssertNil(Base64.decode(Array("QQ=A".utf8)))
    }
}
