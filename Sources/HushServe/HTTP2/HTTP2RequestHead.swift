import NIOHPACK

/// An HTTP/2 request's header list as the HTTP/1.1 head ``RequestParser`` reads, so a stream is
/// answered by the same ``Responder`` under the same rules (negotiation, validators, ranges,
/// HEAD, 404/405) as a request on an HTTP/1.1 connection.
///
/// NIOHTTP2 has already checked the list (header block validation on): pseudo-header fields
/// present, known, first and not repeated (RFC 9113 §8.3), names lowercase tokens, no
/// connection-specific fields (§8.2.2), no CR, LF or NUL in any value (§8.2.1). The head built
/// here is then parsed as any other, so what HTTP/1.1 rejects (two Hosts, a bad Content-Length,
/// controls in a value) is rejected the same way.
enum HTTP2RequestHead {
    /// Writes `headers` as `METHOD path HTTP/1.1` plus fields into `scratch` and parses it; the
    /// result's ranges index `scratch`, as after ``RequestParser/parse(_:reusing:)``.
    static func parse(
        _ headers: HPACKHeaders,
        into scratch: inout [UInt8]
    ) -> Result<RequestHead, RequestParser.Failure> {
        scratch.removeAll(keepingCapacity: true)
        var method: String?
        var path: String?
        var authority: String?
        var host: String?
        for (name, value, _) in headers {
            guard name.utf8.first == UInt8(ascii: ":") else {
                if name == "host" { host = value }
                continue
            }
            switch name {
            case ":method": method = value
            case ":path": path = value
            case ":authority": authority = value
            default: break
            }
        }
        // CONNECT carries no :path (§8.5); it is answered 405 like any other method but GET/HEAD.
        guard let method else { return .failure(.badRequest) }
        let target = path ?? "*"
        guard target.utf8.count <= RequestParser.maxRequestLine else { return .failure(.uriTooLong) }
        // §8.3.1: a Host that names another authority than :authority makes the request malformed.
        if let authority, let host, host != authority { return .failure(.badRequest) }
        append(method, &scratch)
        scratch.append(UInt8(ascii: " "))
        append(target, &scratch)
        append(" HTTP/1.1\r\nhost: ", &scratch)
        // A request without either names no authority; HTTP/1.1 then sends an empty Host (RFC 9112 §3.2).
        append(authority ?? host ?? "", &scratch)
        append("\r\n", &scratch)
        for (name, value, _) in headers where name.utf8.first != UInt8(ascii: ":") && name != "host" {
            append(name, &scratch)
            append(": ", &scratch)
            append(value, &scratch)
            append("\r\n", &scratch)
            if scratch.count > RequestParser.maxHead { return .failure(.headTooLarge) }
        }
        append("\r\n", &scratch)
        // Defence in depth: a line break inside a value would let it smuggle a field into the
        // head. NIO rejects those (§8.2.1); should that check ever be off, this one answers 400.
        let lines = scratch.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
        let fields = headers.reduce(0) { $0 + ($1.name.utf8.first == UInt8(ascii: ":") || $1.name == "host" ? 0 : 1) }
        guard lines == fields + 3 else { return .failure(.badRequest) }
        return RequestParser.parseHead(&scratch)
    }

    @inline(__always)
    private static func append(_ text: String, _ out: inout [UInt8]) {
        out.append(contentsOf: text.utf8)
    }
}
