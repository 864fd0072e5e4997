/// What `hush serve` offers the machinery around it: a health check for load balancers and
/// orchestrators, and Prometheus metrics on a listener of their own.
public struct OperationsConfiguration: Sendable, Equatable {
    /// An address and port for the metrics listener.
    public struct Address: Sendable, Equatable {
        public var host: String
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }
    }

    /// A path on the static listener (`/_health`, matched without its query) answered 200 while
    /// serving and 503 once a graceful stop began. Nil (the default): no health path.
    public var healthPath: String?
    /// Whether health checks appear in the access log. Default false: a checker every few seconds
    /// would drown the lines that matter.
    public var logHealthChecks = false
    /// Seconds between SIGTERM and closing the listener, during which the health path answers 503
    /// and everything else is served as before, so a load balancer takes the server out of its
    /// pool before connections are refused (Caddy's `shutdown_delay`). Default 0.
    public var shutdownDelay: Double = 0
    /// Where Prometheus scrapes `GET /metrics`. Nil (the default): no metrics listener. Never the
    /// static listener: nothing under the prefix can expose it.
    public var metricsListen: Address?

    public init() {}

    /// Parses `HOST:PORT` or `[IPv6]:PORT` for `--metrics-listen`.
    public static func address(_ text: String) -> Address? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65_535).contains(port)
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        return Address(host: host, port: port)
    }
}
