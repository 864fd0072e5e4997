/// The parts of Python's `urllib.parse` (3.12/3.13) that Django's `HashedFilesMixin` runs every
/// reference through. Reproduced step by step, because their quirks (a `?` that survives
/// `urldefrag`, a double `unquote`, control characters dropped by `urlsplit`) decide the exact
/// bytes Django writes.
enum PythonURL {
    struct SplitResult: Equatable {
        var scheme = "", netloc = "", path = "", query = "", fragment = ""
    }

    private static let schemeChars = Set(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.".unicodeScalars
    )
    private static let usesNetloc: Set<String> = [
        "", "ftp", "http", "gopher", "nntp", "telnet", "imap", "wais", "file", "mms", "https", "shttp",
        "snews", "prospero", "rtsp", "rtsps", "rtspu", "rsync", "svn", "svn+ssh", "sftp", "nfs", "git",
        "git+ssh", "ws", "wss", "itms-services",
    ]
    private static let usesRelative: Set<String> = [
        "", "ftp", "http", "gopher", "nntp", "imap", "wais", "file", "https", "shttp", "mms", "prospero",
        "rtsp", "rtsps", "rtspu", "sftp", "svn", "svn+ssh", "ws", "wss",
    ]
    private static let usesParams: Set<String> = [
        "", "ftp", "hdl", "prospero", "http", "imap", "https", "shttp", "rtsp", "rtsps", "rtspu", "sip",
        "sips", "mms", "sftp", "tel",
    ]

    /// `urllib.parse.urlsplit(url)`. Python raises for malformed IPv6 netlocs; Django's
    /// references never reach that branch with a netloc (protocol-relative URLs are left alone).
    static func urlsplit(_ input: String) -> SplitResult {
        var scalars = Array(input.unicodeScalars)
        // lstrip WHATWG C0 control or space, then drop tab/CR/LF anywhere.
        while let first = scalars.first, first.value <= 0x20 { scalars.removeFirst() }
        scalars.removeAll { $0 == "\t" || $0 == "\r" || $0 == "\n" }
        var result = SplitResult()
        if let colon = scalars.firstIndex(of: ":"), colon > 0, scalars[0].isASCII,
            scalars[0].properties.isAlphabetic,
            scalars[..<colon].allSatisfy({ schemeChars.contains($0) })
        {
            result.scheme = PythonString.make(scalars[..<colon]).lowercased()
            scalars = Array(scalars[(colon + 1)...])
        }
        if scalars.count >= 2 && scalars[0] == "/" && scalars[1] == "/" {
            var delimiter = scalars.count
            for c: Unicode.Scalar in ["/", "?", "#"] {
                if let found = scalars[2...].firstIndex(of: c) { delimiter = min(delimiter, found) }
            }
            result.netloc = PythonString.make(scalars[2..<delimiter])
            scalars = Array(scalars[delimiter...])
        }
        if let hash = scalars.firstIndex(of: "#") {
            result.fragment = PythonString.make(scalars[(hash + 1)...])
            scalars = Array(scalars[..<hash])
        }
        if let question = scalars.firstIndex(of: "?") {
            result.query = PythonString.make(scalars[(question + 1)...])
            scalars = Array(scalars[..<question])
        }
        result.path = PythonString.make(scalars)
        return result
    }

    /// `urllib.parse.urlunsplit`.
    static func urlunsplit(_ parts: SplitResult) -> String {
        var url = parts.path
        if !parts.netloc.isEmpty {
            if !url.isEmpty && !PythonString.hasPrefix(url, "/") { url = "/" + url }
            url = "//" + parts.netloc + url
        } else if PythonString.hasPrefix(url, "//") {
            url = "//" + url
        } else if !parts.scheme.isEmpty && usesNetloc.contains(parts.scheme)
            && (url.isEmpty || PythonString.hasPrefix(url, "/"))
        {
            url = "//" + url
        }
        if !parts.scheme.isEmpty { url = parts.scheme + ":" + url }
        if !parts.query.isEmpty { url += "?" + parts.query }
        if !parts.fragment.isEmpty { url += "#" + parts.fragment }
        return url
    }

    /// `urlparse` + `urlunparse` without the fragment: what `urldefrag` keeps.
    private static func parse(_ url: String, defaultScheme: String = "") -> (split: SplitResult, params: String) {
        var split = urlsplit(url)
        if split.scheme.isEmpty { split.scheme = defaultScheme }
        var params = ""
        if usesParams.contains(split.scheme) && PythonString.contains(split.path, ";") {
            let scalars = Array(split.path.unicodeScalars)
            var cut: Int?
            if let slash = scalars.lastIndex(of: "/") {
                cut = scalars[slash...].firstIndex(of: ";")
            } else {
                cut = scalars.firstIndex(of: ";")
            }
            if let cut {
                params = PythonString.make(scalars[(cut + 1)...])
                split.path = PythonString.make(scalars[..<cut])
            }
        }
        return (split, params)
    }

    private static func unparse(_ split: SplitResult, params: String) -> String {
        var copy = split
        if !params.isEmpty { copy.path += ";" + params }
        return urlunsplit(copy)
    }

    /// `urllib.parse.urldefrag(url)`: (url without fragment, fragment).
    static func urldefrag(_ url: String) -> (url: String, fragment: String) {
        guard PythonString.contains(url, "#") else { return (url, "") }
        var (split, params) = parse(url)
        let fragment = split.fragment
        split.fragment = ""
        return (unparse(split, params: params), fragment)
    }

    /// `urllib.parse.urljoin(base, url)`.
    static func urljoin(_ base: String, _ url: String) -> String {
        if base.isEmpty { return url }
        if url.isEmpty { return base }
        let (b, bparams) = parse(base)
        var (u, params) = parse(url, defaultScheme: b.scheme)
        if u.scheme != b.scheme || !usesRelative.contains(u.scheme) { return url }
        if usesNetloc.contains(u.scheme) {
            if !u.netloc.isEmpty { return unparse(u, params: params) }
            u.netloc = b.netloc
        }
        if u.path.isEmpty && params.isEmpty {
            u.path = b.path
            params = bparams
            if u.query.isEmpty { u.query = b.query }
            return unparse(u, params: params)
        }
        var baseParts = PythonString.split(b.path, "/")
        if baseParts.last != "" { baseParts.removeLast() }
        var segments: [String]
        if PythonString.hasPrefix(u.path, "/") {
            segments = PythonString.split(u.path, "/")
        } else {
            segments = baseParts + PythonString.split(u.path, "/")
            if segments.count > 2 {
                let middle = segments[1..<(segments.count - 1)].filter { !$0.isEmpty }
                segments = [segments[0]] + middle + [segments[segments.count - 1]]
            }
        }
        var resolved: [String] = []
        for segment in segments {
            if segment == ".." {
                if !resolved.isEmpty { resolved.removeLast() }
            } else if segment == "." {
                continue
            } else {
                resolved.append(segment)
            }
        }
        if let last = segments.last, last == "." || last == ".." { resolved.append("") }
        let joined = resolved.joined(separator: "/")
        u.path = joined.isEmpty ? "/" : joined
        return unparse(u, params: params)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: return byte - 0x30
        case 0x41...0x46: return byte - 0x41 + 10
        case 0x61...0x66: return byte - 0x61 + 10
        default: return nil
        }
    }

    /// `urllib.parse.unquote(s)`: `%XX` decoded within each run of ASCII characters, each run's
    /// bytes decoded as UTF-8 with U+FFFD for invalid sequences (`errors="replace"`).
    static func unquote(_ s: String) -> String {
        guard PythonString.contains(s, "%") else { return s }
        var out = ""
        var run: [UInt8] = []
        func flushRun() {
            guard !run.isEmpty else { return }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(run.count)
            var i = 0
            while i < run.count {
                if run[i] == 0x25, i + 2 < run.count, let hi = hexValue(run[i + 1]), let lo = hexValue(run[i + 2]) {
                    bytes.append(hi << 4 | lo)
                    i += 3
                } else {
                    bytes.append(run[i])
                    i += 1
                }
            }
            out += String(decoding: bytes, as: UTF8.self)
            run.removeAll(keepingCapacity: true)
        }
        for scalar in s.unicodeScalars {
            if scalar.isASCII {
                run.append(UInt8(scalar.value))
            } else {
                flushRun()
                out.unicodeScalars.append(scalar)
            }
        }
        flushRun()
        return out
    }

    private static let alwaysSafe = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~".utf8)
    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    /// `urllib.parse.quote(s, safe)`.
    static func quote(_ s: String, safe: String) -> String {
        let safeBytes = alwaysSafe.union(safe.utf8)
        var out: [UInt8] = []
        for byte in s.utf8 {
            if safeBytes.contains(byte) {
                out.append(byte)
            } else {
                out += [0x25, hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xf)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
