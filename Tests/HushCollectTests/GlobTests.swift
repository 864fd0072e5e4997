import XCTest

@testable import HushCollect

/// Ignore patterns are matched with Python's `fnmatch.fnmatchcase` (Django's `matches_patterns`).
final class GlobTests: XCTestCase {
    static let patterns = [
        "*", "*.css", "CVS", ".*", "*~", "[!x]*", "[abc]", "[a-c]", "[!a-c]", "[", "a[", "[a", "[]]", "[!]]", "[]-a]",
        "[c-a]",
        "[!c-a]", "[a-]", "[--0]", "[!]", "[]", "?", "??", "a?c", "*/*.css", "css/legacy/*", "**", "\\", "[\\]",
        "a*b*c", "[a-c-e]",
        "[&&]", "*[!.]*", "\u{E9}*", "e\u{301}*", "[^a]", "[[]", "[a-z]*.sc?s", ".", "*.", "a**b", "[!!]", "*[", "[*]",
        "[?]",
    ]
    static let names = [
        "", "a", "b", "abc", "x", "xy", "-", "]", "[", "^", "!", "&", "*", "?", "a.css", "css/a.css",
        "css/legacy/x/y.css", ".hidden",
        "file~", "CVS", "cvs", "\\", "\u{E9}", "e\u{301}", "a\nb", "\n", "/", "ac", "aXc", "a/c", "app.scss", "a[",
        "[a", ".", "0",
        "a-", "ab-c", "acb", "aabbcc", "d", "e",
    ]

    func testMatchesLikeFnmatchcaseOnEveryPatternAndName() throws {
        let script = """
            import sys, fnmatch
            pats, names = sys.stdin.read().split("\\n\\n")
            pats = [bytes.fromhex(p).decode() for p in pats.split("\\n")]
            names = [bytes.fromhex(n).decode() if n != "-" else "" for n in names.split("\\n")]
            print("".join("1" if fnmatch.fnmatchcase(n, p) else "0" for p in pats for n in names), end="")
            """
        let input =
            Self.patterns.map(hexUTF8).joined(separator: "\n") + "\n\n"
            + Self.names.map { $0.isEmpty ? "-" : hexUTF8($0) }.joined(separator: "\n")
        let expected = Array(try runPython(script, input: input))
        XCTAssertEqual(expected.count, Self.patterns.count * Self.names.count)
        var k = 0
        for pattern in Self.patterns {
            for name in Self.names {
                let python = expected[k] == "1"
                XCTAssertEqual(
                    Glob.matches(name, pattern),
                    python,
                    "fnmatchcase(\(name.debugDescription), \(pattern.debugDescription)) is \(python)"
                )
                k += 1
            }
        }
    }

    func testNegatedClassExcludesItsCharacters() {
        XCTAssertTrue(Glob.matches("a", "[!x]"))
        XCTAssertFalse(Glob.matches("x", "[!x]"))
        XCTAssertFalse(Glob.matches("ab", "[!x]"), "a class matches exactly one character")
    }

    func testUnclosedBracketIsALiteral() {
        XCTAssertTrue(Glob.matches("[a", "[a"))
        XCTAssertFalse(Glob.matches("a", "[a"))
        XCTAssertTrue(Glob.matches("x[", "*["))
    }

    func testStarMatchesSlashAndIsCaseSensitive() {
        XCTAssertTrue(Glob.matches("css/legacy/deep/x.css", "css/legacy/*"))
        XCTAssertFalse(Glob.matches("APP.CSS", "*.css"))
        XCTAssertFalse(Glob.matches("cvs", "CVS"))
    }
}
