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
        case path(String, query: String, rawPath: String)
        /// The prefix without its trailing slash (`/static`): redirect to the prefix.
        case prefixWithoutSlash(query: String)
        /// Outside the prefix, or a path that can name no file.
        case notFound
        /// Undecodable.
        case badRequest
    }

    static func resolve(target: ArraySlice<UInt8>, prefix: String) -> Resolution {
        var path = target
        // absolute-form (RFC 9112 §3.2.2): drop scheme and authority.
        if path.first != UInt8(ascii: "/") {
            guard let schemeEnd = path.firstIndex(of: UInt8(ascii: ":")),
                  FieldBytes.equalsLowercase(path[path.startIndex..<schemeEnd], "http")
                    || FieldBytes.equalsLowercase(path[path.startIndex..<schemeEnd], "https"),
                  path[(schemeEnd + 1)...].starts(with: "//".utf8)
            else { return .badRequest }
            let authority = path[(schemeEnd + 3)...]
            path = authority.firstIndex(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") }).map { authority[$0...] } ?? []
            if path.isEmpty || path.first == UInt8(ascii: "?") { path = ArraySlice("/".utf8) + path }
        }
        var query: ArraySlice<UInt8> = []
        if let q = path.firstIndex(of: UInt8(ascii: "?")) {
            query = path[q...]
            path = path[path.startIndex..<q]
        }
        if path.contains(UInt8(ascii: "#")) { return .badRequest }

        // Decode once.
        var decoded: [UInt8] = []
        decoded.reserveCapacity(path.count)
        var i = path.startIndex
        while i < path.endIndex {
            let b = path[i]
            if b == UInt8(ascii: "%") {
                guard i + 2 < path.endIndex, let hi = hexValue(path[i + 1]), let lo = hexValue(path[i + 2]) else { return .badRequest }
                let byte = hi << 4 | lo
                // An encoded slash or backslash would name a different path than its segments show.
                if byte == UInt8(ascii: "/") || byte == UInt8(ascii: "\\") { return .notFound }
                decoded.append(byte)
                i += 3
            } else {
                if b == UInt8(ascii: "\\") { return .notFound }
                decoded.append(b)
                i += 1
            }
        }
        if decoded.contains(0) { return .badRequest }
        guard let text = String(validating: decoded, as: UTF8.self) else { return .badRequest }
        for segment in text.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
            if segment.elementsEqual("..".utf8) || segment.elementsEqual(".".utf8) { return .notFound }
        }
        let queryText = String(decoding: query, as: UTF8.self)
        if text.utf8.count + 1 == prefix.utf8.count, prefix.utf8.starts(with: text.utf8) {
            return .prefixWithoutSlash(query: queryText)
        }
        guard text.utf8.starts(with: prefix.utf8) else { return .notFound }
        let rel = String(decoding: decoded.dropFirst(prefix.utf8.count), as: UTF8.self)
        return .path(rel, query: queryText, rawPath: String(decoding: path, as: UTF8.self))
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
