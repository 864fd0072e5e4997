import HushCore
import XCTest

/// Hashed names as Django's `HashedFilesMixin.hashed_name` forms them: `os.path.split`, then
/// `os.path.splitext`, then `root + "." + hash + ext` joined back to the directory.
final class HashedNameTests: XCTestCase {
    static let hash = "0123456789ab"

    static let fileNames = [
        "app.css", "LICENSE", ".bashrc", ".hidden.png", "..a", "...", "a.", "a..b", ".a.b", "archive.tar.gz",
        "jquery.min.js", "a b.png", "caf\u{E9}.css", "cafe\u{301}.css", "\u{1F389}.png", "x.\u{1F389}", "",
        "noext.", ".", "..", "a.b.c.d", "x.0123456789ab", "\u{E9}.\u{E9}",
    ]

    /// `os.path.splitext` (a file name at a time) and Django's naming for `dir/name`, by Python.
    func pythonSplitAndMake(_ names: [String]) throws -> [(root: String, ext: String, made: String, madeInDir: String)]
    {
        let script = """
            import sys, os
            for line in sys.stdin.read().split("\\n"):
                name = bytes.fromhex(line).decode("utf-8")
                root, ext = os.path.splitext(name)
                def hashed(path_name):
                    path, filename = os.path.split(path_name)
                    r, e = os.path.splitext(filename)
                    return os.path.join(path, "%s%s%s" % (r, ".0123456789ab", e))
                print(" ".join(s.encode("utf-8").hex() for s in (root, ext, hashed(name), hashed("css/sub/" + name))))
            """
        let out = try runPythonBytes(script, input: Array(names.map(hexUTF8).joined(separator: "\n").utf8))
        return String(decoding: out, as: UTF8.self).split(separator: "\n").map { line in
            let parts = line.split(separator: " ", omittingEmptySubsequences: false).map(fromHexUTF8)
            return (parts[0], parts[1], parts[2], parts[3])
        }
    }

    func testSplitExtensionMatchesOsPathSplitext() throws {
        let expected = try pythonSplitAndMake(Self.fileNames)
        XCTAssertEqual(expected.count, Self.fileNames.count)
        for (name, python) in zip(Self.fileNames, expected) {
            let (root, ext) = HashedName.splitExtension(name)
            XCTAssertTrue(
                sameScalars(root, python.root) && sameScalars(ext, python.ext),
                "splitext(\(name.debugDescription)): python (\(python.root.debugDescription), \(python.ext.debugDescription)), hush (\(root.debugDescription), \(ext.debugDescription))"
            )
        }
    }

    func testMakeMatchesDjangosHashedNameInsideAndOutsideDirectories() throws {
        let expected = try pythonSplitAndMake(Self.fileNames)
        for (name, python) in zip(Self.fileNames, expected) {
            let made = HashedName.make(path: name, hash: Self.hash)
            let madeInDir = HashedName.make(path: "css/sub/" + name, hash: Self.hash)
            XCTAssertTrue(
                sameScalars(made, python.made),
                "\(name.debugDescription): python \(python.made.debugDescription), hush \(made.debugDescription)"
            )
            XCTAssertTrue(
                sameScalars(madeInDir, python.madeInDir),
                "css/sub/\(name): python \(python.madeInDir.debugDescription), hush \(madeInDir.debugDescription)"
            )
        }
    }

    func testSplitExtensionEdgeCases() {
        XCTAssertTrue(HashedName.splitExtension("LICENSE") == ("LICENSE", ""))
        XCTAssertTrue(HashedName.splitExtension(".bashrc") == (".bashrc", ""), "a leading dot is not an extension")
        XCTAssertTrue(
            HashedName.splitExtension("archive.tar.gz") == ("archive.tar", ".gz"),
            "only the last dot starts the extension"
        )
        XCTAssertTrue(HashedName.splitExtension("..a") == ("..a", ""))
        XCTAssertTrue(HashedName.splitExtension(".a.b") == (".a", ".b"))
        XCTAssertTrue(HashedName.splitExtension("a.") == ("a", "."))
    }

    func testMakeInsertsTheHashBeforeTheLastExtensionOnly() {
        XCTAssertEqual(HashedName.make(path: "css/app.css", hash: Self.hash), "css/app.0123456789ab.css")
        XCTAssertEqual(HashedName.make(path: "LICENSE", hash: Self.hash), "LICENSE.0123456789ab")
        XCTAssertEqual(HashedName.make(path: ".bashrc", hash: Self.hash), ".bashrc.0123456789ab")
        XCTAssertEqual(
            HashedName.make(path: "vendor/archive.tar.gz", hash: Self.hash),
            "vendor/archive.tar.0123456789ab.gz"
        )
        XCTAssertEqual(
            HashedName.make(path: "dir.d/file", hash: Self.hash),
            "dir.d/file.0123456789ab",
            "a dot in a directory is not an extension"
        )
    }

    func testIsHashedRecognisesTwelveLowercaseHexDigitsBeforeTheExtension() {
        XCTAssertTrue(HashedName.isHashed("css/app.0123456789ab.css"))
        XCTAssertTrue(HashedName.isHashed("app.abcdefabcdef.css"))
        XCTAssertTrue(HashedName.isHashed("vendor/archive.tar.0123456789ab.gz"))
        XCTAssertFalse(HashedName.isHashed("css/app.css"))
        XCTAssertFalse(HashedName.isHashed("app.0123456789AB.css"), "Django's hexdigest is lowercase")
        XCTAssertFalse(HashedName.isHashed("app.0123456789a.css"), "11 digits")
        XCTAssertFalse(HashedName.isHashed("app.0123456789abc.css"), "13 digits")
        XCTAssertFalse(HashedName.isHashed("app0123456789ab.css"), "no dot before the hash")
        XCTAssertFalse(HashedName.isHashed("app.0123456789ag.css"), "g is not hex")
        XCTAssertFalse(HashedName.isHashed("0123456789ab.css"), "a bare hash is a name, not a hashed name")
        XCTAssertFalse(HashedName.isHashed("css.0123456789ab/app.css"), "only the last component counts")
    }

    /// Every name `make` produces must be recognised, the extensionless ones included
    /// (`LICENSE` → `LICENSE.0123456789ab`, as Django names it).
    func testIsHashedRecognisesEveryNameMakeProduces() {
        for name in [
            "css/app.css", "LICENSE", "img/logo", "archive.tar.gz", ".bashrc", "a b.png", "caf\u{E9}.css",
            "\u{1F389}.png", "a..b",
        ] {
            let made = HashedName.make(path: name, hash: Self.hash)
            XCTAssertTrue(HashedName.isHashed(made), "\(made) is a hashed name but isHashed says no")
            XCTAssertFalse(HashedName.isHashed(name), "\(name) is not hashed")
        }
    }
}
