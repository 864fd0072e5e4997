import NIOCore

/// Renders a ``Reply`` into bytes: the pre-rendered head of the representation, then the
/// request-dependent lines (Content-Range, Connection, Date) and, for small bodies, the body.
struct ResponseWriter {
    /// What follows the bytes written into the output buffer.
    enum Tail {
        /// Nothing: the response is complete in the buffer.
        case none
        /// A body held in memory, written as its own buffer (too large to be worth copying).
        case buffer(ByteBuffer)
        /// Bytes of an open file, written with sendfile.
        case file(OpenFile, offset: Int, length: Int)
    }

    /// Bodies up to this size are copied behind the head, so a response is one buffer and a
    /// burst of pipelined responses one write. Larger ones go out as their own buffer in the same
    /// writev: copying 15 KB costs more than an extra iovec (measured: ~0.4 µs per request).
    static let copyLimit = 4 << 10

    static let crlf: StaticString = "\r\n"
    static let connectionClose: StaticString = "Connection: close\r\n"
    static let connectionKeepAlive: StaticString = "Connection: keep-alive\r\n"

    /// Writes `reply` into `out`; returns what must be written after it and the body length.
    /// `cors` is the echoed `Access-Control-Allow-Origin` line of an allow-listed origin, written
    /// into file responses (200, 206, 304) only.
    static func write(
        _ reply: Reply,
        isHead: Bool,
        connection: ConnectionHeader,
        dateLine: ByteBuffer,
        cors: ByteBuffer? = nil,
        into out: inout ByteBuffer
    ) -> (Tail, bodyBytes: Int) {
        switch reply {
        case .full(let representation):
            if cors == nil, !isHead, representation.length <= copyLimit, case .memory(let body) = representation.body {
                // The common response: head, request lines and body in one pass.
                assemble(
                    head: representation.head,
                    connection,
                    dateLine,
                    body: body,
                    count: representation.length,
                    &out
                )
                return (.none, representation.length)
            }
            if let cors {
                // An echoed allow-listed Origin: the one case a file's head is not used as is.
                out.writeImmutableBuffer(representation.head)
                out.writeImmutableBuffer(cors)
                endHead(connection, dateLine, &out)
            } else {
                assemble(head: representation.head, connection, dateLine, &out)
            }
            guard !isHead else { return (.none, 0) }
            return (body(representation, offset: 0, length: representation.length, &out), representation.length)

        case .partial(let representation, let range):
            let length = range.count
            out.reserveCapacity(
                minimumWritableBytes: representation.head.readableBytes + 192 + (length <= copyLimit ? length : 0)
            )
            out.writeStaticString(Representation.status206)
            representation.writeFields(representation.partialFields, into: &out)
            out.writeString(
                "Content-Range: bytes \(range.lowerBound)-\(range.upperBound)/\(representation.length)\r\nContent-Length: \(length)\r\n"
            )
            if let cors { out.writeImmutableBuffer(cors) }
            endHead(connection, dateLine, &out)
            return (body(representation, offset: range.lowerBound, length: length, &out), length)

        case .notModified(let representation):
            if let cors {
                out.writeStaticString(Representation.status304)
                representation.writeFields(representation.notModifiedFields, into: &out)
                out.writeImmutableBuffer(cors)
                endHead(connection, dateLine, &out)
            } else {
                assemble(
                    status: Representation.status304,
                    head: representation.head,
                    fields: representation.notModifiedFields,
                    connection,
                    dateLine,
                    &out
                )
            }
            return (.none, 0)

        case .rangeNotSatisfiable(let representation):
            out.writeString(
                "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */\(representation.length)\r\nContent-Length: 0\r\n"
            )
            if representation.varies {
                out.writeString(
                    representation.variesOnDictionary
                        ? HeadRenderer.varyOnDictionary : "Vary: Accept-Encoding\r\n"
                )
            }
            endHead(connection, dateLine, &out)
            return (.none, 0)

        case .status(let status, let location):
            let rendered = StatusResponse.of(status)
            if location == nil {
                // 404s and the like: one pass, as for a small file.
                assemble(
                    head: rendered.head,
                    connection,
                    dateLine,
                    body: isHead ? nil : rendered.body,
                    count: rendered.body.readableBytes,
                    &out
                )
                return (.none, isHead ? 0 : rendered.body.readableBytes)
            }
            out.reserveCapacity(minimumWritableBytes: 160 + (location?.utf8.count ?? 0))
            out.writeImmutableBuffer(rendered.lead)
            if let location { out.writeString("Location: " + location + "\r\n") }
            out.writeImmutableBuffer(rendered.trail)
            endHead(connection, dateLine, &out)
            guard !isHead else { return (.none, 0) }
            out.writeImmutableBuffer(rendered.body)
            return (.none, rendered.body.readableBytes)

        case .page(let page):
            out.writeImmutableBuffer(page.head)
            endHead(connection, dateLine, &out)
            guard !isHead, page.body.readableBytes > 0 else { return (.none, 0) }
            guard page.body.readableBytes > copyLimit else {
                out.writeImmutableBuffer(page.body)
                return (.none, page.body.readableBytes)
            }
            return (.buffer(page.body), page.body.readableBytes)

        case .health(let draining):
            // Never cached: a cache answering for the server would hide that it went away.
            let text = draining ? "draining\n" : "ok\n"
            out.writeString(
                (draining ? "HTTP/1.1 503 Service Unavailable\r\n" : "HTTP/1.1 200 OK\r\n")
                    + "Content-Type: text/plain; charset=utf-8\r\nContent-Length: \(text.utf8.count)\r\n"
                    + "Cache-Control: no-store\r\n"
            )
            endHead(connection, dateLine, &out)
            guard !isHead else { return (.none, 0) }
            out.writeString(text)
            return (.none, text.utf8.count)
        }
    }

    /// The `Connection` line a response needs (RFC 9112 §9.3, §9.6).
    enum ConnectionHeader {
        /// HTTP/1.1 keep-alive: nothing to say.
        case none
        /// HTTP/1.0 client asked to keep the connection: confirm it.
        case keepAlive
        /// The connection closes after this response.
        case close
    }

    @inline(__always)
    private static func endHead(_ connection: ConnectionHeader, _ dateLine: ByteBuffer, _ out: inout ByteBuffer) {
        switch connection {
        case .none: break
        case .keepAlive: out.writeStaticString(connectionKeepAlive)
        case .close: out.writeStaticString(connectionClose)
        }
        out.writeImmutableBuffer(dateLine)
        out.writeStaticString(crlf)
    }

    /// Writes a head assembled from `status` (if any), `fields` of a pre-rendered `head` (all of it
    /// when nil), the `Connection` line, the date line and the empty line, then the first `count`
    /// bytes of `body`, with one capacity check and plain copies: the 200s and 304s of small files
    /// are most requests, and writing part by part cost a capacity and uniqueness check per part.
    @inline(__always)
    private static func assemble(
        status: StaticString? = nil,
        head: ByteBuffer,
        fields: Range<Int>? = nil,
        _ connection: ConnectionHeader,
        _ dateLine: ByteBuffer,
        body: ByteBuffer? = nil,
        count: Int = 0,
        _ out: inout ByteBuffer
    ) {
        let connectionLine: StaticString?
        switch connection {
        case .none: connectionLine = nil
        case .keepAlive: connectionLine = connectionKeepAlive
        case .close: connectionLine = connectionClose
        }
        head.withUnsafeReadableBytes { allFields in
            let fieldBytes = fields.map { UnsafeRawBufferPointer(rebasing: allFields[$0]) } ?? allFields
            dateLine.withUnsafeReadableBytes { date in
                let bodyCount = min(count, body?.readableBytes ?? 0)
                let total =
                    (status?.utf8CodeUnitCount ?? 0) + fieldBytes.count + (connectionLine?.utf8CodeUnitCount ?? 0)
                    + date.count + 2 + bodyCount
                out.writeWithUnsafeMutableBytes(minimumWritableBytes: total) { destination in
                    var at = 0
                    func put(_ bytes: UnsafeRawBufferPointer) {
                        UnsafeMutableRawBufferPointer(rebasing: destination[at..<(at + bytes.count)]).copyMemory(
                            from: bytes
                        )
                        at += bytes.count
                    }
                    status?.withUTF8Buffer { put(UnsafeRawBufferPointer($0)) }
                    put(fieldBytes)
                    connectionLine?.withUTF8Buffer { put(UnsafeRawBufferPointer($0)) }
                    put(date)
                    crlf.withUTF8Buffer { put(UnsafeRawBufferPointer($0)) }
                    if bodyCount > 0, let body {
                        body.withUnsafeReadableBytes { put(UnsafeRawBufferPointer(rebasing: $0[..<bodyCount])) }
                    }
                    return at
                }
            }
        }
    }

    @inline(__always)
    private static func body(
        _ representation: Representation,
        offset: Int,
        length: Int,
        _ out: inout ByteBuffer
    ) -> Tail {
        guard length > 0 else { return .none }
        switch representation.body {
        case .memory(let buffer):
            guard let slice = buffer.getSlice(at: buffer.readerIndex + offset, length: length) else { return .none }
            if length <= copyLimit {
                out.writeImmutableBuffer(slice)
                return .none
            }
            return .buffer(slice)
        case .file(let file):
            return .file(file, offset: offset, length: length)
        }
    }
}
