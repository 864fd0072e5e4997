import Foundation
import HushCore
import XCTest

@testable import HushCollect

/// `hush-manifest.json` as a collect writes it, checked field by field against
/// what is on disk, Django's `staticfiles.json`, and SHA-384 computed by Python and by openssl.
final class IntegrityManifestPipelineTests: PipelineTestCase {
    func writeSite() throws {
        try root.write(
            "src/css/app.css",
            ".logo { background: url(../img/logo.png); }\n@font-face { src: url(../fonts/f.woff2); }\n"
                + Self.cssLike(4000, seed: 31)
        )
        try root.write("src/js/app.js", "console.log('x');\n" + Self.cssLike(3000, seed: 32))
        try root.write("src/img/logo.png", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + randomBytes(500))
        try root.write(
            "src/img/icon.svg",
            "<svg xmlns=\"http://www.w3.org/2000/svg\">" + String(repeating: "<circle r=\"4\"/>", count: 60)
                + "</svg>\n"
        )
        try root.write("src/fonts/f.woff2", randomBytes(700, seed: 5))
        try root.write("src/data/noise.bin", randomBytes(3000, seed: 6))
        try root.write("src/tiny.txt", "x")
    }

    /// Python's hashlib: `sha384-` + base64 for each path (relative to STATIC_ROOT).
    func pythonSRI(_ paths: [String]) throws -> [String: String] {
        let out = try runPython(
            """
            import sys, os, hashlib, base64
            lines = [l for l in sys.stdin.read().split("\\n") if l]
            for p in lines[1:]:
                digest = hashlib.sha384(open(os.path.join(lines[0], p), "rb").read()).digest()
                print(p.encode().hex(), "sha384-" + base64.b64encode(digest).decode())
            """,
            input: ([output] + paths).joined(separator: "\n")
        )
        var result: [String: String] = [:]
        for line in out.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2 { result[fromHexUTF8(parts[0])] = String(parts[1]) }
        }
        return result
    }

    func assertEntriesMatchDisk(file: StaticString = #filePath, line: UInt = #line) throws {
        let paths = try manifestPaths()
        let files = try integrityFiles()
        XCTAssertEqual(Set(files.keys), Set(paths.keys), "one entry per collected file", file: file, line: line)
        let sri = try pythonSRI(Array(paths.values))
        for (original, hashed) in paths {
            guard let entry = files[original] else { continue }
            XCTAssertEqual(entry["hashed"] as? String, hashed, original, file: file, line: line)
            XCTAssertEqual((entry["size"] as? NSNumber)?.int64Value, size(hashed), original, file: file, line: line)
            XCTAssertEqual(entry["integrity"] as? String, sri[hashed], original, file: file, line: line)
            for (key, suffix) in ContentCoding.allCases.map({ ($0.token, $0.fileSuffix) }) {
                let onDisk = size(hashed + suffix)
                if let onDisk {
                    XCTAssertEqual(
                        (entry[key] as? NSNumber)?.int64Value,
                        onDisk,
                        "\(original) \(key)",
                        file: file,
                        line: line
                    )
                } else {
                    XCTAssertTrue(
                        entry[key] is NSNull,
                        "\(original): \(key) must be null when \(hashed + suffix) is absent",
                        file: file,
                        line: line
                    )
                }
            }
        }
    }

    func testEveryEntryMatchesStaticfilesJSONTheDiskAndAnIndependentSHA384() throws {
        try writeSite()
        try collect()
        try assertEntriesMatchDisk()
        // Premises, so the null and non-null branches are both exercised.
        let files = try integrityFiles()
        XCTAssertTrue(files["img/logo.png"]?["br"] is NSNull)
        XCTAssertTrue(files["tiny.txt"]?["gzip"] is NSNull, "a 1-byte file never compresses effectively")
        XCTAssertNotNil(files["css/app.css"]?["br"] as? NSNumber)
        XCTAssertNotNil(files["css/app.css"]?["zstd"] as? NSNumber, "the zstd sibling's size is listed")
        XCTAssertTrue(files["tiny.txt"]?["zstd"] is NSNull)
    }

    /// The rewritten CSS differs from its unhashed original: the entry describes the hashed file.
    func testEntryDescribesTheRewrittenHashedFileNotTheOriginal() throws {
        try writeSite()
        try collect()
        let hashed = try manifestPaths()["css/app.css"]!
        XCTAssertNotEqual(try bytes(hashed), try bytes("css/app.css"), "premise: rewriting changed the file")
        let entry = try integrityFiles()["css/app.css"]!
        XCTAssertEqual((entry["size"] as? NSNumber)?.int64Value, size(hashed))
        XCTAssertNotEqual((entry["size"] as? NSNumber)?.int64Value, size("css/app.css"))
    }

    func testIntegrityEqualsOpenSSL() throws {
        try writeSite()
        try collect()
        let paths = try manifestPaths()
        let files = try integrityFiles()
        for name in ["css/app.css", "img/logo.png", "fonts/f.woff2"] {
            let result = try runProcess(
                "/bin/sh",
                ["-c", "openssl dgst -sha384 -binary \"$1\" | base64 -w0", "sh", output + "/" + paths[name]!]
            )
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertEqual(files[name]?["integrity"] as? String, "sha384-" + result.stdout, name)
        }
    }

    func testContentTypesOfCommonAssets() throws {
        try writeSite()
        try collect()
        let files = try integrityFiles()
        XCTAssertEqual(files["css/app.css"]?["contentType"] as? String, "text/css; charset=utf-8")
        XCTAssertEqual(files["js/app.js"]?["contentType"] as? String, "text/javascript; charset=utf-8")
        XCTAssertEqual(files["img/logo.png"]?["contentType"] as? String, "image/png")
        XCTAssertEqual(files["img/icon.svg"]?["contentType"] as? String, "image/svg+xml; charset=utf-8")
        XCTAssertEqual(files["fonts/f.woff2"]?["contentType"] as? String, "font/woff2")
        XCTAssertEqual(files["data/noise.bin"]?["contentType"] as? String, "application/octet-stream")
    }

    func testEntriesStayCorrectWithKeepOnlyHashedAndWithoutBrotli() throws {
        try writeSite()
        try collect {
            $0.keepOnlyHashed = true
            $0.compression = CompressionPolicy(codings: [.gzip])
        }
        try assertEntriesMatchDisk()
        XCTAssertTrue(try integrityFiles()["css/app.css"]?["br"] is NSNull)
    }

    /// After an incremental run reuses cached SRI values and siblings, the entries still match.
    func testEntriesStayCorrectAfterAnIncrementalRun() throws {
        try writeSite()
        try collect()
        try root.write("src/js/app.js", "console.log('changed');\n" + Self.cssLike(3100, seed: 33))
        try collect()
        try assertEntriesMatchDisk()
    }

    /// The same bytes as a skipped type and as a compressible one: the entry of each follows its
    /// own name (and what is on disk next to it).
    func testSharedContentUnderSkippedAndCompressibleNamesIsDescribedPerName() throws {
        let text = Self.cssLike(3000, seed: 41)
        try root.write("src/a.css", text)
        try root.write("src/a.png", text)
        try collect()
        try assertEntriesMatchDisk()
        let files = try integrityFiles()
        XCTAssertNotNil(files["a.css"]?["br"] as? NSNumber)
        XCTAssertTrue(files["a.png"]?["br"] is NSNull)
    }

    /// A source file named staticfiles.json: its hashed copy keeps the source bytes (Django), so
    /// its entry must describe those bytes, not the manifest that replaces the unhashed name.
    func testSourceNamedStaticfilesJSONGetsTheEntryOfItsOwnBytes() throws {
        try root.write(
            "src/staticfiles.json",
            "{\"a\": [" + (0..<100).map { "\($0 % 7)" }.joined(separator: ", ") + "]}\n"
        )
        try root.write("src/a.css", Self.cssLike(500))
        try collect()
        try assertEntriesMatchDisk()
    }
}
