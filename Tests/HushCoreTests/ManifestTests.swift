import Foundation
import HushCore
import XCTest

/// `staticfiles.json` must be byte-for-byte what Django 6.1's `save_manifest()` writes:
/// `json.dumps({"paths": dict(sorted(items)), "version": "1.1", "hash": …})`. Every expectation
/// here is computed by Python itself on the same data.
final class ManifestTests: XCTestCase {
    /// Django's `save_manifest()`, fed `key value` lines of hex UTF-8; prints the manifest bytes.
    static let djangoSaveManifest = """
        import sys, json, hashlib
        items = {}
        for line in sys.stdin.read().splitlines():
            k, v = line.split(" ")
            items[bytes.fromhex(k).decode("utf-8")] = bytes.fromhex(v).decode("utf-8")
        sorted_hashed_files = sorted(items.items())
        manifest_hash = hashlib.md5(json.dumps(sorted_hashed_files).encode()).hexdigest()[:12]
        payload = {"paths": dict(sorted_hashed_files), "version": "1.1", "hash": manifest_hash}
        sys.stdout.buffer.write(json.dumps(payload).encode())
        """

    func pythonManifest(_ entries: [(String, String)]) throws -> [UInt8] {
        let input = entries.map { hexUTF8($0.0) + " " + hexUTF8($0.1) }.joined(separator: "\n")
        return try runPythonBytes(Self.djangoSaveManifest, input: Array(input.utf8))
    }

    func pythonDumps(_ strings: [String]) throws -> [String] {
        let script = """
            import sys, json
            for line in sys.stdin.read().splitlines():
                print(json.dumps(bytes.fromhex(line).decode("utf-8")))
            """
        let out = try runPythonBytes(script, input: Array(strings.map(hexUTF8).joined(separator: "\n").utf8))
        return String(decoding: out, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            .map(String.init)
    }

    func assertBytesEqual(_ actual: [UInt8], _ expected: [UInt8], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(
            String(decoding: actual, as: UTF8.self),
            String(decoding: expected, as: UTF8.self),
            file: file,
            line: line
        )
        XCTAssertEqual(actual, expected, "bytes differ", file: file, line: line)
    }

    // MARK: - Encoding

    func testEmptyManifestMatchesDjango() throws {
        assertBytesEqual(Manifest(entries: []).encoded(), try pythonManifest([]))
    }

    func testSmallManifestMatchesDjangoByteForByte() throws {
        let entries = [
            ("css/app.css", "css/app.4f2a9c1b0d3e.css"),
            ("img/logo.png", "img/logo.0123456789ab.png"),
            ("LICENSE", "LICENSE.aaaaaaaaaaaa"),
        ]
        assertBytesEqual(Manifest(entries: entries).encoded(), try pythonManifest(entries))
    }

    func testKeysAreSortedByCodePointNotByLocaleOrCase() throws {
        // "B" < "a"; "-" (0x2d) < "." (0x2e) < "/" (0x2f); é (U+00E9) < 😀 (U+1F600) but
        // U+FF21 (3 UTF-8 bytes) < U+1F600 (4 bytes, surrogates in UTF-16): UTF-16 order would differ.
        let entries = [
            ("css/a.css", "1"), ("css.d/a.css", "2"), ("css-x/a.css", "3"), ("a", "4"), ("B", "5"),
            ("\u{1F600}.png", "6"), ("\u{FF21}.png", "7"), ("\u{E9}.png", "8"), ("Z", "9"), ("_", "10"),
        ]
        let encoded = Manifest(entries: entries).encoded()
        assertBytesEqual(encoded, try pythonManifest(entries))
        let keys = Manifest(entries: entries).entries.map(\.key)
        XCTAssertEqual(
            keys,
            [
                "B", "Z", "_", "a", "css-x/a.css", "css.d/a.css", "css/a.css", "\u{E9}.png", "\u{FF21}.png",
                "\u{1F600}.png",
            ]
        )
    }

    func testNFCAndNFDTwinsAreTwoDistinctKeys() throws {
        let nfc = "caf\u{E9}.css"
        let nfd = "cafe\u{301}.css"
        let entries = [(nfd, "cafe\u{301}.111111111111.css"), (nfc, "caf\u{E9}.222222222222.css")]
        let manifest = Manifest(entries: entries)
        XCTAssertEqual(manifest.entries.count, 2)
        // NFD "e" + U+0301 sorts before NFC U+00E9 ("e" < "é").
        XCTAssertEqual(
            manifest.entries.map { Array($0.key.unicodeScalars) },
            [Array(nfd.unicodeScalars), Array(nfc.unicodeScalars)]
        )
        assertBytesEqual(manifest.encoded(), try pythonManifest(entries))
    }

    func testRepeatedKeyKeepsTheFirstValue() {
        let manifest = Manifest(entries: [("a.css", "a.111111111111.css"), ("a.css", "a.222222222222.css")])
        XCTAssertEqual(manifest.entries.count, 1)
        XCTAssertEqual(manifest.entries[0].value, "a.111111111111.css")
    }

    func testEscapesMatchJSONDumpsForQuotesBackslashesAndWhitespace() throws {
        let entries = [
            ("quote\"d.png", "q\"1.png"), ("back\\slash.png", "b\\1.png"), ("tab\there", "t"),
            ("nl\nhere", "n"), ("cr\rhere", "c"), ("bs\u{8}ff\u{c}", "f"), ("slash/and space & <>'", "s"),
        ]
        assertBytesEqual(Manifest(entries: entries).encoded(), try pythonManifest(entries))
    }

    func testControlCharactersAreEscapedAsLowercaseUnicodeEscapes() throws {
        let controls = (0..<0x20).map { "c\(Character(Unicode.Scalar($0)!))x" }
        let entries = controls.map { ($0, "v" + $0) }
        assertBytesEqual(Manifest(entries: entries).encoded(), try pythonManifest(entries))
    }

    func testNonASCIIIsEscapedAsUnicodeEscapesAndEmojiAsSurrogatePairs() throws {
        let entries = [
            ("\u{E9}t\u{E9}.css", "\u{E9}t\u{E9}.0123456789ab.css"), ("\u{65E5}\u{672C}.png", "x"),
            ("\u{1F389}.png", "\u{1F389}.0123456789ab.png"), ("\u{80}\u{A0}\u{FEFF}\u{FFFF}\u{2028}\u{2029}", "y"),
            ("\u{10FFFF}", "max"), ("\u{10000}", "min"),
        ]
        let encoded = Manifest(entries: entries).encoded()
        assertBytesEqual(encoded, try pythonManifest(entries))
        XCTAssertTrue(encoded.allSatisfy { $0 < 0x80 }, "ensure_ascii output must be pure ASCII")
        XCTAssertTrue(String(decoding: encoded, as: UTF8.self).contains(#""\ud83c\udf89.png""#))
    }

    /// DEL (U+007F) is outside json's printable range ` `…`~`: `json.dumps("\x7f")` is `"\u007f"`.
    func testDeleteCharacterIsEscapedAsJSONDumpsDoes() throws {
        XCTAssertEqual(PythonJSON.string("a\u{7F}b"), try pythonDumps(["a\u{7F}b"])[0])
        let entries = [("del\u{7F}.png", "del\u{7F}.0123456789ab.png")]
        assertBytesEqual(Manifest(entries: entries).encoded(), try pythonManifest(entries))
    }

    func testPythonJSONStringMatchesJSONDumpsOnEveryBMPBoundary() throws {
        var samples = ["", "plain", "\u{7E}", "\u{D7FF}", "\u{E000}", "\u{FFFD}", "\u{1D11E}", "a\"b\\c"]
        samples += (0..<0x20).map { String(Unicode.Scalar($0)!) }
        samples += [0xFF, 0x100, 0x7FF, 0x800, 0xFFFE].map { String(Unicode.Scalar($0)!) }
        let expected = try pythonDumps(samples)
        XCTAssertEqual(expected.count, samples.count)
        for (sample, python) in zip(samples, expected) {
            XCTAssertEqual(PythonJSON.string(sample), python, "json.dumps of \(sample.unicodeScalars.map { $0.value })")
        }
    }

    // MARK: - Hash

    func testHashIsDjangosMD5OfTheSortedItemsList() throws {
        let entries = [
            ("b.css", "b.111111111111.css"), ("a \u{E9}\"\\.png", "a \u{E9}\"\\.222222222222.png"), ("\u{1F600}", "x"),
        ]
        let script = """
            import sys, json, hashlib
            items = {}
            for line in sys.stdin.read().splitlines():
                k, v = line.split(" ")
                items[bytes.fromhex(k).decode("utf-8")] = bytes.fromhex(v).decode("utf-8")
            print(hashlib.md5(json.dumps(sorted(items.items())).encode()).hexdigest()[:12], end="")
            """
        let input = entries.map { hexUTF8($0.0) + " " + hexUTF8($0.1) }.joined(separator: "\n")
        let expected = String(decoding: try runPythonBytes(script, input: Array(input.utf8)), as: UTF8.self)
        XCTAssertEqual(expected.count, 12)
        XCTAssertEqual(Manifest(entries: entries).hash, expected)
    }

    func testHashOfEmptyManifestIsMD5OfEmptyList() {
        // json.dumps([]) == "[]"; md5("[]") = d751713988987e9331980363e24189ce.
        XCTAssertEqual(Manifest(entries: []).hash, "d75171398898")
    }

    func testHashChangesWhenAnyValueChanges() {
        let a = Manifest(entries: [("a.css", "a.111111111111.css")])
        let b = Manifest(entries: [("a.css", "a.111111111112.css")])
        XCTAssertNotEqual(a.hash, b.hash)
    }

    // MARK: - Decoding

    func testDecodeRoundTripsEncodedBytes() throws {
        let entries = [
            ("css/app.css", "css/app.4f2a9c1b0d3e.css"), ("\u{E9}\"\\\n.png", "x.png"), ("\u{1F389}", "y"), ("B", "a"),
        ]
        let manifest = Manifest(entries: entries)
        let decoded = try Manifest.decode(manifest.encoded())
        XCTAssertEqual(decoded, manifest)
        XCTAssertEqual(decoded.encoded(), manifest.encoded())
    }

    func testDecodeKeepsNFCAndNFDTwinsApart() throws {
        let manifest = Manifest(entries: [
            ("caf\u{E9}.css", "caf\u{E9}.111111111111.css"), ("cafe\u{301}.css", "cafe\u{301}.222222222222.css"),
        ])
        let decoded = try Manifest.decode(manifest.encoded())
        XCTAssertEqual(
            decoded.entries.count,
            2,
            "a manifest Django wrote with two twin files must read back as two entries"
        )
        XCTAssertEqual(decoded, manifest)
    }

    func testDecodeReadsDjangosOwnOutput() throws {
        let bytes = try pythonManifest([
            ("css/app.css", "css/app.4f2a9c1b0d3e.css"), ("\u{E9}.png", "\u{E9}.0123456789ab.png"),
        ])
        let decoded = try Manifest.decode(bytes)
        XCTAssertEqual(decoded.encoded(), bytes)
    }

    func testDecodeAcceptsVersion10AndMissingPaths() throws {
        let old = try Manifest.decode(Array(#"{"paths": {"a.css": "a.111111111111.css"}, "version": "1.0"}"#.utf8))
        XCTAssertEqual(old.paths, ["a.css": "a.111111111111.css"])
        let empty = try Manifest.decode(Array(#"{"version": "1.1"}"#.utf8))
        XCTAssertTrue(empty.entries.isEmpty)
    }

    func testDecodeRejectsInvalidJSON() {
        for bad in ["", "{", "{\"paths\": {}, \"version\": \"1.1\"", "not json", "{'version': '1.1'}"] {
            XCTAssertThrowsError(try Manifest.decode(Array(bad.utf8)), bad) { error in
                XCTAssertEqual(error as? ManifestError, .malformed("not valid JSON"), bad)
            }
        }
    }

    func testDecodeRejectsVersionsDjangoRejects() {
        // Django's load_manifest accepts only "1.0" and "1.1" (strings).
        for bad in [
            #"{"paths": {}, "version": "2.0"}"#, #"{"paths": {}}"#, #"{"paths": {}, "version": 1.1}"#,
            #"{"paths": {}, "version": "1.1 "}"#,
        ] {
            XCTAssertThrowsError(try Manifest.decode(Array(bad.utf8)), bad) { error in
                guard case .malformed(let why)? = error as? ManifestError else { return XCTFail("\(error)") }
                XCTAssertTrue(why.contains("version"), why)
            }
        }
    }

    func testDecodeRejectsNonObjectTopLevelAndNonStringEntries() {
        XCTAssertThrowsError(try Manifest.decode(Array("[1, 2]".utf8)))
        XCTAssertThrowsError(try Manifest.decode(Array(#"{"paths": {"a.css": 1}, "version": "1.1"}"#.utf8))) { error in
            XCTAssertEqual(
                (error as? ManifestError)?.description,
                #"staticfiles.json: the entry for "a.css" is not a string"#
            )
        }
    }
}
