/// Parses the subset of Python regular-expression syntax ``BacktrackingPattern`` supports, so
/// that Django's patterns can be written down exactly as Django spells them.
struct PatternParser {
    typealias Node = BacktrackingPattern.Node

    let source: [Unicode.Scalar]
    var position = 0
    var ignoreCase: Bool
    var names: [String: Int] = [:]
    var groupCount = 0

    init(source: [Unicode.Scalar], ignoreCase: Bool) {
        self.source = source
        self.ignoreCase = ignoreCase
    }

    mutating func parseAll() throws(PatternSyntaxError) -> [Node] {
        // A leading global flag group such as `(?m)`: multi-line is the only mode our anchors
        // implement, so it is accepted and `^`/`$` always mean line start/end.
        if source.starts(with: Array("(?m)".unicodeScalars)) { position = 4 }
        let nodes = try parseAlternation()
        guard position == source.count else { throw PatternSyntaxError(message: "unexpected ')' at \(position)") }
        return nodes
    }

    private var atEnd: Bool { position >= source.count }
    private func peek(_ offset: Int = 0) -> Unicode.Scalar? {
        position + offset < source.count ? source[position + offset] : nil
    }

    private mutating func parseAlternation() throws(PatternSyntaxError) -> [Node] {
        var branches: [[Node]] = [try parseSequence()]
        while peek() == "|" {
            position += 1
            branches.append(try parseSequence())
        }
        return branches.count == 1 ? branches[0] : [.alternation(branches)]
    }

    private mutating func parseSequence() throws(PatternSyntaxError) -> [Node] {
        var nodes: [Node] = []
        while let c = peek(), c != "|", c != ")" {
            let atom = try parseAtom()
            nodes.append(try parseQuantifier(on: atom))
        }
        return nodes
    }

    private mutating func parseQuantifier(on atom: Node) throws(PatternSyntaxError) -> Node {
        var bounds: (Int, Int)?
        switch peek() {
        case "*":
            bounds = (0, Int.max)
            position += 1
        case "+":
            bounds = (1, Int.max)
            position += 1
        case "?":
            bounds = (0, 1)
            position += 1
        case "{":
            let rest = String(String.UnicodeScalarView(source[position...]))
            guard let close = rest.firstIndex(of: "}") else { throw PatternSyntaxError(message: "unclosed {") }
            let inner = rest[rest.index(after: rest.startIndex)..<close].split(
                separator: ",",
                omittingEmptySubsequences: false
            )
            guard inner.count == 2, let lo = Int(inner[0]), let hi = Int(inner[1]) else {
                throw PatternSyntaxError(message: "unsupported {m,n}")
            }
            bounds = (lo, hi)
            position += rest.distance(from: rest.startIndex, to: close) + 1
        default: break
        }
        guard let (lo, hi) = bounds else { return atom }
        var greedy = true
        if peek() == "?" {
            greedy = false
            position += 1
        }
        guard case .one(let cls) = atom else { throw PatternSyntaxError(message: "only single characters repeat") }
        return .repetition(cls, min: lo, max: hi, greedy: greedy)
    }

    private mutating func parseAtom() throws(PatternSyntaxError) -> Node {
        guard let c = peek() else { throw PatternSyntaxError(message: "unexpected end") }
        position += 1
        switch c {
        case ".": return .one(.dot)
        case "^": return .lineStart
        case "$": return .lineEnd
        case "[": return .one(try parseClass())
        case "\\": return .one(try parseEscape())
        case "(": return try parseGroup()
        // A quantifier with nothing before it is Python's "nothing to repeat", not a literal.
        case "*", "+", "?": throw PatternSyntaxError(message: "nothing to repeat at \(position - 1)")
        default: return .one(.literal(c, ignoreCase: ignoreCase))
        }
    }

    private mutating func parseEscape() throws(PatternSyntaxError) -> ScalarClass {
        guard let c = peek() else { throw PatternSyntaxError(message: "trailing backslash") }
        position += 1
        switch c {
        case "s": return .space
        case "w": return .word
        case "n": return .of("\n")
        case "t": return .of("\t")
        default: return .literal(c, ignoreCase: ignoreCase)
        }
    }

    private mutating func parseClass() throws(PatternSyntaxError) -> ScalarClass {
        var negated = false
        if peek() == "^" {
            negated = true
            position += 1
        }
        var members = ScalarClass()
        var first = true
        while let c = peek(), c != "]" || first {
            first = false
            position += 1
            var member: ScalarClass
            if c == "\\" {
                member = try parseEscape()
            } else {
                guard c.isASCII else { throw PatternSyntaxError(message: "non-ASCII in class") }
                member = .literal(c, ignoreCase: ignoreCase)
            }
            members.low |= member.low
            members.high |= member.high
            if member.nonASCII != .none { members.nonASCII = member.nonASCII }
        }
        guard peek() == "]" else { throw PatternSyntaxError(message: "unclosed [") }
        position += 1
        guard negated else { return members }
        guard members.nonASCII == .none else { throw PatternSyntaxError(message: "negated class with \\s or \\w") }
        return ScalarClass(low: ~members.low, high: ~members.high, nonASCII: .any)
    }

    private mutating func parseGroup() throws(PatternSyntaxError) -> Node {
        var capture: Int?
        let savedIgnoreCase = ignoreCase
        if peek() == "?" {
            position += 1
            if peek() == "P" && peek(1) == "<" {
                position += 2
                var name = ""
                while let c = peek(), c != ">" {
                    name.unicodeScalars.append(c)
                    position += 1
                }
                position += 1
                groupCount += 1
                names[name] = groupCount
                capture = groupCount
            } else if peek() == "P" && peek(1) == "=" {
                position += 2
                var name = ""
                while let c = peek(), c != ")" {
                    name.unicodeScalars.append(c)
                    position += 1
                }
                position += 1
                guard let group = names[name] else { throw PatternSyntaxError(message: "unknown group \(name)") }
                return .backreference(group)
            } else if peek() == ":" {
                position += 1
            } else if peek() == "-" && peek(1) == "i" && peek(2) == ":" {
                position += 3
                ignoreCase = false
            } else {
                throw PatternSyntaxError(message: "unsupported group at \(position)")
            }
        } else {
            groupCount += 1
            capture = groupCount
        }
        let inner = try parseAlternation()
        ignoreCase = savedIgnoreCase
        guard peek() == ")" else { throw PatternSyntaxError(message: "unclosed (") }
        position += 1
        if let capture { return .group(capture, inner) }
        return inner.count == 1 ? inner[0] : .group(-1, inner)
    }
}
