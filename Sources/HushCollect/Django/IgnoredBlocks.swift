/// The stretches of a file Django 6.1 leaves alone when it rewrites references: comments,
/// escape sequences and string literals (`_css_ignored_re` / `_js_ignored_re`).
///
/// Django finds them with `re.finditer` over an alternation; the alternatives are simple enough
/// that a direct scanner gives the very same spans, leftmost first, alternatives tried in order,
/// without a regex engine (and without recursion on long strings).
enum IgnoredBlocks {
    enum Syntax: Sendable {
        /// `/* … */`, `\x`, `'…'`, `"…"`.
        case css
        /// The CSS set plus `// …` line comments and `` `…` `` template literals.
        case javaScript
    }

    /// Sorted, non-overlapping byte ranges of every ignored block in `text`.
    static func find(in text: UnsafeBufferPointer<UInt8>, syntax: Syntax) -> [Range<Int>] {
        var blocks: [Range<Int>] = []
        var p = 0
        let n = text.count
        while p < n {
            if let end = blockEnd(text, p, syntax) {
                blocks.append(p..<end)
                p = end
            } else {
                p = BacktrackingPattern.nextScalar(text, p)
            }
        }
        return blocks
    }

    /// Whether a match starting at `position` lies strictly inside a block
    /// (Django's `is_in_ignored_block`: `start < pos < end`).
    static func contains(_ blocks: [Range<Int>], _ position: Int) -> Bool {
        var lo = 0
        var hi = blocks.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if blocks[mid].lowerBound < position { lo = mid + 1 } else { hi = mid }
        }
        // blocks[lo - 1] is the last block starting before `position`.
        return lo > 0 && position < blocks[lo - 1].upperBound
    }

    private static func scalarLength(_ byte: UInt8) -> Int {
        byte < 0x80 ? 1 : byte < 0xe0 ? 2 : byte < 0xf0 ? 3 : 4
    }

    private static func blockEnd(_ text: UnsafeBufferPointer<UInt8>, _ p: Int, _ syntax: Syntax) -> Int? {
        let n = text.count
        let c = text[p]
        switch c {
        case UInt8(ascii: "/"):
            guard p + 1 < n else { return nil }
            if text[p + 1] == UInt8(ascii: "*") {
                // /\*.*?\*/ with DOTALL: the first "*/" after the opener.
                var q = p + 2
                while q + 1 < n {
                    if text[q] == UInt8(ascii: "*") && text[q + 1] == UInt8(ascii: "/") { return q + 2 }
                    q += 1
                }
                return nil
            }
            if syntax == .javaScript && text[p + 1] == UInt8(ascii: "/") {
                var q = p + 2
                while q < n && text[q] != 0x0a { q += 1 }
                return q
            }
            return nil
        case UInt8(ascii: "\\"):
            guard p + 1 < n else { return nil }
            return p + 1 + scalarLength(text[p + 1])
        case UInt8(ascii: "'"), UInt8(ascii: "\""):
            return stringEnd(text, p, quote: c, newlineAllowed: false)
        case UInt8(ascii: "`") where syntax == .javaScript:
            return stringEnd(text, p, quote: c, newlineAllowed: true)
        default:
            return nil
        }
    }

    /// `Q(?:[^Q\\\n]|\\.)*Q` (the template literal form allows newlines).
    private static func stringEnd(
        _ text: UnsafeBufferPointer<UInt8>,
        _ p: Int,
        quote: UInt8,
        newlineAllowed: Bool
    ) -> Int? {
        let n = text.count
        var q = p + 1
        while q < n {
            let c = text[q]
            if c == quote { return q + 1 }
            if c == UInt8(ascii: "\\") {
                guard q + 1 < n else { return nil }
                q += 1 + scalarLength(text[q + 1])
                continue
            }
            if c == 0x0a && !newlineAllowed { return nil }
            q += 1
        }
        return nil
    }
}
