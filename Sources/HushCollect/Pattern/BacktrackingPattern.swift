/// A small backtracking regular-expression matcher with Python `re` semantics, for the handful of
/// patterns Django's `HashedFilesMixin` rewrites references with.
///
/// Why not a general engine: Django's output depends on exactly how Python's backtracking
/// resolves lazy quantifiers, back-references and case-insensitive literals. Swift's `Regex`
/// matches grapheme clusters and folds case differently, and is slow on multi-megabyte bundles.
/// This matcher runs on UTF-8 bytes, steps by code point as Python does, and is checked against
/// Python itself by differential tests. It supports what those patterns use: literals, `.`,
/// `\s`, `\w`, `[...]`/`[^...]`, `*`, `*?`, `{0,1}`, named and non-capturing groups,
/// alternation, `(?P=name)`, `(?m)` with `^`/`$`, and `(?-i:...)`.
struct BacktrackingPattern: Sendable {
    indirect enum Node: Sendable {
        case one(ScalarClass)
        case repetition(ScalarClass, min: Int, max: Int, greedy: Bool)
        case group(Int, [Node])
        case alternation([[Node]])
        case backreference(Int)
        case lineStart
        case lineEnd
    }

    let nodes: [Node]
    /// Group numbers by name; group 0 is the whole match.
    let groupNames: [String: Int]
    let groupCount: Int
    /// Bytes a match can start with (a search skips every other position).
    let startBytes: [Bool]

    /// One match: byte ranges of the whole match and of every group (nil when it did not take part).
    struct Match {
        var groups: [Range<Int>?]
        // Group 0 is the whole match: set for every match the matcher returns (a nil here is a
        // bug in the matcher, never a property of the input).
        // swift-format-ignore: NeverForceUnwrap
        var range: Range<Int> { groups[0]! }
    }

    init(_ source: String, ignoreCase: Bool) throws(PatternSyntaxError) {
        var parser = PatternParser(source: Array(source.unicodeScalars), ignoreCase: ignoreCase)
        let nodes = try parser.parseAll()
        self.nodes = nodes
        self.groupNames = parser.names
        self.groupCount = parser.groupCount + 1
        let first = Self.firstBytes(nodes[...])
        self.startBytes = (0..<256).map { first.set[$0] || first.nullable }
    }

    /// All non-overlapping matches from left to right, as `re.finditer` yields them.
    func matches(in text: UnsafeBufferPointer<UInt8>) -> [Match] {
        var found: [Match] = []
        var position = 0
        while let match = firstMatch(in: text, from: position) {
            found.append(match)
            let range = match.range
            position = range.upperBound > range.lowerBound ? range.upperBound : Self.nextScalar(text, range.lowerBound)
            if position > text.count { break }
        }
        return found
    }

    /// The leftmost match starting at or after `start` (a code point boundary).
    func firstMatch(in text: UnsafeBufferPointer<UInt8>, from start: Int) -> Match? {
        var matcher = Matcher(text: text, captures: [Int](repeating: -1, count: groupCount * 2))
        var position = start
        while position <= text.count {
            if position == text.count || startBytes[Int(text[position])] {
                if let end = matcher.run(nodes, 0, position, nil) {
                    var groups: [Range<Int>?] = [position..<end]
                    for g in 1..<groupCount {
                        let s = matcher.captures[2 * g]
                        let e = matcher.captures[2 * g + 1]
                        groups.append(s >= 0 && e >= s ? s..<e : nil)
                    }
                    return Match(groups: groups)
                }
                for i in matcher.captures.indices { matcher.captures[i] = -1 }
            }
            if position == text.count { break }
            position = Self.nextScalar(text, position)
        }
        return nil
    }

    @inline(__always)
    static func nextScalar(_ text: UnsafeBufferPointer<UInt8>, _ position: Int) -> Int {
        var p = position + 1
        while p < text.count && text[p] & 0xc0 == 0x80 { p += 1 }
        return p
    }

    private static func firstBytes(_ nodes: ArraySlice<Node>) -> (set: [Bool], nullable: Bool) {
        var set = [Bool](repeating: false, count: 256)
        guard let node = nodes.first else { return (set, true) }
        let rest = nodes.dropFirst()
        func add(_ cls: ScalarClass) { for b in 0..<256 where cls.mayStart(with: UInt8(b)) { set[b] = true } }
        func merge(_ other: (set: [Bool], nullable: Bool)) -> Bool {
            for b in 0..<256 where other.set[b] { set[b] = true }
            return other.nullable
        }
        switch node {
        case .one(let cls):
            add(cls)
            return (set, false)
        case .repetition(let cls, let min, _, _):
            add(cls)
            if min > 0 { return (set, false) }
            let nullable = merge(firstBytes(rest))
            return (set, nullable)
        case .group(_, let sub):
            let nullable = merge(firstBytes(sub[...] + rest))
            return (set, nullable)
        case .alternation(let branches):
            var nullable = false
            for branch in branches { nullable = merge(firstBytes(branch[...] + rest)) || nullable }
            return (set, nullable)
        case .lineStart, .lineEnd:
            // Zero-width: what follows decides which bytes can start a match.
            return firstBytes(rest)
        case .backreference:
            // Data-dependent: allow any start and let the matcher decide.
            return ([Bool](repeating: true, count: 256), true)
        }
    }
}

/// Why a pattern could not be compiled (a programming error in Hush, caught by tests).
struct PatternSyntaxError: Error, CustomStringConvertible {
    let message: String
    var description: String { "pattern syntax: \(message)" }
}

/// A continuation: what to match after a group or alternative ends.
private final class Continuation {
    let nodes: [BacktrackingPattern.Node]
    let index: Int
    let closesGroup: Int
    let next: Continuation?

    init(_ nodes: [BacktrackingPattern.Node], _ index: Int, closesGroup: Int, next: Continuation?) {
        self.nodes = nodes
        self.index = index
        self.closesGroup = closesGroup
        self.next = next
    }
}

private struct Matcher {
    let text: UnsafeBufferPointer<UInt8>
    var captures: [Int]

    @inline(__always)
    func scalar(at p: Int) -> (value: UInt32, length: Int) {
        let b0 = text[p]
        if b0 < 0x80 { return (UInt32(b0), 1) }
        if b0 < 0xe0 { return (UInt32(b0 & 0x1f) << 6 | UInt32(text[p + 1] & 0x3f), 2) }
        if b0 < 0xf0 {
            return (UInt32(b0 & 0x0f) << 12 | UInt32(text[p + 1] & 0x3f) << 6 | UInt32(text[p + 2] & 0x3f), 3)
        }
        return (
            UInt32(b0 & 0x07) << 18 | UInt32(text[p + 1] & 0x3f) << 12 | UInt32(text[p + 2] & 0x3f) << 6
                | UInt32(text[p + 3] & 0x3f), 4
        )
    }

    @inline(__always)
    func previousScalar(_ p: Int) -> Int {
        var q = p - 1
        while q > 0 && text[q] & 0xc0 == 0x80 { q -= 1 }
        return q
    }

    /// Matches `nodes[index...]` then the continuation chain at `position`; returns the end of the
    /// whole match, or nil. Captures are restored on failure.
    mutating func run(_ nodes: [BacktrackingPattern.Node], _ index: Int, _ position: Int, _ k: Continuation?) -> Int? {
        var index = index
        var position = position
        while true {
            if index == nodes.count {
                guard let k else { return position }
                if k.closesGroup >= 0 {
                    let slot = 2 * k.closesGroup + 1
                    let saved = captures[slot]
                    captures[slot] = position
                    if let end = run(k.nodes, k.index, position, k.next) { return end }
                    captures[slot] = saved
                    return nil
                }
                return run(k.nodes, k.index, position, k.next)
            }
            switch nodes[index] {
            case .one(let cls):
                guard position < text.count else { return nil }
                let (value, length) = scalar(at: position)
                guard cls.contains(value) else { return nil }
                position += length
                index += 1
            case .repetition(let cls, let min, let max, let greedy):
                return repeatMatch(cls, min, max, greedy, nodes, index + 1, position, k)
            case .group(let g, let sub) where g < 0:
                return run(sub, 0, position, Continuation(nodes, index + 1, closesGroup: -1, next: k))
            case .group(let g, let sub):
                let savedStart = captures[2 * g]
                let savedEnd = captures[2 * g + 1]
                captures[2 * g] = position
                if let end = run(sub, 0, position, Continuation(nodes, index + 1, closesGroup: g, next: k)) {
                    return end
                }
                captures[2 * g] = savedStart
                captures[2 * g + 1] = savedEnd
                return nil
            case .alternation(let branches):
                let after = Continuation(nodes, index + 1, closesGroup: -1, next: k)
                for branch in branches {
                    if let end = run(branch, 0, position, after) { return end }
                }
                return nil
            case .backreference(let g):
                let s = captures[2 * g]
                let e = captures[2 * g + 1]
                guard s >= 0, e >= s else { return nil }
                let length = e - s
                guard position + length <= text.count else { return nil }
                for i in 0..<length where text[s + i] != text[position + i] { return nil }
                position += length
                index += 1
            case .lineStart:
                guard position == 0 || text[position - 1] == 0x0a else { return nil }
                index += 1
            case .lineEnd:
                guard position == text.count || text[position] == 0x0a else { return nil }
                index += 1
            }
        }
    }

    private mutating func repeatMatch(
        _ cls: ScalarClass,
        _ min: Int,
        _ max: Int,
        _ greedy: Bool,
        _ nodes: [BacktrackingPattern.Node],
        _ next: Int,
        _ start: Int,
        _ k: Continuation?
    ) -> Int? {
        var position = start
        var count = 0
        // The mandatory part.
        while count < min {
            guard position < text.count else { return nil }
            let (value, length) = scalar(at: position)
            guard cls.contains(value) else { return nil }
            position += length
            count += 1
        }
        if greedy {
            let floor = position
            while count < max && position < text.count {
                let (value, length) = scalar(at: position)
                guard cls.contains(value) else { break }
                position += length
                count += 1
            }
            while true {
                if let end = run(nodes, next, position, k) { return end }
                if position == floor { return nil }
                position = previousScalar(position)
            }
        } else {
            while true {
                if let end = run(nodes, next, position, k) { return end }
                guard count < max, position < text.count else { return nil }
                let (value, length) = scalar(at: position)
                guard cls.contains(value) else { return nil }
                position += length
                count += 1
            }
        }
    }
}
