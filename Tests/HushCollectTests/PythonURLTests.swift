import Foundation
import XCTest

@testable import HushCollect

/// Differential tests of Hush's ports of `urllib.parse` / `posixpath` / `str.strip` against
/// Python 3.13 itself, over generated tricky inputs. Strings travel as hex UTF-8 so that code
/// points arrive unchanged (NFC and NFD stay distinct) and comparisons are by code point.
final class PythonURLTests: XCTestCase {
    // MARK: - Input generation

    static let urlHeads = [
        "", " ", "\u{1}", "\t", "\u{0}\u{1f} ", "http:", "HTTP:", "https://host", "data:", "ws:", "svn+ssh:", "1a:",
        "a1+.-:",
        "mailto:", "//", "//host", "//h\u{E9}", "/", "./", "../", "/static/", "c:",
    ]
    static let urlBodies = [
        "a.png", "my file.png", "a%20b", "a%2", "%", "%zz", "%e2%82%ac", "%E2%82", "%ff%fe", "%C3%A9", "\u{E9}",
        "e\u{301}", "a;b", "a;b/c;d", "../../x", "a/./b/../c", "a\r\nb", "a\tb", "a%2Fb", "%25", "%2541",
        "\u{1F600}%F0%9F",
        "", "..", ".", "a/..", "/..", "x:y",
    ]
    static let urlTails = ["", "?", "#", "?#", "?#iefix", "?v=1#x", "#a?b", ";p", "/", "#", "?a=%41", " \u{A0}", "\n"]

    static var urls: [String] {
        var out: [String] = []
        for head in urlHeads { for body in urlBodies { for tail in urlTails { out.append(head + body + tail) } } }
        return out
    }

    /// Runs `body` (Python source of a function `f(s)` returning a str or a tuple of str) on every
    /// input; results come back per line as hex fields, or `!` when Python raised.
    func python(_ function: String, _ inputs: [[String]]) throws -> [[String]?] {
        let script = """
            import sys, posixpath
            from urllib.parse import urlsplit, urlunsplit, urldefrag, urljoin, unquote, quote
            \(function)
            out = []
            for line in sys.stdin.read().split("\\n"):
                args = [bytes.fromhex(x).decode("utf-8") for x in line.split(" ")]
                try:
                    r = f(*args)
                except ValueError:
                    out.append("!")
                    continue
                if isinstance(r, str):
                    r = (r,)
                out.append(" ".join(x.encode("utf-8", "surrogatepass").hex() for x in r))
            sys.stdout.write("\\n".join(out))
            """
        let input = inputs.map { $0.map(hexUTF8).joined(separator: " ") }.joined(separator: "\n")
        let output = try runPython(script, input: input)
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines.count, inputs.count, "python answered a different number of lines")
        return lines.map { line in
            line == "!" ? nil : line.split(separator: " ", omittingEmptySubsequences: false).map(fromHexUTF8)
        }
    }

    /// Compares `hush(input)` with Python on every input; reports each difference (up to a limit).
    func differential(
        _ label: String,
        _ function: String,
        _ inputs: [[String]],
        file: StaticString = #filePath,
        line: UInt = #line,
        _ hush: ([String]) -> [String]
    ) throws {
        let expected = try python(function, inputs)
        var failures = 0
        var compared = 0
        for (input, python) in zip(inputs, expected) {
            guard let python else { continue }  // Python raised ValueError (e.g. a bad netloc): no value to compare.
            compared += 1
            let ours = hush(input)
            if !zip(ours, python).allSatisfy(sameScalars) || ours.count != python.count {
                failures += 1
                if failures <= 15 {
                    XCTFail(
                        "\(label)\(input.map(\.debugDescription)): python \(python.map(\.debugDescription)), hush \(ours.map(\.debugDescription))",
                        file: file,
                        line: line
                    )
                }
            }
        }
        if failures > 15 { XCTFail("\(label): \(failures) differences in all", file: file, line: line) }
        XCTAssertGreaterThan(compared, inputs.count / 2, "\(label): too few comparable inputs", file: file, line: line)
    }

    // MARK: - urllib.parse

    func testUrlsplitMatchesPython() throws {
        try differential("urlsplit", "def f(s): return tuple(urlsplit(s))", Self.urls.map { [$0] }) { input in
            let r = PythonURL.urlsplit(input[0])
            return [r.scheme, r.netloc, r.path, r.query, r.fragment]
        }
    }

    func testUrlunsplitOfUrlsplitMatchesPython() throws {
        try differential("urlunsplit", "def f(s): return urlunsplit(urlsplit(s))", Self.urls.map { [$0] }) { input in
            [PythonURL.urlunsplit(PythonURL.urlsplit(input[0]))]
        }
    }

    func testUrlunsplitOfHandMadePartsMatchesPython() throws {
        var inputs: [[String]] = []
        for scheme in ["", "http", "data", "mailto", "ws"] {
            for netloc in ["", "host"] {
                for path in ["", "a", "/a", "//a", "a:b"] {
                    for query in ["", "q"] {
                        for fragment in ["", "f"] { inputs.append([scheme, netloc, path, query, fragment]) }
                    }
                }
            }
        }
        try differential("urlunsplit", "def f(*p): return urlunsplit(p)", inputs) { p in
            [PythonURL.urlunsplit(.init(scheme: p[0], netloc: p[1], path: p[2], query: p[3], fragment: p[4]))]
        }
    }

    func testUrldefragMatchesPython() throws {
        try differential("urldefrag", "def f(s): return tuple(urldefrag(s))", Self.urls.map { [$0] }) { input in
            let r = PythonURL.urldefrag(input[0])
            return [r.url, r.fragment]
        }
    }

    /// Bases Django uses (STATIC_URL values) joined with the names it produces.
    func testUrljoinWithStaticURLBasesMatchesPython() throws {
        let bases = [
            "/static/", "/", "static/", "http://cdn.example.com/static/", "https://h/s/a;p?q#f", "/static/css/app.css",
            "/a/b/c",
        ]
        let relatives = [
            "css/app.0123456789ab.css", "a b.png", "a;b.png", "../../../x", "./a/./b/../c", "//other/x", "?q", "#f",
            "..",
            ".", "a/..", "/abs", "http://h/x", "a%20b", "\u{E9}.png", "x:y", "a?b#c", "a;p/b;q",
        ]
        try differential(
            "urljoin",
            "def f(b, u): return urljoin(b, u)",
            bases.flatMap { b in relatives.map { [b, $0] } }
        ) { p in
            [PythonURL.urljoin(p[0], p[1])]
        }
    }

    /// `urljoin` over any base `urlsplit` understands, other schemes included.
    func testUrljoinWithAnyBaseMatchesPython() throws {
        let bases = [
            "", "ws://h/a/b", "svn://h/a/", "ftp://h/a;x/b", "data:x", "mailto:a@b", "http://h", "http://h/a/b/",
            "//h/a", "a/b", "http:/a/b",
        ]
        let relatives = [
            "", "c", "..;x", "c;p", "../c;p/d", "http:c", "ws:c", "//g", "g?y#s", "../../../../g", "./", "../", ";x",
            "g;x?y",
        ]
        try differential(
            "urljoin",
            "def f(b, u): return urljoin(b, u)",
            bases.flatMap { b in relatives.map { [b, $0] } }
        ) { p in
            [PythonURL.urljoin(p[0], p[1])]
        }
    }

    func testUnquoteMatchesPythonOnInvalidAndMultiByteSequences() throws {
        var inputs = Self.urlBodies + Self.urls.filter { $0.contains("%") }
        inputs += [
            "%", "%%", "%%41", "%4", "%41%", "%e2%82%ac%", "%F0%9F%98%80", "%F0%9F%98", "%F0%9F%98%80\u{E9}%C3%A9",
            "%C3",
            "%C3\u{E9}%A9", "%80", "%C0%AF", "%ED%A0%80", "%F4%90%80%80", "%E0%80%AF", "%EF%BB%BF", "a%00b", "%7F",
            "%c3%A9%c3",
        ]
        try differential("unquote", "def f(s): return unquote(s)", inputs.map { [$0] }) { [PythonURL.unquote($0[0])] }
    }

    func testQuoteWithDjangosSafeSetMatchesPython() throws {
        let inputs =
            Self.urlBodies + [
                "a/b~!*()'", " <>\"#%{}|\\^`", "\u{1F600}", "\u{0}\u{7F}", "a+b=c&d", "caf\u{E9}/cafe\u{301}",
            ]
        try differential("quote", "def f(s): return quote(s, safe=\"/~!*()'\")", inputs.map { [$0] }) {
            [PythonURL.quote($0[0], safe: "/~!*()'")]
        }
    }

    // MARK: - posixpath

    static let paths = [
        "", "/", "//", "///", "////", "a", "a/", "/a", "//a", "///a", "a//b", "a/./b", "a/../b", "../a", "../../a",
        "/..", "/../a",
        "//..", "//../a", "a/../..", "a/b/../../..", ".", "..", "./", "./.", "a/.", "a/..", "/a/b/../../../c",
        "\u{E9}/../e\u{301}",
        "a b/ c", "a/b/", "a/b//", "css/app.css", "./css/../img/a.png", "..a/b", "a../b", ".../b", "a/...",
    ]

    func testNormpathMatchesPython() throws {
        try differential("normpath", "def f(s): return posixpath.normpath(s)", Self.paths.map { [$0] }) {
            [PosixPath.normpath($0[0])]
        }
    }

    func testJoinMatchesPython() throws {
        let pairs = ["", "a", "a/", "/", "/a", "a//"].flatMap { a in
            ["", "b", "/b", "b/", "../b", "//b"].map { [a, $0] }
        }
        try differential("join", "def f(a, b): return posixpath.join(a, b)", pairs) { [PosixPath.join($0[0], $0[1])] }
    }

    func testSplitAndDirnameMatchPython() throws {
        try differential(
            "split",
            "def f(s): return posixpath.split(s) + (posixpath.dirname(s),)",
            Self.paths.map { [$0] }
        ) { input in
            let (head, tail) = PosixPath.split(input[0])
            return [head, tail, PosixPath.dirname(input[0])]
        }
    }

    // MARK: - str.strip

    func testStripMatchesPythonOnUnicodeWhitespace() throws {
        // Every code point Python's str.isspace() accepts, and near misses it does not.
        let spaces: [UInt32] = [
            0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x1F, 0x20, 0x85, 0xA0, 0x1680, 0x2000, 0x2005, 0x200A,
            0x2028, 0x2029, 0x202F, 0x205F, 0x3000,
        ]
        let notSpaces: [UInt32] = [
            0x00, 0x08, 0x0E, 0x1B, 0x7F, 0x180E, 0x200B, 0x200C, 0x2060, 0xFEFF, 0x3164, 0xFFA0,
        ]
        var inputs: [String] = ["", "a", " a b ", "   ", "\u{A0}x\u{3000}"]
        for value in spaces + notSpaces {
            let c = String(Unicode.Scalar(value)!)
            inputs += [c, c + "a" + c, c + c + "a b" + c, "a" + c]
        }
        try differential("strip", "def f(s): return s.strip()", inputs.map { [$0] }) { [PythonString.strip($0[0])] }
    }

    func testIsSpaceMatchesPythonForTheWholeBMPAndBeyond() throws {
        let script = "import sys\nsys.stdout.write(\",\".join(str(c) for c in range(0x110000) if chr(c).isspace()))"
        let expected = try runPython(script, input: "").split(separator: ",").compactMap { UInt32($0) }
        XCTAssertFalse(expected.isEmpty)
        var ours: [UInt32] = []
        for value in UInt32(0)..<0x110000 {
            if let s = Unicode.Scalar(value), PythonString.isSpace(s) { ours.append(value) }
        }
        XCTAssertEqual(ours, expected)
    }
}
