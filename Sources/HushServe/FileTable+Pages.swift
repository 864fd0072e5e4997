import HushCore
import HushSystem
import NIOCore

/// What a table answers for paths that match no file: the `--not-found` page and the
/// `--fallback` file, both taken from the table's own files when it is loaded.
public struct TablePages: Sendable {
    /// The 404 page, rendered whole; nil for the plain `Not Found\n`.
    let notFound: ErrorPage?
    /// The file served with 200 for an extension-less path that matches nothing.
    let fallback: Resource?

    init(notFound: ErrorPage? = nil, fallback: Resource? = nil) {
        self.notFound = notFound
        self.fallback = fallback
    }

    /// Resolves the configured pages with `resource` (a path below the prefix → its resource). A
    /// page that is not a file of the table fails the load (at start-up: the server does not
    /// start; at a reload: the old table stays).
    static func load(
        _ headers: HeaderConfiguration,
        resource: (String) -> Resource?
    ) throws(ServeError) -> TablePages {
        var notFound: ErrorPage?
        if let name = headers.notFound {
            guard let resource = resource(relative(name)) else { throw missing("--not-found", name) }
            notFound = try ErrorPage(
                status: "404 Not Found",
                contentType: MediaType.contentType(forFileName: relative(name)),
                body: bytes(of: resource.identity, name: name),
                noSniff: headers.noSniff
            )
        }
        var fallback: Resource?
        if let name = headers.fallback {
            guard let found = resource(relative(name)) else { throw missing("--fallback", name) }
            fallback = found
        }
        return TablePages(notFound: notFound, fallback: fallback)
    }

    private static func relative(_ name: String) -> String {
        String(name.drop { $0 == "/" })
    }

    private static func missing(_ flag: String, _ name: String) -> ServeError {
        .invalidConfiguration("\(flag) \(name): no such file in the root (name a file below STATIC_ROOT)")
    }

    /// The bytes of a representation, from memory or read from its descriptor.
    private static func bytes(of representation: Representation, name: String) throws(ServeError) -> ByteBuffer {
        switch representation.body {
        case .memory(let buffer):
            return buffer
        case .file(let file):
            var bytes = [UInt8](repeating: 0, count: representation.length)
            let read = bytes.withUnsafeMutableBytes {
                try? Syscall.preadFully(file.descriptor, into: $0, at: 0, path: name)
            }
            guard read == representation.length else { throw .unreadable(path: name, errno: 5) }  // EIO
            return ByteBuffer(bytes: bytes)
        }
    }
}

/// A whole error response but its Date and Connection lines: rendered at load, written as it is.
final class ErrorPage: Sendable {
    /// Status line and fields, each line ending in CRLF, without the final empty line.
    let head: ByteBuffer
    let body: ByteBuffer

    init(status: String, contentType: String, body: ByteBuffer, noSniff: Bool) {
        // Cache-Control as for the plain 404: a page that may appear at the next deploy.
        var text = "HTTP/1.1 " + status + "\r\nContent-Type: " + contentType + "\r\nContent-Length: "
        text += "\(body.readableBytes)\r\nCache-Control: no-cache\r\n"
        if noSniff { text += "X-Content-Type-Options: nosniff\r\n" }
        self.head = HeadRenderer.buffer(text)
        self.body = body
    }
}
