/// The parts of an HTTP/1.1 request head (RFC 9112 §2–§5) that serving a static file needs.
///
/// Field values are byte ranges of the head as ``RequestParser`` left it (its `scratch` array);
/// ``view(_:in:)`` turns a range into bytes while that array is pinned. A head is a plain value of
/// offsets: copying it costs nothing, and nothing of the connection's buffers is retained by it.
struct RequestHead: Sendable {
    enum Method: Equatable, Sendable {
        case get, head
        /// Any other method; answered 405.
        case other
    }

    var method: Method = .other
    /// Method as sent, for the access log.
    var methodText: Range<Int> = 0..<0
    /// request-target as sent (RFC 9112 §3.2).
    var target: Range<Int> = 0..<0
    var versionMinor: Int = 1
    var host: Range<Int>?
    var acceptEncoding: Range<Int>?
    var range: Range<Int>?
    var ifRange: Range<Int>?
    var ifNoneMatch: Range<Int>?
    var ifModifiedSince: Range<Int>?
    var ifMatch: Range<Int>?
    var ifUnmodifiedSince: Range<Int>?
    /// RFC 9842 §2.2; nil when absent or sent more than once (a client sends one at most).
    var availableDictionary: Range<Int>?
    /// `Connection: close` was sent.
    var connectionClose = false
    /// `Connection: keep-alive` was sent (matters for HTTP/1.0).
    var connectionKeepAlive = false
    /// Content-Length of a body, if declared.
    var contentLength: Int?
    /// A Transfer-Encoding was declared: the body's end cannot be known cheaply, so the
    /// connection closes after the response.
    var hasTransferEncoding = false

    /// Whether the connection may stay open after this response (RFC 9112 §9.3).
    var keepAlive: Bool {
        if connectionClose || hasTransferEncoding { return false }
        return versionMinor >= 1 || connectionKeepAlive
    }

    /// The bytes of `range` within the head's bytes, or nil for an absent field.
    @inline(__always)
    static func view(_ range: Range<Int>?, in head: UnsafeRawBufferPointer) -> Slice<UnsafeRawBufferPointer>? {
        guard let range else { return nil }
        return head[range]
    }
}
