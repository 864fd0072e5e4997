/// Turns a request-target into a path inside the file table, or refuses it.
///
/// Paths are percent-decoded exactly once (RFC 3986 §2.1) and must then be valid UTF-8. Bytes
/// that could steer a lookup elsewhere never reach the table: NUL and malformed escapes → 400;
/// `..`/`.` segments, backslashes and encoded slashes → 404. (The table holds only scanned files,
/// so even a path that slipped through could not leave STATIC_ROOT; refusing early keeps the
/// rule visible.)
enum RequestPath {
    enum Resolution: Equatable {
        /// A path below the prefix, without leading slash (`css/app.css`; `""` for the prefix
        /// itself), the query including its `?` (empty if none), and the path as sent (still
        /// percent-encoded, safe to echo in a `Location`).
        case path(String, query: ArraySlice<UInt8>, rawPath: ArraySlice<UInt8>)
        /// The prefix without its trailing slash (`/static`): redirect to the prefix.
        case prefixWithoutSlash(query: ArraySlice<UInt8>)
        /// Outside the prefix, or a path that can name no file.
        case notFound
        /// Undecodable.
        case badRequest
    }

    private static let slash = UInt8(ascii: "/"), dot = UInt8(ascii: "."), percent = UInt8(ascii: "%"),
                       backslash = UInt8(ascii: "\\"), hash = UInt8(ascii: "#"), question = UInt8(ascii: "?")

    static func resolve(target: ArraySlice<UInt8>, prefix: String) -> Resolution {
        var path = target
        // absolute-form (RFC 9112 §3.2.2): drop scheme and authority.
        if path.first != slash {
            guard let schemeEnd = path.firstIndex(of: UInt8(ascii: ":")),
                  FieldBytes.equalsLowercase(path[path.startIndex..<schemeEnd], "http")
                    || FieldBytes.equalsLowercase(path[path.startIndex..<schemeEnd], "https"),
                  path[(schemeEnd + 1)...].starts(with: "//".utf8)
            else { return .badRequest }
            let authority = path[(schemeEnd + 3)...]
            guard let start = authority.firstIndex(where: { $0 == slash || $0 == question }), authority[start] == slash else {
                // No path at all: the root of the authority.
                return resolve(target: ArraySlice("/".utf8) + authority.drop { $0 != question }, prefix: prefix)
            }
            path = authority[start...]
        }
        var query: ArraySlice<UInt8> = []
        var hasPercent = false
        for i in path.indices {
            let b = path[i]
            if b == question {
                query = path[i...]
                path = path[path.startIndex..<i]
                break
            }
            if b == percent { hasPercent = true } else if b == backslash { return .notFound } else if b == hash { return .badRequest }
        }
        if hasPercent { return resolveEncoded(path, query: query, prefix: prefix) }
        // Fast path: nothing to decode.
        if hasDotSegment(path) { return .notFound }
        return locate(decoded: path, rawPath: path, query: query, prefix: prefix)
    }

    /// Decodes once, then checks what the decoded bytes could do.
    private static func resolveEncoded(_ path: ArraySlice<UInt8>, query: ArraySlice<UInt8>, prefix: String) -> Resolution {
        var decoded: [UInt8] = []
        decoded.reserveCapacity(path.count)
        var i = path.startIndex
        while i < path.endIndex {
            let b = path[i]
            if b == percent {
                guard i + 2 < path.endIndex, let hi = hexValue(path[i + 1]), let lo = hexValue(path[i + 2]) else { return .badRequest }
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
        return locate(decoded: decoded[...], rawPath: path, query: query, prefix: prefix)
    }

    private static func locate(decoded: ArraySlice<UInt8>, rawPath: ArraySlice<UInt8>, query: ArraySlice<UInt8>, prefix: String) -> Resolution {
        var prefixBytes = prefix.utf8.makeIterator()
        var i = decoded.startIndex
        while let p = prefixBytes.next() {
            guard i < decoded.endIndex else {
                // The path ran out inside the prefix: only `/static` for `/static/` is known.
                return prefixBytes.next() == nil && p == slash ? .prefixWithoutSlash(query: query) : .notFound
            }
            guard decoded[i] == p else { return .notFound }
            i += 1
        }
        guard let rel = String(validating: decoded[i...], as: UTF8.self) else { return .badRequest }
        return .path(rel, query: query, rawPath: rawPath)
    }

    /// Whether any segment is `.` or `..` (RFC 3986 §3.3 dot-segments).
    private static func hasDotSegment(_ path: ArraySlice<UInt8>) -> Bool {
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
