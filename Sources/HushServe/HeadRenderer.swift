import HushCore
import NIOCore

/// Renders, once per representation at scan time, the header bytes every response for it shares.
struct HeadRenderer: Sendable {
    /// What a resource contributes to its heads.
    struct Metadata {
        var contentType: String
        var isHashed: Bool
        var hasSiblings: Bool
        var lastModified: Int64
    }

    /// Ten years, as Django/WhiteNoise use for hashed names: their URL changes whenever the bytes do.
    static let immutableCacheControl = "public, max-age=315360000, immutable"

    let maxAge: Int
    let cors: Bool

    func cacheControl(isHashed: Bool) -> String {
        isHashed ? Self.immutableCacheControl : "public, max-age=\(maxAge)"
    }

    func representation(meta: Metadata, coding: ContentCoding?, length: Int, digest: String, body: Body) -> Representation {
        let etag = "\"" + digest + "\""
        let cacheControl = "Cache-Control: " + cacheControl(isHashed: meta.isHashed) + "\r\n"
        // RFC 9110 §12.5.5: a response whose content depends on Accept-Encoding says so, and a
        // 304 carries the Vary the 200 would have (RFC 9110 §15.4.5).
        let vary = meta.hasSiblings ? "Vary: Accept-Encoding\r\n" : ""
        let cors = cors ? "Access-Control-Allow-Origin: *\r\n" : ""
        let encoding = coding.map { "Content-Encoding: " + $0.token + "\r\n" } ?? ""
        let shared = "Content-Type: " + meta.contentType + "\r\n"
            + "ETag: " + etag + "\r\n"
            + "Last-Modified: " + HTTPDate.format(epochSeconds: meta.lastModified) + "\r\n"
            + cacheControl + vary + encoding
            + "Accept-Ranges: bytes\r\n" + cors
        let head200 = "HTTP/1.1 200 OK\r\nContent-Length: \(length)\r\n" + shared
        let head206 = "HTTP/1.1 206 Partial Content\r\n" + shared
        let head304 = "HTTP/1.1 304 Not Modified\r\nETag: " + etag + "\r\n" + cacheControl + vary + cors
        return Representation(
            coding: coding, length: length, etag: etag, body: body,
            head200: Self.buffer(head200), head206: Self.buffer(head206), head304: Self.buffer(head304),
            varies: meta.hasSiblings, opaqueTag: Array(digest.utf8))
    }

    static func buffer(_ text: String) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: text.utf8.count)
        buffer.writeString(text)
        return buffer
    }
}
