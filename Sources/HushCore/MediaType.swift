/// Media types for static assets, looked up by file extension (RFC 6838 registrations and the
/// WHATWG MIME Sniffing / IANA values browsers expect).
///
/// The collector and the server share this table so that the type a file is collected as is the
/// type it is served as.
public enum MediaType {
    /// The type sent when an extension is unknown: opaque bytes (RFC 9110 §8.3 allows a sender
    /// that cannot tell the type to say `application/octet-stream`).
    public static let fallback = "application/octet-stream"

    /// Extension (lowercase, without the dot) → media type without parameters.
    public static let byExtension: [String: String] = [
        // Text and markup
        "css": "text/css", "csv": "text/csv", "htm": "text/html", "html": "text/html",
        "ics": "text/calendar", "js": "text/javascript", "mjs": "text/javascript", "cjs": "text/javascript",
        "md": "text/markdown", "txt": "text/plain", "text": "text/plain", "vtt": "text/vtt",
        "xml": "text/xml", "xsl": "text/xml", "yaml": "text/yaml", "yml": "text/yaml",
        // Structured data
        "json": "application/json", "map": "application/json", "jsonld": "application/ld+json",
        "webmanifest": "application/manifest+json", "rss": "application/rss+xml",
        "atom": "application/atom+xml", "xhtml": "application/xhtml+xml",
        "wasm": "application/wasm", "pdf": "application/pdf", "zip": "application/zip",
        "gz": "application/gzip", "br": "application/x-brotli", "tar": "application/x-tar",
        "swf": "application/x-shockwave-flash",
        // Fonts (RFC 8081)
        "woff": "font/woff", "woff2": "font/woff2", "ttf": "font/ttf", "otf": "font/otf",
        "eot": "application/vnd.ms-fontobject",
        // Images
        "avif": "image/avif", "webp": "image/webp", "png": "image/png", "apng": "image/apng",
        "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif", "ico": "image/x-icon",
        "svg": "image/svg+xml", "bmp": "image/bmp", "tif": "image/tiff", "tiff": "image/tiff",
        "jxl": "image/jxl", "heic": "image/heic",
        // Audio and video
        "mp4": "video/mp4", "m4v": "video/mp4", "webm": "video/webm", "ogv": "video/ogg",
        "mov": "video/quicktime", "mp3": "audio/mpeg", "m4a": "audio/mp4", "ogg": "audio/ogg",
        "oga": "audio/ogg", "opus": "audio/ogg", "wav": "audio/wav", "flac": "audio/flac",
        "aac": "audio/aac",
    ]

    /// Types that are text although not `text/*`; they get a charset too.
    private static let textualApplicationTypes: Set<String> = [
        "application/json", "application/ld+json", "application/manifest+json", "application/rss+xml",
        "application/atom+xml", "application/xhtml+xml", "image/svg+xml",
    ]

    /// The media type for a file name, with `; charset=utf-8` for textual types (static assets are
    /// UTF-8; RFC 9110 §8.3.2 lets a sender state the charset a recipient should not guess).
    public static func contentType(forFileName fileName: String) -> String {
        let type = bareType(forFileName: fileName)
        return isTextual(type) ? type + "; charset=utf-8" : type
    }

    /// The media type for a file name, without parameters.
    public static func bareType(forFileName fileName: String) -> String {
        let name = fileName.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? fileName
        let (_, ext) = HashedName.splitExtension(name)
        guard ext.count > 1 else { return fallback }
        return byExtension[String(ext.dropFirst()).lowercased()] ?? fallback
    }

    /// Whether a bare media type carries text and so a charset parameter.
    public static func isTextual(_ type: String) -> Bool {
        type.hasPrefix("text/") || textualApplicationTypes.contains(type)
    }
}
