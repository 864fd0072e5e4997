/// Python's `fnmatch.fnmatchcase`: `*` (any run, `/` included), `?`, `[seq]`, `[!seq]`, matched
/// against the whole name, case-sensitively. Django matches ignore patterns with it.
enum Glob {
    static func matches(_ name: String, _ pattern: String) -> Bool {
        let n = Array(name.unicodeScalars)
        let p = Array(pattern.unicodeScalars)
        return match(n[...], p[...])
    }

    private static func match(_ name: ArraySlice<Unicode.Scalar>, _ pattern: ArraySlice<Unicode.Scalar>) -> Bool {
        var name = name
        var pattern = pattern
        while let c = pattern.first {
            switch c {
            case "*":
                pattern = pattern.dropFirst()
                while pattern.first == "*" { pattern = pattern.dropFirst() }
                if pattern.isEmpty { return true }
                var rest = name
                while true {
                    if match(rest, pattern) { return true }
                    if rest.isEmpty { return false }
                    rest = rest.dropFirst()
                }
            case "?":
                guard !name.isEmpty else { return false }
                name = name.dropFirst()
                pattern = pattern.dropFirst()
            case "[":
                guard let (matcher, after) = bracket(pattern) else {
                    guard name.first == "[" else { return false }
                    name = name.dropFirst()
                    pattern = pattern.dropFirst()
                    continue
                }
                guard let first = name.first, matcher(first) else { return false }
                name = name.dropFirst()
                pattern = after
            default:
                guard name.first == c else { return false }
                name = name.dropFirst()
                pattern = pattern.dropFirst()
            }
        }
        return name.isEmpty
    }

    /// Parses `[...]` at the start of `pattern` as `fnmatch.translate` does; nil when unclosed
    /// (then `[` is literal).
    private static func bracket(
        _ pattern: ArraySlice<Unicode.Scalar>
    ) -> ((Unicode.Scalar) -> Bool, ArraySlice<Unicode.Scalar>)? {
        var i = pattern.startIndex + 1
        if i < pattern.endIndex && pattern[i] == "!" { i += 1 }
        if i < pattern.endIndex && pattern[i] == "]" { i += 1 }
        while i < pattern.endIndex && pattern[i] != "]" { i += 1 }
        guard i < pattern.endIndex else { return nil }
        var body = Array(pattern[(pattern.startIndex + 1)..<i])
        let negated = body.first == "!"
        if negated { body.removeFirst() }
        var ranges: [ClosedRange<UInt32>] = []
        var j = 0
        while j < body.count {
            if j + 2 < body.count && body[j + 1] == "-" {
                if body[j].value <= body[j + 2].value { ranges.append(body[j].value...body[j + 2].value) }
                j += 3
            } else {
                ranges.append(body[j].value...body[j].value)
                j += 1
            }
        }
        let matcher: (Unicode.Scalar) -> Bool = { c in ranges.contains { $0.contains(c.value) } != negated }
        return (matcher, pattern[(i + 1)...])
    }
}
