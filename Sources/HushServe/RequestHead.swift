/// The parts of an HTTP/1.1 request head (RFC 9112 §2–§5) that serving a static file needs.
/// Field values are slices of the head's bytes; nothing is copied into strings.
struct RequestHead: Sendable {
    enum Method: Equatable, Sendable {
        case get, head
        /// Any other method; answered 405.
        case other
    }

    var method: Method = .other
    /// Method as sent, for the access log.
    var methodText: ArraySlice<UInt8> = []
    /// request-target as sent (RFC 9112 §3.2).
    var target: ArraySlice<UInt8> = []
    var versionMinor: Int = 1
    var host: ArraySlice<UInt8>?
    var acceptEncoding: ArraySlice<UInt8>?
    var range: ArraySlice<UInt8>?
    var ifRange: ArraySlice<UInt8>?
    var ifNoneMatch: ArraySlice<UInt8>?
    var ifModifiedSince: ArraySlice<UInt8>?
    var ifMatch: ArraySlice<UInt8>?
    var ifUnmodifiedSince: ArraySlice<UInt8>?
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
}
