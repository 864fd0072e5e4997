import NIOCore

/// Everything `hush serve` needs to know, as one value. Built only by the CLI (from flags and
/// environment variables); the server never reads the environment itself.
public struct ServeConfiguration: Sendable, Equatable {
    /// Where the access log goes.
    public enum AccessLogDestination: Sendable, Equatable {
        /// No access log (the default: a CDN or reverse proxy in front usually logs already).
        case off
        /// Standard output (`--access-log -`).
        case standardOutput
        /// Appended to a file.
        case file(String)
    }

    /// The collected STATIC_ROOT to serve. Required.
    public var root: String
    /// Address to bind. Default `127.0.0.1`: behind a reverse proxy; use `0.0.0.0` to listen on all.
    public var host: String = "127.0.0.1"
    /// Port to bind. Default 8080; 0 asks the kernel for a free port (the real one is printed).
    public var port: Int = 8080
    /// URL prefix the files live under, always with leading and trailing slash. Default `/static/`.
    public var prefix: String = "/static/"
    /// `max-age` in seconds for files whose names carry no content hash. Default 60.
    public var maxAge: Int = 60
    /// Event-loop threads. Default: one per core.
    public var threads: Int = System.coreCount
    /// File served for a directory URL; empty disables directory indexes. Default `index.html`.
    public var index: String = "index.html"
    /// nosniff, CORS, `--header` rules, the 404 page and the fallback file.
    public var headers = HeaderConfiguration()
    /// Access log destination. Default off.
    public var accessLog: AccessLogDestination = .off
    /// Bytes of file content kept in memory, smallest files first. Default 256 MiB.
    public var memoryCacheBytes: Int = 256 << 20
    /// Files up to this size may be held in memory; larger ones are always sent with sendfile.
    /// Default 1 MiB.
    public var memoryFileLimit: Int = 1 << 20
    /// Open connections at most; at the cap the server stops accepting until one closes (the
    /// kernel's listen backlog holds the rest). Default 10,000.
    public var maxConnections: Int = 10_000
    /// Seconds a client has to send a complete request head once it started one (slowloris).
    /// Default 10.
    public var headerTimeout: Double = 10
    /// Seconds an idle keep-alive connection is kept open. Default 60.
    public var idleTimeout: Double = 60
    /// Seconds a connection with a response to send may go without any of it being written
    /// (a client that stopped reading); then it is closed. Default 60, as nginx's `send_timeout`.
    public var sendTimeout: Double = 60
    /// Seconds a graceful stop (SIGTERM/SIGINT) waits for responses in flight. Default 10.
    public var shutdownTimeout: Double = 10
    /// Health path and metrics listener.
    public var operations = OperationsConfiguration()
    /// HTTP/2 over cleartext (`--h2c`). Off by default.
    public var http2 = HTTP2Configuration()
    /// Behind a proxy: unix socket or socket activation, trusted proxies, log format.
    public var proxy = ProxyConfiguration()
    /// ETag digests: the file they are kept in between runs, the background pass.
    public var digests = DigestConfiguration()

    /// A configuration with every default, serving `root`.
    public init(root: String) {
        self.root = root
    }

    /// `prefix` normalised to start and end with `/` (`static` → `/static/`, `` → `/`).
    public static func normalizedPrefix(_ prefix: String) -> String {
        var p = prefix
        if !p.hasPrefix("/") { p = "/" + p }
        if !p.hasSuffix("/") { p += "/" }
        return p
    }
}
