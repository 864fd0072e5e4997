import Glibc

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

    /// What ``parse(_:reusing:)`` made of the bytes so far.
    enum Outcome {
        /// More bytes are needed.
        case incomplete
        /// A head, and how many bytes it took (including the empty line ending it).
        case complete(RequestHead, consumed: Int)
        case failure(Failure)
    }

    private static let cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n"), sp = UInt8(ascii: " "),
        colon = UInt8(ascii: ":"), tab = UInt8(ascii: "\t")

    /// Parses one head, copying it into `scratch`: the field ranges of the result index
    /// `scratch`. A connection reuses one array, so a request costs no allocation.
    static func parse(_ bytes: UnsafeRawBufferPointer, reusing scratch: inout [UInt8]) -> Outcome {
        // RFC 9112 §2.2: ignore empty lines before the request line (a few, not unboundedly).
        var start = 0
        while start < min(bytes.count, 8) {
            if bytes[start] == lf {
                start += 1
            } else if bytes[start] == cr, start + 1 < bytes.count, bytes[start + 1] == lf {
                start += 2
            } else {
                break
            }
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
            // §2.2: a bare CR is invalid. A head ending its lines with bare CRs has no line feed
            // to complete it: answer 400 now rather than wait for the header timeout.
            if containsBareCR(bytes, from: start, to: limit) { return .failure(.badRequest) }
            return .incomplete
        }
        if end - start > maxHead + 2 { return .failure(.headTooLarge) }
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
        switch parseHead(&scratch) {
        case .success(let request): return .complete(request, consumed: end)
        case .failure(let failure): return .failure(failure)
        }
    }

    /// Whether a CR in `from..<to` is followed by something other than LF (a CR at the very end
    /// may still be followed by one).
    private static func containsBareCR(_ bytes: UnsafeRawBufferPointer, from: Int, to: Int) -> Bool {
        var i = from
        while let r = memchrIndex(bytes, cr, from: i, to: to) {
            if r + 1 < bytes.count, bytes[r + 1] != lf { return true }
            i = r + 1
        }
        return false
    }

    @inline(__always)
    private static func memchrIndex(_ bytes: UnsafeRawBufferPointer, _ byte: UInt8, from: Int, to: Int) -> Int? {
        guard from < to, let base = bytes.baseAddress else { return nil }
        guard let hit = memchr(base + from, Int32(byte), to - from) else { return nil }
        return base.distance(to: UnsafeRawPointer(hit))
    }

    /// List fields that combine when repeated (RFC 9110 §5.3).
    private enum ListField { case acceptEncoding, ifNoneMatch, ifMatch }

    /// Parses a complete head (its lines, through the empty one). A repeated list field is
    /// combined by appending the joined value to `head`, so every range still indexes `head`.
    @inline(__always)
    static func parseHead(_ head: inout [UInt8]) -> Result<RequestHead, Failure> {
        var repeats: [(ListField, Range<Int>)] = []
        let scanned = head.withUnsafeBytes { scan($0, repeats: &repeats) }
        guard case .success(var request) = scanned, !repeats.isEmpty else { return scanned }
        for (field, value) in repeats {
            let old: Range<Int>?
            switch field {
            case .acceptEncoding: old = request.acceptEncoding
            case .ifNoneMatch: old = request.ifNoneMatch
            case .ifMatch: old = request.ifMatch
            }
            let joinedStart = head.count
            if let old {
                head.append(contentsOf: Array(head[old]))
                head.append(contentsOf: ", ".utf8)
            }
            head.append(contentsOf: Array(head[value]))
            let joined = joinedStart..<head.count
            switch field {
            case .acceptEncoding: request.acceptEncoding = joined
            case .ifNoneMatch: request.ifNoneMatch = joined
            case .ifMatch: request.ifMatch = joined
            }
        }
        return .success(request)
    }

    /// A header field the parser records; see ``record(_:value:in:into:)`` for what each does.
    private enum KnownField {
        case host, range, ifRange, ifMatch, connection, ifNoneMatch, contentLength, acceptEncoding,
            ifModifiedSince, transferEncoding, ifUnmodifiedSince, availableDictionary

        /// The field name, lowercase.
        var name: StaticString {
            switch self {
            case .host: return "host"
            case .range: return "range"
            case .ifRange: return "if-range"
            case .ifMatch: return "if-match"
            case .connection: return "connection"
            case .ifNoneMatch: return "if-none-match"
            case .contentLength: return "content-length"
            case .acceptEncoding: return "accept-encoding"
            case .ifModifiedSince: return "if-modified-since"
            case .transferEncoding: return "transfer-encoding"
            case .ifUnmodifiedSince: return "if-unmodified-since"
            case .availableDictionary: return "available-dictionary"
            }
        }
    }

    /// The known field called `name` (compared case-insensitively, RFC 9110 §5.1), if any. The
    /// length picks the one or two candidates, so an unknown name costs a switch.
    @inline(__always)
    private static func knownField(_ name: Slice<UnsafeRawBufferPointer>) -> KnownField? {
        let candidate: KnownField
        switch name.count {
        case 4: candidate = .host
        case 5: candidate = .range
        case 8:
            // if-range, if-match: the fourth byte tells them apart.
            candidate = FieldBytes.lower(name[name.startIndex + 3]) == UInt8(ascii: "r") ? .ifRange : .ifMatch
        case 10: candidate = .connection
        case 13: candidate = .ifNoneMatch
        case 14: candidate = .contentLength
        case 15: candidate = .acceptEncoding
        case 17:
            // if-modified-since, transfer-encoding
            candidate =
                FieldBytes.lower(name[name.startIndex]) == UInt8(ascii: "i") ? .ifModifiedSince : .transferEncoding
        case 19: candidate = .ifUnmodifiedSince
        case 20: candidate = .availableDictionary
        default: return nil
        }
        return FieldBytes.equalsLowercase(name, candidate.name) ? candidate : nil
    }

    /// What a request head's fields said beyond the head itself: counts that decide afterwards.
    private struct FieldCounts {
        var hosts = 0
        var ranges = 0
        var dictionaries = 0
        /// Repeated list fields, to be combined after the scan (RFC 9110 §5.3).
        var repeats: [(ListField, Range<Int>)] = []
    }

    /// One pass over the head's lines and fields, by offsets (this runs once per request).
    /// Inlined, as are ``requestLine(_:_:)`` and ``parseHead(_:)``: the head (some 250 bytes of
    /// ranges) was otherwise copied in and out of a `Result` at every level.
    @inline(__always)
    private static func scan(
        _ b: UnsafeRawBufferPointer,
        repeats: inout [(ListField, Range<Int>)]
    ) -> Result<RequestHead, Failure> {
        var cursor = 0
        guard let line = nextLine(b, &cursor) else { return .failure(.badRequest) }
        var request: RequestHead
        switch requestLine(b, line) {
        case .success(let head): request = head
        case .failure(let failure): return .failure(failure)
        }
        var counts = FieldCounts()
        while let field = nextLine(b, &cursor) {
            if field.isEmpty { break }
            // field-name = token, then the colon at once: obs-fold (§5.2), whitespace before the
            // colon (§5.1), an empty name or no colon at all are rejected with 400. One pass: the
            // first byte that is not a tchar must be the colon.
            var colon = field.lowerBound
            while colon < field.upperBound, isTokenByte(b[colon]) { colon += 1 }
            guard colon > field.lowerBound, colon < field.upperBound, b[colon] == Self.colon else {
                return .failure(.badRequest)
            }
            let valueBytes = FieldBytes.trimmed(b[(colon + 1)..<field.upperBound])
            // No NUL, bare CR or other controls but HTAB in a value (§5.5).
            guard
                allBytes(b, in: valueBytes.startIndex..<valueBytes.endIndex, noneBelow: 0x20, satisfy: isFieldValueByte)
            else {
                return .failure(.badRequest)
            }
            guard let known = knownField(b[field.lowerBound..<colon]) else { continue }
            if let failure = record(known, value: valueBytes, into: &request, &counts) { return .failure(failure) }
        }
        repeats = counts.repeats
        // Two Range fields cannot be combined meaningfully: ignore Range (§14.2 allows it).
        if counts.ranges > 1 { request.range = nil }
        // RFC 9842 §2.2: one Available-Dictionary at most; several name no usable dictionary.
        if counts.dictionaries > 1 { request.availableDictionary = nil }
        // §3.2: HTTP/1.1 needs exactly one Host; more than one is an error in any version.
        if counts.hosts > 1 || (request.versionMinor >= 1 && counts.hosts == 0) { return .failure(.badRequest) }
        if let host = request.host, !allBytes(b, in: host, satisfy: isHostByte) { return .failure(.badRequest) }
        return .success(request)
    }

    /// The next line from `cursor` without its terminator, or nil at the end.
    @inline(__always)
    private static func nextLine(_ b: UnsafeRawBufferPointer, _ cursor: inout Int) -> Range<Int>? {
        guard cursor < b.count else { return nil }
        let nl = memchrIndex(b, lf, from: cursor, to: b.count) ?? b.count
        var end = nl
        if end > cursor, b[end - 1] == cr { end -= 1 }
        defer { cursor = nl + 1 }
        return cursor..<end
    }

    /// `request-line = method SP request-target SP HTTP-version` (§3): a head with these set.
    @inline(__always)
    private static func requestLine(_ b: UnsafeRawBufferPointer, _ line: Range<Int>) -> Result<RequestHead, Failure> {
        guard let sp1 = memchrIndex(b, sp, from: line.lowerBound, to: line.upperBound),
            let sp2 = memchrIndex(b, sp, from: sp1 + 1, to: line.upperBound)
        else { return .failure(.badRequest) }
        let method = line.lowerBound..<sp1
        let target = (sp1 + 1)..<sp2
        let version = (sp2 + 1)..<line.upperBound
        guard !method.isEmpty, !target.isEmpty else { return .failure(.badRequest) }
        guard allBytes(b, in: method, satisfy: isTokenByte),
            allBytes(b, in: target, noneBelow: 0x21, satisfy: { $0 > 0x20 && $0 != 0x7f })
        else {
            return .failure(.badRequest)
        }
        var request = RequestHead()
        request.methodText = method
        request.target = target
        let m = method.lowerBound
        if method.count == 3, b[m] == UInt8(ascii: "G"), b[m + 1] == UInt8(ascii: "E"), b[m + 2] == UInt8(ascii: "T") {
            request.method = .get
        } else if method.count == 4, b[m] == UInt8(ascii: "H"), b[m + 1] == UInt8(ascii: "E"),
            b[m + 2] == UInt8(ascii: "A"),
            b[m + 3] == UInt8(ascii: "D")
        {
            request.method = .head
        }
        // HTTP-version = "HTTP/" DIGIT "." DIGIT (§2.3)
        let v = version.lowerBound
        guard version.count == 8, b[v] == UInt8(ascii: "H"), b[v + 1] == UInt8(ascii: "T"),
            b[v + 2] == UInt8(ascii: "T"), b[v + 3] == UInt8(ascii: "P"), b[v + 4] == UInt8(ascii: "/"),
            let major = digit(b[v + 5]), b[v + 6] == UInt8(ascii: "."), let minor = digit(b[v + 7])
        else { return .failure(.badRequest) }
        guard major == 1 else { return .failure(major == 0 ? .badRequest : .versionNotSupported) }
        request.versionMinor = minor
        return .success(request)
    }

    /// Records one known field's value in `request`; a failure when the value cannot be accepted.
    @inline(__always)
    private static func record(
        _ field: KnownField,
        value valueBytes: Slice<UnsafeRawBufferPointer>,
        into request: inout RequestHead,
        _ counts: inout FieldCounts
    ) -> Failure? {
        let value = valueBytes.startIndex..<valueBytes.endIndex
        switch field {
        case .host:
            counts.hosts += 1
            request.host = value
        case .range:
            counts.ranges += 1
            request.range = value
        case .ifRange:
            request.ifRange = value
        case .ifMatch:
            if request.ifMatch == nil { request.ifMatch = value } else { counts.repeats.append((.ifMatch, value)) }
        case .connection:
            for token in valueBytes.split(separator: FieldBytes.comma) {
                let t = FieldBytes.trimmed(token)
                if FieldBytes.equalsLowercase(t, "close") { request.connectionClose = true }
                if FieldBytes.equalsLowercase(t, "keep-alive") { request.connectionKeepAlive = true }
            }
        case .ifNoneMatch:
            if request.ifNoneMatch == nil {
                request.ifNoneMatch = value
            } else {
                counts.repeats.append((.ifNoneMatch, value))
            }
        case .contentLength:
            // §6.3: a list or repeat of one value is that value; anything else is an error.
            for element in valueBytes.split(separator: FieldBytes.comma) {
                guard let n = FieldBytes.decimal(FieldBytes.trimmed(element)), n != Int.max,
                    request.contentLength == nil || request.contentLength == n
                else { return .badRequest }
                request.contentLength = n
            }
        case .acceptEncoding:
            if request.acceptEncoding == nil {
                request.acceptEncoding = value
            } else {
                counts.repeats.append((.acceptEncoding, value))
            }
        case .ifModifiedSince:
            request.ifModifiedSince = value
        case .transferEncoding:
            request.hasTransferEncoding = true
        case .ifUnmodifiedSince:
            request.ifUnmodifiedSince = value
        case .availableDictionary:
            counts.dictionaries += 1
            request.availableDictionary = value
        }
        return nil
    }

    @inline(__always)
    private static func allBytes(
        _ b: UnsafeRawBufferPointer,
        in range: Range<Int>,
        satisfy test: (UInt8) -> Bool
    ) -> Bool {
        var i = range.lowerBound
        while i < range.upperBound {
            if !test(b[i]) { return false }
            i += 1
        }
        return true
    }

    /// Whether every byte of `b[range]` satisfies `test`, which must accept every byte from
    /// `noneBelow` up but DEL (0x7f), and may accept some below it (HTAB in field values). Eight
    /// bytes at a time: a word with no byte below `noneBelow` and no DEL needs no closer look, so a
    /// browser's few hundred bytes of field values cost a few instructions per word, not per byte.
    @inline(__always)
    static func allBytes(
        _ b: UnsafeRawBufferPointer,
        in range: Range<Int>,
        noneBelow: UInt8,
        satisfy test: (UInt8) -> Bool
    ) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highBits: UInt64 = 0x8080_8080_8080_8080
        let below = ones &* UInt64(noneBelow)
        let del = ones &* 0x7f
        var i = range.lowerBound
        while i + 8 <= range.upperBound {
            let word = b.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            // Nonzero exactly when some byte is below `noneBelow` (at most 0x80), or is DEL
            // (a zero byte after XOR): the classic has-less-than and has-zero-byte tests.
            let x = word ^ del
            if (word &- below) & ~word & highBits != 0 || (x &- ones) & ~x & highBits != 0 {
                for j in i..<(i + 8) where !test(b[j]) { return false }
            }
            i += 8
        }
        while i < range.upperBound {
            if !test(b[i]) { return false }
            i += 1
        }
        return true
    }

    @inline(__always)
    private static func digit(_ b: UInt8) -> Int? { b >= 0x30 && b <= 0x39 ? Int(b - 0x30) : nil }

    /// tchar (RFC 9110 §5.6.2): letters, digits and fifteen punctuation marks, as a 128-bit mask
    /// so a byte costs a shift and a test (every byte of every field name is checked).
    @inline(__always)
    static func isTokenByte(_ b: UInt8) -> Bool {
        // Bits 0-63: ! # $ % & ' * + - . 0-9; bits 64-127: A-Z ^ _ ` a-z | ~.
        let low: UInt64 = 0x03ff_6cfa_0000_0000
        let high: UInt64 = 0x57ff_ffff_c7ff_fffe
        if b < 64 { return low >> b & 1 != 0 }
        return b < 128 && high >> (b - 64) & 1 != 0
    }

    /// field-vchar, SP or HTAB (RFC 9110 §5.5): anything but controls other than HTAB, and DEL.
    @inline(__always)
    private static func isFieldValueByte(_ b: UInt8) -> Bool { b >= 0x20 ? b != 0x7f : b == tab }

    /// Bytes allowed in a Host value: uri-host [":" port] (RFC 3986 reg-name, IP literals).
    private static func isHostByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: ":"), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "("), UInt8(ascii: ")"),
            UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "="):
            return true
        default:
            return isTokenByte(b)
        }
    }
}
