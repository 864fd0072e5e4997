/// Reads request heads from the bytes a connection has received (RFC 9112 §2–§5), strictly
/// enough that nothing ambiguous reaches the file lookup, and within fixed size limits.
enum RequestParser {
    /// Largest request line; longer → 414 (RFC 9112 §3: servers must handle at least 8000 octets).
    static let maxRequestLine = 8 << 10
    /// Largest request head; larger → 431 (RFC 6585 §5).
    static let maxHead = 16 << 10

    enum Failure: Error, Equatable {
        /// 400: syntax the server will not guess at; the connection closes.
        case badRequest
        /// 414: request line over ``maxRequestLine``.
        case uriTooLong
        /// 431: head over ``maxHead``.
        case headTooLarge
        /// 505: a major version other than 1.
        case versionNotSupported
    }

    enum Result {
        /// More bytes are needed.
        case incomplete
        /// A head, and how many bytes it took (including the empty line ending it).
        case complete(RequestHead, consumed: Int)
        case failure(Failure)
    }

    private static let cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n"), sp = UInt8(ascii: " "),
                       colon = UInt8(ascii: ":"), tab = UInt8(ascii: "\t")

    /// Parses one head from the start of `bytes`.
    static func parse(_ bytes: UnsafeRawBufferPointer) -> Result {
        // RFC 9112 §2.2: ignore empty lines before the request line (a few, not unboundedly).
        var start = 0
        while start < min(bytes.count, 8) {
            if bytes[start] == lf { start += 1 } else if bytes[start] == cr, start + 1 < bytes.count, bytes[start + 1] == lf { start += 2 } else { break }
        }
        // Find the empty line that ends the head, accepting bare LF as a line end (§2.2).
        var lineStart = start
        var requestLineEnd = -1
        var end = -1
        var i = start
        let limit = min(bytes.count, start + maxHead + 2)
        while i < limit {
            guard let nl = memchrIndex(bytes, lf, from: i, to: limit) else { break }
            if requestLineEnd < 0 {
                requestLineEnd = nl
                if nl - start > maxRequestLine { return .failure(.uriTooLong) }
            } else if nl == lineStart || (nl == lineStart + 1 && bytes[lineStart] == cr) {
                end = nl + 1
                break
            }
            lineStart = nl + 1
            i = nl + 1
        }
        if end < 0 {
            if requestLineEnd < 0, bytes.count - start > maxRequestLine { return .failure(.uriTooLong) }
            if bytes.count - start > maxHead { return .failure(.headTooLarge) }
            return .incomplete
        }
        if end - start > maxHead + 2 { return .failure(.headTooLarge) }
        let head = Array(UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
        switch parseHead(head) {
        case .success(let request): return .complete(request, consumed: end)
        case .failure(let failure): return .failure(failure)
        }
    }

    @inline(__always)
    private static func memchrIndex(_ bytes: UnsafeRawBufferPointer, _ byte: UInt8, from: Int, to: Int) -> Int? {
        guard from < to, let base = bytes.baseAddress else { return nil }
        guard let hit = memchr(base + from, Int32(byte), to - from) else { return nil }
        return base.distance(to: UnsafeRawPointer(hit))
    }

    /// Splits a complete head into its lines and fields, walking indices (no intermediate arrays:
    /// this runs once per request).
    static func parseHead(_ head: [UInt8]) -> Swift.Result<RequestHead, Failure> {
        var request = RequestHead()
        let all = head[...]
        var cursor = all.startIndex
        /// The next line without its terminator, or nil at the end.
        func nextLine() -> ArraySlice<UInt8>? {
            guard cursor < all.endIndex else { return nil }
            var end = cursor
            while end < all.endIndex, all[end] != lf { end += 1 }
            var line = all[cursor..<end]
            cursor = end + 1
            if line.last == cr { line = line.dropLast() }
            return line
        }
        guard let line = nextLine() else { return .failure(.badRequest) }
        // request-line = method SP request-target SP HTTP-version (§3)
        guard let sp1 = line.firstIndex(of: sp) else { return .failure(.badRequest) }
        let afterMethod = line[(sp1 + 1)...]
        guard let sp2 = afterMethod.firstIndex(of: sp) else { return .failure(.badRequest) }
        let method = line[line.startIndex..<sp1], target = line[(sp1 + 1)..<sp2], version = line[(sp2 + 1)...]
        guard !method.isEmpty, !target.isEmpty else { return .failure(.badRequest) }
        for b in method where !isTokenByte(b) { return .failure(.badRequest) }
        for b in target where b <= 0x20 || b == 0x7f { return .failure(.badRequest) }
        request.methodText = method
        request.target = target
        if method.elementsEqual("GET".utf8) { request.method = .get } else if method.elementsEqual("HEAD".utf8) { request.method = .head }
        // HTTP-version = "HTTP/" DIGIT "." DIGIT (§2.3)
        let v = version.startIndex
        guard version.count == 8, version[v] == UInt8(ascii: "H"), version[v + 1] == UInt8(ascii: "T"),
              version[v + 2] == UInt8(ascii: "T"), version[v + 3] == UInt8(ascii: "P"), version[v + 4] == UInt8(ascii: "/"),
              let major = digit(version[v + 5]), version[v + 6] == UInt8(ascii: "."), let minor = digit(version[v + 7])
        else { return .failure(.badRequest) }
        guard major == 1 else { return .failure(major == 0 ? .badRequest : .versionNotSupported) }
        request.versionMinor = minor

        var hosts = 0
        var rangeCount = 0
        while let field = nextLine() {
            if field.isEmpty { break }
            // obs-fold (§5.2) and whitespace before the colon (§5.1) are rejected with 400.
            guard let first = field.first, first != sp, first != tab,
                  let colon = field.firstIndex(of: colon), colon > field.startIndex
            else { return .failure(.badRequest) }
            let name = field[field.startIndex..<colon]
            for b in name where !isTokenByte(b) { return .failure(.badRequest) }
            let value = FieldBytes.trimmed(field[(colon + 1)...])
            // No NUL, bare CR or other controls but HTAB in a value (§5.5).
            for b in value where (b < 0x20 && b != tab) || b == 0x7f { return .failure(.badRequest) }
            switch name.count {
            case 4 where FieldBytes.equalsLowercase(name, "host"):
                hosts += 1
                request.host = value
            case 5 where FieldBytes.equalsLowercase(name, "range"):
                rangeCount += 1
                request.range = value
            case 8 where FieldBytes.equalsLowercase(name, "if-range"):
                request.ifRange = value
            case 8 where FieldBytes.equalsLowercase(name, "if-match"):
                request.ifMatch = combine(request.ifMatch, value)
            case 10 where FieldBytes.equalsLowercase(name, "connection"):
                for token in value.split(separator: FieldBytes.comma) {
                    let t = FieldBytes.trimmed(token)
                    if FieldBytes.equalsLowercase(t, "close") { request.connectionClose = true }
                    if FieldBytes.equalsLowercase(t, "keep-alive") { request.connectionKeepAlive = true }
                }
            case 13 where FieldBytes.equalsLowercase(name, "if-none-match"):
                request.ifNoneMatch = combine(request.ifNoneMatch, value)
            case 14 where FieldBytes.equalsLowercase(name, "content-length"):
                // §6.3: a list or repeat of one value is that value; anything else is an error.
                for element in value.split(separator: FieldBytes.comma) {
                    guard let n = FieldBytes.decimal(FieldBytes.trimmed(element)), n != Int.max,
                          request.contentLength == nil || request.contentLength == n
                    else { return .failure(.badRequest) }
                    request.contentLength = n
                }
            case 15 where FieldBytes.equalsLowercase(name, "accept-encoding"):
                request.acceptEncoding = combine(request.acceptEncoding, value)
            case 17 where FieldBytes.equalsLowercase(name, "if-modified-since"):
                request.ifModifiedSince = value
            case 17 where FieldBytes.equalsLowercase(name, "transfer-encoding"):
                request.hasTransferEncoding = true
            case 19 where FieldBytes.equalsLowercase(name, "if-unmodified-since"):
                request.ifUnmodifiedSince = value
            default:
                continue
            }
        }
        // Two Range fields cannot be combined meaningfully: ignore Range (§14.2 allows it).
        if rangeCount > 1 { request.range = nil }
        // §3.2: HTTP/1.1 needs exactly one Host; more than one is an error in any version.
        if hosts > 1 || (minor >= 1 && hosts == 0) { return .failure(.badRequest) }
        if let host = request.host {
            for b in host where !isHostByte(b) { return .failure(.badRequest) }
        }
        return .success(request)
    }

    /// Repeated list fields combine with commas (RFC 9110 §5.3).
    private static func combine(_ old: ArraySlice<UInt8>?, _ new: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        guard let old else { return new }
        return ArraySlice(Array(old) + Array(", ".utf8) + Array(new))
    }

    @inline(__always)
    private static func digit(_ b: UInt8) -> Int? { b >= 0x30 && b <= 0x39 ? Int(b - 0x30) : nil }

    /// tchar (RFC 9110 §5.6.2).
    @inline(__always)
    static func isTokenByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(b)
        }
    }

    /// Bytes allowed in a Host value: uri-host [":" port] (RFC 3986 reg-name, IP literals).
    private static func isHostByte(_ b: UInt8) -> Bool {
        isTokenByte(b) || b == UInt8(ascii: ":") || b == UInt8(ascii: "[") || b == UInt8(ascii: "]")
            || "!$&'()*+,;=".utf8.contains(b)
    }
}


#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
