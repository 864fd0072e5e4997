/// libFuzzer target: the backtracking matcher with Python `re` semantics (Pattern/).
///
/// Two uses of every input. (1) Django's fixed reference patterns search the whole input as a
/// file's text. (2) The input's first line, if it compiles, is a pattern of its own (at most 24
/// code points and 3 repetitions, so backtracking stays bounded) searching the rest (at most
/// 128 bytes). Invalid UTF-8 is skipped, as the collector refuses it. Checked beyond "no crash":
/// - matches lie inside the text, start on code point boundaries, come in order without
///   overlapping, and every group lies inside its match;
/// - the matcher agrees with itself: `firstMatch` from a match's start finds that same match
///   with the same groups, the first of `matches` is `firstMatch` from 0, and a pattern wrapped
///   in `(?:…)` or `(…)` finds the same matches as the pattern itself.

private let djangoRules = ReferencePatterns.css + ReferencePatterns.javaScript + ReferencePatterns.javaScriptModules

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPattern(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: count))
    guard let text = String(validating: input, as: UTF8.self) else { return 0 }
    input.withUnsafeBufferPointer { buffer in
        for rule in djangoRules { check(rule.pattern, in: buffer) }
    }
    // (2) An arbitrary pattern: "PATTERN\nTEXT".
    guard let newline = text.firstIndex(of: "\n") else { return 0 }
    var source = String(text[..<newline])
    let subject = Array(text[text.index(after: newline)...].utf8.prefix(128))
    guard source.unicodeScalars.count <= 24, source.filter({ "*+?{".contains($0) }).count <= 3,
        String(validating: subject, as: UTF8.self) != nil
    else { return 0 }
    let ignoreCase = source.hasPrefix("i")
    guard let pattern = try? BacktrackingPattern(source, ignoreCase: ignoreCase) else { return 0 }
    let found = subject.withUnsafeBufferPointer { buffer in check(pattern, in: buffer) }
    // The leading (?m) is a global flag only at the very start; it stays outside the wrapper.
    var flag = ""
    if source.hasPrefix("(?m)") {
        flag = "(?m)"
        source.removeFirst(4)
    }
    for wrapped in [flag + "(?:" + source + ")", flag + "(" + source + ")"] {
        guard let other = try? BacktrackingPattern(wrapped, ignoreCase: ignoreCase) else {
            require(false, "\(source) compiles but \(wrapped) does not")
            return 0
        }
        let again = subject.withUnsafeBufferPointer { buffer in check(other, in: buffer) }
        require(again == found, "\(wrapped) matches \(again), \(source) matches \(found)")
    }
    return 0
}

/// Checks the matches of `pattern` in `text` and returns their ranges.
@discardableResult
private func check(_ pattern: BacktrackingPattern, in text: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
    let matches = pattern.matches(in: text)
    var previousEnd = 0
    for (n, match) in matches.enumerated() {
        let range = match.range
        require(
            range.lowerBound >= previousEnd && range.upperBound <= text.count,
            "match \(range) out of order or outside \(text.count) bytes"
        )
        require(
            range.lowerBound == text.count || text[range.lowerBound] & 0xc0 != 0x80,
            "match \(range) starts inside a code point"
        )
        require(
            range.upperBound == text.count || text[range.upperBound] & 0xc0 != 0x80,
            "match \(range) ends inside a code point"
        )
        require(
            match.groups.count == pattern.groupCount,
            "\(match.groups.count) groups, pattern has \(pattern.groupCount)"
        )
        for case let group? in match.groups {
            require(
                group.lowerBound >= range.lowerBound && group.upperBound <= range.upperBound,
                "group \(group) outside match \(range)"
            )
        }
        // Only the first few: each costs a search.
        if n < 8 {
            let again = pattern.firstMatch(in: text, from: range.lowerBound)
            require(
                again?.groups == match.groups,
                "firstMatch from \(range.lowerBound) gives \(String(describing: again?.groups)), matches gave \(match.groups)"
            )
        }
        previousEnd = range.upperBound
    }
    require(
        pattern.firstMatch(in: text, from: 0)?.groups == matches.first?.groups,
        "firstMatch from 0 differs from the first of matches"
    )
    return matches.map(\.range)
}
