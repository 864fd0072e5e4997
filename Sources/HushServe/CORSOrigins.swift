import NIOCore

/// The `--cors-origin` allow-list: for each allowed origin, its `Access-Control-Allow-Origin`
/// line, rendered once. A request whose `Origin` is one of them gets that line echoed; any other
/// gets no CORS field (the Fetch standard's CORS protocol: the browser then refuses the read).
struct CORSOrigins: Sendable {
    private let origins: [(bytes: [UInt8], line: ByteBuffer)]

    /// Nil unless `cors` is an allow-list (`*` is rendered into the heads, off needs nothing).
    init?(_ cors: HeaderConfiguration.CORS) {
        guard case .origins(let list) = cors, !list.isEmpty else { return nil }
        origins = list.map { (Array($0.utf8), HeadRenderer.buffer("Access-Control-Allow-Origin: " + $0 + "\r\n")) }
    }

    /// The line to echo for a request's `Origin` value, if it is allowed. Exact bytes: browsers
    /// send the serialized origin, lowercase, which the flag was normalised to.
    @inline(__always)
    func line(for origin: Slice<UnsafeRawBufferPointer>) -> ByteBuffer? {
        for entry in origins where entry.bytes.count == origin.count {
            if entry.bytes.withUnsafeBytes({ $0.elementsEqual(origin) }) { return entry.line }
        }
        return nil
    }
}
