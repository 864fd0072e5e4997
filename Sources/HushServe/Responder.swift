import HushCore

/// What to answer to one request, decided without touching the connection.
enum Reply {
    /// 200 with the whole representation.
    case full(Representation)
    /// 206 with these bytes of the representation (RFC 9110 §14.4).
    case partial(Representation, ClosedRange<Int>)
    /// 304 (RFC 9110 §15.4.5).
    case notModified(Representation)
    /// 416 with `Content-Range: bytes */length` (RFC 9110 §15.5.17).
    case rangeNotSatisfiable(Representation)
    /// Anything else: an error or a redirect with a tiny text body.
    case status(Status, location: String? = nil)
    /// The `--not-found` page (404).
    case page(ErrorPage)
    /// The health path: 200 while serving, 503 once draining (the connection then closes).
    case health(draining: Bool)

    /// The open file the reply's validators and body come from, if it is sent from disk.
    @inline(__always)
    var fileOnDisk: OpenFile? {
        let representation: Representation
        switch self {
        case .full(let r), .partial(let r, _), .notModified(let r), .rangeNotSatisfiable(let r): representation = r
        case .status, .page, .health: return nil
        }
        guard case .file(let file) = representation.body else { return nil }
        return file
    }

    /// The status code, for the access log.
    var code: Int {
        switch self {
        case .full: return 200
        case .partial: return 206
        case .notModified: return 304
        case .rangeNotSatisfiable: return 416
        case .status(let status, _): return status.code
        case .page: return 404
        case .health(let draining): return draining ? 503 : 200
        }
    }

    /// The representation sent, for replies from a file.
    @inline(__always)
    var representation: Representation? {
        switch self {
        case .full(let r), .partial(let r, _), .notModified(let r), .rangeNotSatisfiable(let r): return r
        case .status, .page, .health: return nil
        }
    }
}

/// Statuses Hush sends besides 200/206/304/416, with the body each carries.
enum Status: Int, Sendable, CaseIterable {
    case movedPermanently = 301
    case badRequest = 400
    case notFound = 404
    case methodNotAllowed = 405
    case
        requestTimeout = 408
    case preconditionFailed = 412
    case uriTooLong = 414
    case
        headerFieldsTooLarge = 431
    case serviceUnavailable = 503
    case versionNotSupported = 505

    var code: Int { rawValue }

    /// Its position in `allCases`: where ``StatusResponse/all`` keeps its bytes.
    var ordinal: Int {
        switch self {
        case .movedPermanently: return 0
        case .badRequest: return 1
        case .notFound: return 2
        case .methodNotAllowed: return 3
        case .requestTimeout: return 4
        case .preconditionFailed: return 5
        case .uriTooLong: return 6
        case .headerFieldsTooLarge: return 7
        case .serviceUnavailable: return 8
        case .versionNotSupported: return 9
        }
    }

    var reason: String {
        switch self {
        case .movedPermanently: return "Moved Permanently"
        case .badRequest: return "Bad Request"
        case .notFound: return "Not Found"
        case .methodNotAllowed: return "Method Not Allowed"
        case .requestTimeout: return "Request Timeout"
        case .preconditionFailed: return "Precondition Failed"
        case .uriTooLong: return "URI Too Long"
        case .headerFieldsTooLarge: return "Request Header Fields Too Large"
        case .serviceUnavailable: return "Service Unavailable"
        case .versionNotSupported: return "HTTP Version Not Supported"
        }
    }

    /// Whether the connection must close after it: the request could not be framed reliably.
    var closesConnection: Bool {
        switch self {
        case .badRequest, .uriTooLong, .headerFieldsTooLarge, .versionNotSupported, .requestTimeout: return true
        default: return false
        }
    }

    init(_ failure: RequestParser.Failure) {
        switch failure {
        case .badRequest: self = .badRequest
        case .uriTooLong: self = .uriTooLong
        case .headTooLarge: self = .headerFieldsTooLarge
        case .versionNotSupported: self = .versionNotSupported
        }
    }
}

/// Decides the reply to a parsed request from the current file table.
struct Responder: Sendable {
    /// The URL prefix, with leading and trailing slash.
    let prefix: String
    private let prefixBytes: [UInt8]
    /// The health path, if one is configured.
    let health: HealthCheck?

    init(prefix: String, health: HealthCheck? = nil) {
        self.prefix = prefix
        self.prefixBytes = Array(prefix.utf8)
        self.health = health
    }

    /// The reply to `request`, whose field ranges index `head`.
    func reply(to request: RequestHead, head: UnsafeRawBufferPointer, table: FileTable) -> Reply {
        // RFC 9110 §9.1: a static origin supports GET and HEAD; 405 lists them in Allow.
        guard request.method != .other else { return .status(.methodNotAllowed) }
        if let health, health.matches(head[request.target]) { return .health(draining: health.state.isDraining) }
        switch RequestPath.locate(target: head[request.target], prefix: prefixBytes) {
        case .badRequest:
            return .status(.badRequest)
        case .notFound:
            return notFound(table)
        case .prefixWithoutSlash(let query):
            guard table.indexedDirectories.contains("") else { return notFound(table) }
            return .status(.movedPermanently, location: prefix + String(decoding: query, as: UTF8.self))
        case .path(let relative, let query, let rawPath):
            return reply(
                relative: UnsafeRawBufferPointer(rebasing: relative),
                query: query,
                rawPath: rawPath,
                request: request,
                head: head,
                table: table
            )
        case .decodedPath(let relative, let query, let rawPath):
            return relative.withUnsafeBytes {
                reply(relative: $0, query: query, rawPath: rawPath, request: request, head: head, table: table)
            }
        }
    }

    private func reply(
        relative: UnsafeRawBufferPointer,
        query: Slice<UnsafeRawBufferPointer>,
        rawPath: Slice<UnsafeRawBufferPointer>,
        request: RequestHead,
        head: UnsafeRawBufferPointer,
        table: FileTable
    ) -> Reply {
        if let resource = table.resource(atBytes: relative) { return serve(resource, request, head) }
        if relative.isEmpty || relative.last == UInt8(ascii: "/") {
            // A directory URL: its index file, if any.
            guard !table.indexName.isEmpty else { return fallback(relative, request, head, table) }
            let index = Array(relative) + Array(table.indexName.utf8)
            guard let resource = index.withUnsafeBytes({ table.resource(atBytes: $0) }) else {
                return fallback(relative, request, head, table)
            }
            return serve(resource, request, head)
        }
        // A directory URL without its slash: redirect so relative links inside resolve.
        if table.isIndexedDirectory(atBytes: relative) {
            return .status(
                .movedPermanently,
                location: String(decoding: rawPath, as: UTF8.self) + "/" + String(decoding: query, as: UTF8.self)
            )
        }
        return fallback(relative, request, head, table)
    }

    /// A path below the prefix that matches nothing: the `--fallback` file when the last segment
    /// has no extension (a single-page site's route, as nginx's `try_files $uri /index.html`
    /// but never for `app.js`, whose absence must stay a 404), else the 404.
    private func fallback(
        _ relative: UnsafeRawBufferPointer,
        _ request: RequestHead,
        _ head: UnsafeRawBufferPointer,
        _ table: FileTable
    ) -> Reply {
        guard let resource = table.pages.fallback else { return notFound(table) }
        let lastSegment = relative.lastIndex(of: UInt8(ascii: "/")).map { relative[($0 + 1)...] } ?? relative[...]
        guard !lastSegment.contains(UInt8(ascii: ".")) else { return notFound(table) }
        return serve(resource, request, head)
    }

    /// 404: the `--not-found` page if there is one.
    @inline(__always)
    private func notFound(_ table: FileTable) -> Reply {
        guard let page = table.pages.notFound else { return .status(.notFound) }
        return .page(page)
    }

    @inline(__always)
    private func serve(_ resource: Resource, _ request: RequestHead, _ head: UnsafeRawBufferPointer) -> Reply {
        let representation: Representation
        // RFC 9842 §6: a delta against the dictionary the client holds, when it accepts `dcz`;
        // a hash that matches no delta is ignored and the request negotiated as usual.
        if let available = request.availableDictionary, !resource.deltas.isEmpty,
            FieldNegotiation.acceptsDictionaryCoding(RequestHead.view(request.acceptEncoding, in: head)),
            let delta = FieldNegotiation.delta(forAvailableDictionary: head[available], in: resource.deltas)
        {
            representation = delta
        } else {
            let coding =
                resource.hasSiblings
                ? FieldNegotiation.chooseCoding(
                    acceptEncoding: RequestHead.view(request.acceptEncoding, in: head),
                    available: resource.codings
                )
                : nil
            representation = resource.representation(for: coding)
        }
        if request.ifNoneMatch != nil || request.ifModifiedSince != nil || request.ifMatch != nil
            || request.ifUnmodifiedSince != nil
        {
            switch FieldNegotiation.evaluateConditionals(
                ifMatch: RequestHead.view(request.ifMatch, in: head),
                ifUnmodifiedSince: RequestHead.view(request.ifUnmodifiedSince, in: head),
                ifNoneMatch: RequestHead.view(request.ifNoneMatch, in: head),
                ifModifiedSince: RequestHead.view(request.ifModifiedSince, in: head),
                opaqueTag: representation.opaqueTag,
                lastModified: resource.lastModified
            )
            {
            case .notModified: return .notModified(representation)
            case .preconditionFailed: return .status(.preconditionFailed)
            case .proceed: break
            }
        }
        // RFC 9110 §14.2: Range applies to GET only; the range is of the representation sent.
        guard request.method == .get, let range = RequestHead.view(request.range, in: head) else {
            return .full(representation)
        }
        if let ifRange = RequestHead.view(request.ifRange, in: head),
            !FieldNegotiation.ifRangeMatches(
                ifRange,
                opaqueTag: representation.opaqueTag,
                lastModified: resource.lastModified
            )
        {
            return .full(representation)
        }
        switch FieldNegotiation.range(range, length: representation.length) {
        case .full: return .full(representation)
        case .partial(let bytes): return .partial(representation, bytes)
        case .unsatisfiable: return .rangeNotSatisfiable(representation)
        }
    }
}
