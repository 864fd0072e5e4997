/// Python `str` operations Django's path and URL handling relies on, reproduced on Swift strings
/// at the level of Unicode scalars (Python's code points), so that Hush names and rewrites exactly
/// as Django does, quirks included.
enum PythonString {
    /// Python's `str.isspace()` (also what `\s` matches in a `str` pattern).
    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0d, 0x1c...0x20, 0x85, 0xa0, 0x1680, 0x2000...0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000:
            return true
        default:
            return false
        }
    }

    /// Python's `str.isalnum()` for one code point, or `_` (what `\w` matches in a `str` pattern).
    static func isWord(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            let v = scalar.value
            return (0x30...0x39).contains(v) || (0x41...0x5a).contains(v) || (0x61...0x7a).contains(v) || v == 0x5f
        }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return true
        default:
            return scalar.properties.numericType != nil
        }
    }

    /// `str.strip()` with no argument.
    static func strip(_ s: String) -> String {
        let scalars = Array(s.unicodeScalars)
        guard let first = scalars.firstIndex(where: { !isSpace($0) }),
            let last = scalars.lastIndex(where: { !isSpace($0) })
        else { return "" }
        return make(scalars[first...last])
    }

    static func make<S: Sequence>(_ scalars: S) -> String where S.Element == Unicode.Scalar {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }

    /// `a.split(sep)` for a one-character separator.
    static func split(_ s: String, _ separator: Unicode.Scalar) -> [String] {
        s.unicodeScalars.split(separator: separator, omittingEmptySubsequences: false).map { make($0) }
    }

    /// `a.split(sep, 1)`, or nil when `sep` does not occur.
    static func splitOnce(_ s: String, _ separator: Unicode.Scalar) -> (String, String)? {
        let scalars = s.unicodeScalars
        guard let index = scalars.firstIndex(of: separator) else { return nil }
        return (make(scalars[..<index]), make(scalars[scalars.index(after: index)...]))
    }

    static func contains(_ s: String, _ scalar: Unicode.Scalar) -> Bool {
        s.unicodeScalars.contains(scalar)
    }

    static func hasPrefix(_ s: String, _ prefix: String) -> Bool {
        s.unicodeScalars.starts(with: prefix.unicodeScalars)
    }

    static func hasSuffix(_ s: String, _ suffix: String) -> Bool {
        s.unicodeScalars.reversed().starts(with: suffix.unicodeScalars.reversed())
    }

    /// `s in t` for substrings.
    static func contains(_ s: String, substring: String) -> Bool {
        let hay = Array(s.utf8)
        let needle = Array(substring.utf8)
        guard needle.count <= hay.count else { return false }
        if needle.isEmpty { return true }
        for start in 0...(hay.count - needle.count) where hay[start] == needle[0] {
            if hay[start..<(start + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }

    /// `name.replace("\\", "/")`, Django's `clean_name`.
    static func replaceBackslashes(_ s: String) -> String {
        guard s.utf8.contains(0x5c) else { return s }
        return String(decoding: s.utf8.map { $0 == 0x5c ? 0x2f : $0 }, as: UTF8.self)
    }

    static func dropPrefix(_ s: String, _ count: Int) -> String {
        make(s.unicodeScalars.dropFirst(count))
    }
}

/// `posixpath` functions, as Django calls them on `/`-separated names.
enum PosixPath {
    /// `posixpath.normpath`.
    static func normpath(_ path: String) -> String {
        if path.isEmpty { return "." }
        var initialSlashes = PythonString.hasPrefix(path, "/") ? 1 : 0
        if initialSlashes == 1 && PythonString.hasPrefix(path, "//") && !PythonString.hasPrefix(path, "///") {
            initialSlashes = 2
        }
        var components: [String] = []
        for component in PythonString.split(path, "/") {
            if component.isEmpty || component == "." { continue }
            if component != ".." || (initialSlashes == 0 && components.isEmpty) || components.last == ".." {
                components.append(component)
            } else if !components.isEmpty {
                components.removeLast()
            }
        }
        let joined = String(repeating: "/", count: initialSlashes) + components.joined(separator: "/")
        return joined.isEmpty ? "." : joined
    }

    /// `posixpath.join(a, b)`.
    static func join(_ a: String, _ b: String) -> String {
        if PythonString.hasPrefix(b, "/") { return b }
        if a.isEmpty || PythonString.hasSuffix(a, "/") { return a + b }
        return a + "/" + b
    }

    /// `posixpath.split`: (head, tail) around the last slash, trailing slashes of head removed
    /// unless head is all slashes.
    static func split(_ path: String) -> (head: String, tail: String) {
        let scalars = Array(path.unicodeScalars)
        let cut = (scalars.lastIndex(of: "/") ?? -1) + 1
        var head = Array(scalars[..<cut])
        let tail = Array(scalars[cut...])
        if !head.isEmpty && !head.allSatisfy({ $0 == "/" }) {
            while head.last == "/" { head.removeLast() }
        }
        return (PythonString.make(head), PythonString.make(tail))
    }

    /// `posixpath.dirname`.
    static func dirname(_ path: String) -> String { split(path).head }
}
