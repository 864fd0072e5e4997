/// Turns a request-target into a path inside the file table, or refuses it.
///
/// Paths are percent-decoded exactly once (RFC 3986 §2.1) and must then be valid UTF-8. Bytes
/// that could steer a lookup elsewhere never reach the table: NUL and malformed escapes → 400;
/// `..`/`.` segments, backslashes and encoded slashes → 404. (The table holds only scanned files,
/// so even a path that slipped through could not leave STATIC_ROOT; refusing early keeps the
/// rule visible.)
enum RequestPath {
    /// Where a request-target leads, as views of its bytes: no copy unless it had to be decoded.
    enum Location<Bytes: FieldValueBytes> {
        /// A path below the prefix without leading slash (`css/app.css`; empty for the prefix
        /// itself), the query including its `?` (empty if none), and the path as sent.
        case path(relative: Bytes, query: Bytes, rawPath: Bytes)
        /// The same for a path that was percent-decoded into new bytes.
        case decodedPath(relative: [UInt8], query: Bytes, rawPath: Bytes)
        /// The prefix without its trailing slash (`/static`): redirect to the prefix.
        case prefixWithoutSlash(query: Bytes)
        /// Outside the prefix, or a path that can name no file.
        case notFound
        /// Undecodable.
        case badRequest
    }

    private static let slash = UInt8(ascii: "/"), dot = UInt8(ascii: "."), percent = UInt8(ascii: "%"),
        backslash = UInt8(ascii: "\\"), hash = UInt8(ascii: "#"), question = UInt8(ascii: "?")

    /// Resolves `target` against `prefix` (its UTF-8 bytes, with leading and trailing slash).
    static func locate<Bytes: FieldValueBytes>(target: Bytes, prefix: [UInt8]) -> Location<Bytes> {
        var path = target
        // absolute-form (RFC 9112 §3.2.2): drop scheme and authority.
        if path.first != slash {
            guard let schemeEnd = path.firstIndex(of: UInt8(ascii: ":")),
                FieldBytes.equalsLowercase(path[path.startIndex..<schemeEnd], "http")
                    || FieldBytes.equalsLowercase(path[path.startIndex..<schemeEnd], "https"),
                path[(schemeEnd + 1)...].starts(with: "//".utf8)
            else { return .badRequest }
            let authority = path[(schemeEnd + 3)...]
            guard let start = authority.firstIndex(where: { $0 == slash || $0 == question }), authority[start] == slash
            else {
                // No path at all: the root of the authority, `/`.
                let query = authority.drop { $0 != question }
                return prefix == [slash]
                    ? .decodedPath(relative: [], query: query, rawPath: query[query.startIndex...].prefix(0))
                    : .notFound
            }
            path = authority[start...]
        }
        var query = path[path.endIndex...]
        var hasPercent = false
        // One pass over the path finds the query, escapes, dot-segments and non-ASCII bytes (this
        // runs once per request); a byte that is none of `# % / ? \` costs one mask test.
        var dotSegment = false
        var nonASCII = false
        var segmentStart = path.startIndex
        var i = path.startIndex
        while i < path.endIndex {
            let b = path[i]
            i += 1
            if b >= 0x80 {
                nonASCII = true
                continue
            }
            guard Self.isSpecial(b) else { continue }
            if b == slash {
                if isDotSegment(path, from: segmentStart, to: i - 1) { dotSegment = true }
                segmentStart = i
            } else if b == question {
                query = path[(i - 1)...]
                path = path[path.startIndex..<(i - 1)]
                break
            } else if b == percent {
                hasPercent = true
            } else if b == backslash {
                return .notFound
            } else {
                return .badRequest  // `#`: a fragment is never sent (RFC 9112 §3.2)
            }
        }
        if hasPercent { return locateEncoded(path, query: query, prefix: prefix) }
        // Fast path: nothing to decode.
        if dotSegment || isDotSegment(path, from: segmentStart, to: path.endIndex) { return .notFound }
        switch relativeStart(of: path, prefix: prefix) {
        case .below(let start):
            let relative = path[start...]
            guard !nonASCII || isValidUTF8(relative) else { return .badRequest }
            return .path(relative: relative, query: query, rawPath: path)
        case .bareprefix: return .prefixWithoutSlash(query: query)
        case .outside: return .notFound
        }
    }

    /// Decodes once, then checks what the decoded bytes could do.
    private static func locateEncoded<Bytes: FieldValueBytes>(
        _ path: Bytes,
        query: Bytes,
        prefix: [UInt8]
    ) -> Location<Bytes> {
        var decoded: [UInt8] = []
        decoded.reserveCapacity(path.count)
        var i = path.startIndex
        while i < path.endIndex {
            let b = path[i]
            if b == percent {
                guard i + 2 < path.endIndex, let hi = hexValue(path[i + 1]), let lo = hexValue(path[i + 2]) else {
                    return .badRequest
                }
                let byte = hi << 4 | lo
                // An encoded slash or backslash would name a different path than its segments show.
                if byte == slash || byte == backslash { return .notFound }
                if byte == 0 { return .badRequest }
                decoded.append(byte)
                i += 3
            } else {
                decoded.append(b)
                i += 1
            }
        }
        if hasDotSegment(decoded[...]) { return .notFound }
        switch relativeStart(of: decoded[...], prefix: prefix) {
        case .below(let start):
            let relative = Array(decoded[start...])
            guard isValidUTF8(relative[...]) else { return .badRequest }
            return .decodedPath(relative: relative, query: query, rawPath: path)
        case .bareprefix: return .prefixWithoutSlash(query: query)
        case .outside: return .notFound
        }
    }

    private enum PrefixMatch {
        case below(Int)
        case bareprefix
        case outside
    }

    /// Where the path below `prefix` starts in `decoded`.
    private static func relativeStart<Bytes: FieldValueBytes>(of decoded: Bytes, prefix: [UInt8]) -> PrefixMatch {
        var i = decoded.startIndex
        var n = 0
        while n < prefix.count {
            guard i < decoded.endIndex else {
                // The path ran out inside the prefix: only `/static` for `/static/` is known.
                return n == prefix.count - 1 && prefix[n] == slash ? .bareprefix : .outside
            }
            guard decoded[i] == prefix[n] else { return .outside }
            i += 1
            n += 1
        }
        return .below(i)
    }

    /// Whether `bytes` are valid UTF-8; ASCII (nearly every path) is checked without decoding.
    private static func isValidUTF8<Bytes: FieldValueBytes>(_ bytes: Bytes) -> Bool {
        var i = bytes.startIndex
        while i < bytes.endIndex, bytes[i] < 0x80 { i += 1 }
        return i == bytes.endIndex || String(validating: bytes, as: UTF8.self) != nil
    }

    /// Whether `b` is one of `# % / ? \\`, the bytes the path scan acts on.
    @inline(__always)
    private static func isSpecial(_ b: UInt8) -> Bool {
        // Bits 35 `#`, 37 `%`, 47 `/`, 63 `?`; bit 92 `\\`.
        b < 64 ? UInt64(0x8000_8028_0000_0000) >> b & 1 != 0 : b == backslash
    }

    /// Whether the segment `path[from..<to]` is `.` or `..` (RFC 3986 §3.3 dot-segments).
    @inline(__always)
    private static func isDotSegment<Bytes: FieldValueBytes>(_ path: Bytes, from: Int, to: Int) -> Bool {
        let length = to - from
        guard length == 1 || length == 2, path[from] == dot else { return false }
        return length == 1 || path[from + 1] == dot
    }

    /// Whether any segment is `.` or `..` (RFC 3986 §3.3 dot-segments).
    private static func hasDotSegment<Bytes: FieldValueBytes>(_ path: Bytes) -> Bool {
        var segmentStart = path.startIndex
        var i = path.startIndex
        while i <= path.endIndex {
            if i == path.endIndex || path[i] == slash {
                let length = i - segmentStart
                if length == 1, path[segmentStart] == dot { return true }
                if length == 2, path[segmentStart] == dot, path[segmentStart + 1] == dot { return true }
                segmentStart = i + 1
            }
            i += 1
        }
        return false
    }

    @inline(__always)
    private static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return b - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
