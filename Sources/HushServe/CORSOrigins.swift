import Glibc
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

    /// The line to echo for the `Origin` field of a request head (as the parser left it), if it
    /// is allowed.
    ///
    /// The field is looked up here rather than by the parser: only servers with an allow-list
    /// pay for it. A field more in every ``RequestHead`` cost every server ~400 instructions a
    /// 304 (callgrind), the larger head being copied at each step; this lookup costs a server
    /// with an allow-list ~300.
    func line(forHead head: UnsafeRawBufferPointer) -> ByteBuffer? {
        guard let origin = Self.origin(in: head) else { return nil }
        return line(for: origin)
    }

    /// The line to echo for an `Origin` value, if it is allowed. Exact bytes: browsers send the
    /// serialized origin, lowercase, which the flag was normalised to.
    func line(for origin: Slice<UnsafeRawBufferPointer>) -> ByteBuffer? {
        for entry in origins where entry.bytes.count == origin.count {
            if entry.bytes.withUnsafeBytes({ $0.elementsEqual(origin) }) { return entry.line }
        }
        return nil
    }

    /// The value of the first `Origin` field of a parsed head (lines end in LF or CRLF; the
    /// parser refused obs-fold), without surrounding whitespace. memchr from line to line.
    static func origin(in head: UnsafeRawBufferPointer) -> Slice<UnsafeRawBufferPointer>? {
        guard let base = head.baseAddress else { return nil }
        let count = head.count
        var i = 0
        while i < count, let found = memchr(base + i, 0x0A, count - i) {
            i = base.distance(to: UnsafeRawPointer(found)) + 1
            // "origin:" with its letters in either case (`| 0x20` lowercases letters, keeps `:`).
            guard count - i > 7, head[i] | 0x20 == 0x6F, head[i + 1] | 0x20 == 0x72, head[i + 2] | 0x20 == 0x69,
                head[i + 3] | 0x20 == 0x67, head[i + 4] | 0x20 == 0x69, head[i + 5] | 0x20 == 0x6E,
                head[i + 6] == 0x3A
            else { continue }
            var start = i + 7
            var end = start
            while end < count, head[end] != 0x0D, head[end] != 0x0A { end += 1 }
            while start < end, head[start] == 0x20 || head[start] == 0x09 { start += 1 }
            while end > start, head[end - 1] == 0x20 || head[end - 1] == 0x09 { end -= 1 }
            return head[start..<end]
        }
        return nil
    }
}
