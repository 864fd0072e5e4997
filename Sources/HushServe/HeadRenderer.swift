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
        /// Whether `dcz` deltas exist (RFC 9842): every response then varies on the dictionary too.
        var hasDeltas = false
        /// The `Use-As-Dictionary` value this file advertises itself with, if any.
        var useAsDictionary: String? = nil
    }

    /// RFC 9842 §6.2: a response that could be dictionary-compressed varies on both fields.
    static let varyOnDictionary = "Vary: Accept-Encoding, Available-Dictionary\r\n"

    /// Ten years, as Django/WhiteNoise use for hashed names: their URL changes whenever the bytes do.
    static let immutableCacheControl = "public, max-age=315360000, immutable"

    let maxAge: Int
    let cors: Bool
    /// The URL prefix (`/static/`), for `Use-As-Dictionary`'s `match` pattern.
    var prefix = "/static/"

    func cacheControl(isHashed: Bool) -> String {
        isHashed ? Self.immutableCacheControl : "public, max-age=\(maxAge)"
    }

    func representation(
        meta: Metadata,
        coding: ContentCoding?,
        length: Int,
        digest: String,
        body: Body,
        dictionaryCompressed: Bool = false
    ) -> Representation {
        let etag = "\"" + digest + "\""
        let cacheControl = "Cache-Control: " + cacheControl(isHashed: meta.isHashed) + "\r\n"
        // RFC 9110 §12.5.5: a response whose content depends on Accept-Encoding says so, and a
        // 304 carries the Vary the 200 would have (RFC 9110 §15.4.5).
        let vary =
            meta.hasDeltas ? Self.varyOnDictionary : meta.hasSiblings ? "Vary: Accept-Encoding\r\n" : ""
        let cors = cors ? "Access-Control-Allow-Origin: *\r\n" : ""
        var encoding = coding.map { "Content-Encoding: " + $0.token + "\r\n" } ?? ""
        if dictionaryCompressed { encoding = "Content-Encoding: " + DictionaryCompression.token + "\r\n" }
        // RFC 9842 §2.1: every form of the file advertises it, the delta too — the browser
        // stores the decoded bytes, which are the next update's dictionary.
        let dictionary = meta.useAsDictionary.map { "Use-As-Dictionary: " + $0 + "\r\n" } ?? ""
        // One buffer holds every head: the 304's fields first, then the rest, Content-Length last
        // (see ``Representation/head``).
        let notModified = "ETag: " + etag + "\r\n" + cacheControl + vary + cors
        let rest =
            "Content-Type: " + meta.contentType + "\r\n"
            + "Last-Modified: " + HTTPDate.format(epochSeconds: meta.lastModified) + "\r\n"
            + encoding + dictionary + "Accept-Ranges: bytes\r\n"
        let status = Representation.status200.utf8.count
        let head = Representation.status200 + notModified + rest + "Content-Length: \(length)\r\n"
        return Representation(
            coding: coding,
            length: length,
            etag: etag,
            body: body,
            head: Self.buffer(head),
            notModifiedFields: status..<(status + notModified.utf8.count),
            partialFields: status..<(status + notModified.utf8.count + rest.utf8.count),
            varies: meta.hasSiblings || meta.hasDeltas,
            variesOnDictionary: meta.hasDeltas,
            opaqueTag: Array(digest.utf8)
        )
    }

    static func buffer(_ text: String) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: text.utf8.count)
        buffer.writeString(text)
        return buffer
    }
}
