import HushCore
import XCTest

final class IntegrityManifestTests: XCTestCase {
    private let sample = IntegrityManifest(files: [
        "img/café.png": IntegrityEntry(
            hashedName: "img/café.0123456789ab.png",
            size: 10,
            contentType: "image/png",
            integrity: "sha384-xyz"
        ),
        "css/app.css": IntegrityEntry(
            hashedName: "css/app.4f3a2b1c9d8e.css",
            size: 5678,
            contentType: "text/css; charset=utf-8",
            integrity: "sha384-abc",
            compressedSizes: [.br: 1234, .zstd: 1300, .gzip: 1500]
        ),
    ])

    /// The bytes of Python's `json.dumps(obj, indent=2, sort_keys=True) + "\n"` for the same object.
    private let sampleBytes = """
        {
          "files": {
            "css/app.css": {
              "br": 1234,
              "contentType": "text/css; charset=utf-8",
              "gzip": 1500,
              "hashed": "css/app.4f3a2b1c9d8e.css",
              "integrity": "sha384-abc",
              "size": 5678,
              "zstd": 1300
            },
            "img/caf\\u00e9.png": {
              "br": null,
              "contentType": "image/png",
              "gzip": null,
              "hashed": "img/caf\\u00e9.0123456789ab.png",
              "integrity": "sha384-xyz",
              "size": 10,
              "zstd": null
            }
          },
          "version": 1
        }

        """

    func testEncodedBytesAreSortedPrettyAndExact() {
        XCTAssertEqual(String(decoding: sample.encoded(), as: UTF8.self), sampleBytes)
    }

    func testEmptyManifestEncodesAsPythonDoes() {
        XCTAssertEqual(
            String(decoding: IntegrityManifest().encoded(), as: UTF8.self),
            "{\n  \"files\": {},\n  \"version\": 1\n}\n"
        )
    }

    func testEncodingIsDeterministicWhateverTheInsertionOrder() {
        var reversed = IntegrityManifest()
        for key in sample.files.keys.sorted().reversed() { reversed.files[key] = sample.files[key] }
        XCTAssertEqual(reversed.encoded(), sample.encoded())
    }

    func testRoundTripsThroughTheReader() throws {
        XCTAssertEqual(try IntegrityManifest.decode(sample.encoded()), sample)
        XCTAssertEqual(try IntegrityManifest.decode(IntegrityManifest().encoded()), IntegrityManifest())
    }

    func testOnlyOneSiblingKeptRoundTrips() throws {
        let manifest = IntegrityManifest(files: [
            "a.js": IntegrityEntry(
                hashedName: "a.0123456789ab.js",
                size: 100,
                contentType: "text/javascript; charset=utf-8",
                integrity: "sha384-q",
                compressedSizes: [.gzip: 60]
            )
        ])
        XCTAssertTrue(
            String(decoding: manifest.encoded(), as: UTF8.self).contains("\"br\": null,\n      \"contentType\"")
        )
        XCTAssertEqual(try IntegrityManifest.decode(manifest.encoded()), manifest)
    }

    func testReaderAcceptsAbsentSiblingsAndIgnoresUnknownKeys() throws {
        let text =
            #"{"version": 1, "generator": "other-tool", "files": {"a.js": {"hashed": "a.0123456789ab.js", "size": 3, "contentType": "text/javascript", "integrity": "sha384-q", "extra": [1]}}}"#
        let manifest = try IntegrityManifest.decode(Array(text.utf8))
        XCTAssertEqual(manifest.files["a.js"]?.compressedSizes, [:])
        XCTAssertEqual(manifest.files["a.js"]?.size, 3)
    }

    func testReaderRejectsOtherVersionsAndBadFields() {
        let cases: [(String, String)] = [
            (
                #"{"version": 2, "files": {}}"#,
                "hush-manifest.json: unsupported \"version\" 2 (this reader understands 1)"
            ),
            (#"{"files": {}}"#, "hush-manifest.json: not valid JSON, or no integer \"version\""),
            (#"{"version": 1}"#, "hush-manifest.json: top level: missing \"files\""),
            (
                #"{"version": 1, "files": {"a.js": {"hashed": "a.js", "size": true, "contentType": "t", "integrity": "i"}}}"#,
                "hush-manifest.json: \"files\" → \"a.js\" → \"size\": wrong type"
            ),
            (
                #"{"version": 1, "files": {"a.js": {"hashed": "a.js", "size": 1, "contentType": "t"}}}"#,
                "hush-manifest.json: \"files\" → \"a.js\": missing \"integrity\""
            ),
            (
                #"{"version": 1, "files": {"a.js": {"hashed": "a.js", "size": -1, "contentType": "t", "integrity": "i"}}}"#,
                "hush-manifest.json: \"a.js\": \"size\" is negative"
            ),
            ("not json", "hush-manifest.json: not valid JSON, or no integer \"version\""),
        ]
        for (text, message) in cases {
            XCTAssertThrowsError(try IntegrityManifest.decode(Array(text.utf8)), text) { error in
                XCTAssertEqual("\(error)", message, text)
            }
        }
    }
}
