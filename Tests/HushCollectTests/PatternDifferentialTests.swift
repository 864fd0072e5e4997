import Foundation
import XCTest

@testable import HushCollect

/// Hush's matcher against Python's `re` running Django 6.1's own compiled patterns, on inputs
/// built from the tokens that make those patterns branch.
final class PatternDifferentialTests: XCTestCase {
    /// Prints, for each Django pattern, its source; then for each input the matches as UTF-8 byte
    /// offsets: [[start, end, {group: [s, e] | null}], ...].
    static let oracle = #"""
        import json, re, sys
        from django.contrib.staticfiles import storage as st
        rules = {}
        for ext, patterns in st.HashedFilesMixin.patterns + (st.HashedFilesMixin._js_module_import_aggregation_patterns,):
            for p in patterns:
                src = p[0] if isinstance(p, tuple) else p
                rules.setdefault(ext, []).append(src)
        request = json.load(sys.stdin)
        def b(s, i): return len(s[:i].encode())
        out = {"sources": rules, "results": []}
        for source, inputs in request:
            if source == "css_ignored": rx = st._css_ignored_re
            elif source == "js_ignored": rx = st._js_ignored_re
            else: rx = re.compile(source, re.IGNORECASE)
            res = []
            for text in inputs:
                ms = []
                for m in rx.finditer(text):
                    groups = {k: ([b(text, m.start(k)), b(text, m.end(k))] if m.start(k) >= 0 else None) for k in m.groupdict()}
                    ms.append([b(text, m.start()), b(text, m.end()), groups])
                res.append(ms)
            out["results"].append(res)
        print(json.dumps(out))
        """#

    static let tokens = [
        "url(", "URL(", "uRl(", "url(", "(", ")", "'", "\"", " ", "  ", "\t", "\n", "\r\n", "a.png", "x.css", "../",
        "./", "/",
        "?v=1", "#f", "?#iefix", "/*", "*/", "\\", "\\'", "@import", "@IMPORT ", "import", "İmport", "ımport", "from",
        "FROM",
        "export", "{ a, b }", "{", "}", ";", "*", " as ", "aſ", "ns", "é", "😀", "`", "//", "//# sourceMappingURL=",
        "/*# sourceMappingURL=", "sourcemappingurl=", "x.map", " */", "import(", "data:", "http://h/", "\u{a0}",
        "\u{1c}",
    ]

    /// Deterministic pseudo-random inputs (a fixed linear congruential generator).
    static func inputs(count: Int, seed: UInt64) -> [String] {
        var state = seed
        func next() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(state >> 33)
        }
        return (0..<count).map { _ in
            (0..<(3 + next() % 14)).map { _ in tokens[next() % tokens.count] }.joined()
        }
    }

    struct OracleOutput: Decodable {
        let sources: [String: [String]]
        let results: [[[[Value]]]]
    }

    enum Value: Decodable {
        case int(Int)
        case groups([String: [Int]?])
        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let int = try? container.decode(Int.self) {
                self = .int(int)
            } else {
                self = .groups(try container.decode([String: [Int]?].self))
            }
        }
    }

    func oracle(_ requests: [(String, [String])]) throws -> OracleOutput {
        let payload = try JSONSerialization.data(withJSONObject: requests.map { [$0.0, $0.1] })
        let output = try runPython(Self.oracle, input: String(decoding: payload, as: UTF8.self))
        return try JSONDecoder().decode(OracleOutput.self, from: Data(output.utf8))
    }

    func testPatternSourcesAreDjangos() throws {
        let output = try oracle([])
        let ours = (ReferencePatterns.css + ReferencePatterns.javaScript + ReferencePatterns.javaScriptModules).count
        XCTAssertEqual(output.sources["*.css"]?.count, ReferencePatterns.css.count)
        XCTAssertEqual(
            (output.sources["*.js"]?.count ?? 0),
            ReferencePatterns.javaScript.count + ReferencePatterns.javaScriptModules.count
        )
        XCTAssertEqual(ours, 8)
        XCTAssertEqual(output.sources["*.css"] ?? [], ReferencePatterns.cssSources)
        XCTAssertEqual(
            output.sources["*.js"] ?? [],
            ReferencePatterns.javaScriptSources + ReferencePatterns.javaScriptModuleSources
        )
    }

    func testEveryRewritingPatternMatchesLikePythonRe() throws {
        let sources =
            ReferencePatterns.cssSources + ReferencePatterns.javaScriptSources
            + ReferencePatterns.javaScriptModuleSources
        let requests = sources.enumerated().map { ($0.element, Self.inputs(count: 400, seed: UInt64($0.offset + 1))) }
        let output = try oracle(requests)
        for (r, (source, inputs)) in requests.enumerated() {
            let pattern = try BacktrackingPattern(source, ignoreCase: true)
            for (i, text) in inputs.enumerated() {
                let bytes = Array(text.utf8)
                let ours = bytes.withUnsafeBufferPointer { pattern.matches(in: $0) }
                let theirs = output.results[r][i]
                XCTAssertEqual(ours.count, theirs.count, "\(source) on \(text.debugDescription)")
                for (m, expected) in zip(ours, theirs) {
                    guard case .int(let start) = expected[0], case .int(let end) = expected[1],
                        case .groups(let groups) = expected[2]
                    else {
                        return XCTFail("oracle shape")
                    }
                    XCTAssertEqual(m.range, start..<end, "\(source) on \(text.debugDescription)")
                    for (name, range) in groups {
                        let ourRange = m.groups[pattern.groupNames[name]!]
                        XCTAssertEqual(
                            ourRange.map { [$0.lowerBound, $0.upperBound] },
                            range,
                            "group \(name) of \(source) on \(text.debugDescription)"
                        )
                    }
                }
            }
        }
    }

    func testIgnoredBlocksAreDjangos() throws {
        let css = Self.inputs(count: 500, seed: 99)
        let js = Self.inputs(count: 500, seed: 7)
        let output = try oracle([("css_ignored", css), ("js_ignored", js)])
        for (r, (syntax, inputs)) in [(IgnoredBlocks.Syntax.css, css), (.javaScript, js)].enumerated() {
            for (i, text) in inputs.enumerated() {
                let ours = Array(text.utf8).withUnsafeBufferPointer { IgnoredBlocks.find(in: $0, syntax: syntax) }
                let theirs = output.results[r][i].map { m -> Range<Int> in
                    guard case .int(let s) = m[0], case .int(let e) = m[1] else { return 0..<0 }
                    return s..<e
                }
                XCTAssertEqual(ours, theirs, "\(syntax) blocks of \(text.debugDescription)")
            }
        }
    }
}
