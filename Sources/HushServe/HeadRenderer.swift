import Glibc
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
        /// The fields of the `--header` rules whose glob matches the file's path, rendered.
        var ruleFields = ""
    }

    /// RFC 9842 §6.2: a response that could be dictionary-compressed varies on both fields.
    static let varyOnDictionary = "Vary: Accept-Encoding, Available-Dictionary\r\n"

    /// Ten years, as Django/WhiteNoise use for hashed names: their URL changes whenever the bytes do.
    static let immutableCacheControl = "public, max-age=315360000, immutable"

    let maxAge: Int
    let headers: HeaderConfiguration
    /// The URL prefix (`/static/`), for `Use-As-Dictionary`'s `match` pattern.
    var prefix = "/static/"

    /// `--header` rules whose glob matches `path` (below the prefix), rendered as field lines; a
    /// later rule for the same name replaces an earlier one (Caddy's `header` sets, it does not
    /// add). Computed once per file at load.
    func ruleFields(path: String) -> String {
        guard !headers.rules.isEmpty else { return "" }
        var chosen: [(key: String, line: String)] = []
        for rule in headers.rules where fnmatch(rule.glob, path, 0) == 0 {
            let line = rule.name + ": " + rule.value + "\r\n"
            let key = rule.name.lowercased()
            if let i = chosen.firstIndex(where: { $0.key == key }) {
                chosen[i].line = line
            } else {
                chosen.append((key, line))
            }
        }
        return chosen.map(\.line).joined()
    }

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
        // With an allow-list of origins the response depends on Origin whether or not this
        // request's matched: every response says so, or a shared cache could hand a response
        // without the CORS field to an allowed origin (Fetch standard, "CORS protocol and HTTP
        // caches"). The echoed field itself is written per request (``CORSOrigins``).
        var vary =
            meta.hasDeltas ? Self.varyOnDictionary : meta.hasSiblings ? "Vary: Accept-Encoding\r\n" : ""
        if case .origins = headers.cors {
            // dropLast() drops the line end: "\r\n" is one Character.
            vary = vary.isEmpty ? "Vary: Origin\r\n" : String(vary.dropLast()) + ", Origin\r\n"
        }
        let cors = headers.cors == .any ? "Access-Control-Allow-Origin: *\r\n" : ""
        // nosniff belongs to the content (RFC 9110 §15.4.5 keeps a 304 to the fields that update
        // a cache), so it joins the 200/206 fields; rule fields go to the 304 as well, as nginx's
        // add_header does, so a cache revalidating after a deploy picks up a changed rule.
        let noSniff = headers.noSniff ? "X-Content-Type-Options: nosniff\r\n" : ""
        var encoding = coding.map { "Content-Encoding: " + $0.token + "\r\n" } ?? ""
        if dictionaryCompressed { encoding = "Content-Encoding: " + DictionaryCompression.token + "\r\n" }
        // RFC 9842 §2.1: every form of the file advertises it, the delta too — the browser
        // stores the decoded bytes, which are the next update's dictionary.
        let dictionary = meta.useAsDictionary.map { "Use-As-Dictionary: " + $0 + "\r\n" } ?? ""
        // One buffer holds every head: the 304's fields first, then the rest, Content-Length last
        // (see ``Representation/head``).
        let notModified = "ETag: " + etag + "\r\n" + cacheControl + vary + cors + meta.ruleFields
        let rest =
            "Content-Type: " + meta.contentType + "\r\n"
            + "Last-Modified: " + HTTPDate.format(epochSeconds: meta.lastModified) + "\r\n"
            + encoding + dictionary + "Accept-Ranges: bytes\r\n" + noSniff
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
