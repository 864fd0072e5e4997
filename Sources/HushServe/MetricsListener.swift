import NIOCore
import NIOHTTP1
import NIOPosix

/// The `--metrics-listen` listener: `GET /metrics` in Prometheus' text exposition format, 404 for
/// anything else. A listener of its own, so no path under the static prefix can reach it and it
/// can be bound to an address the public never sees. Scrapes are rare: it uses NIO's HTTP codec
/// rather than the static listener's hand-written one.
enum MetricsListener {
    static func bind(
        _ address: OperationsConfiguration.Address,
        group: any EventLoopGroup,
        metrics: ServeMetrics
    ) -> EventLoopFuture<any Channel> {
        ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(ScrapeHandler(metrics: metrics))
                }
            }
            .bind(host: address.host, port: address.port)
    }
}

/// Answers one scrape per request: sums the loops' counters, renders, writes.
private final class ScrapeHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let metrics: ServeMetrics
    private var request: HTTPRequestHead?

    init(metrics: ServeMetrics) {
        self.metrics = metrics
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): request = head
        case .body: break
        case .end:
            guard let head = request.take() else { return }
            answer(head, context)
        }
    }

    private func answer(_ head: HTTPRequestHead, _ context: ChannelHandlerContext) {
        let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        guard path == "/metrics" else { return respond(head, .notFound, "Not Found\n", context) }
        guard head.method == .GET || head.method == .HEAD else {
            return respond(head, .methodNotAllowed, "Method Not Allowed\n", context)
        }
        let metrics = self.metrics
        metrics.snapshot(on: context.eventLoop).assumeIsolated().whenComplete { result in
            switch result {
            case .success(let counts):
                let body = metrics.render(counts)
                self.respond(
                    head,
                    .ok,
                    String(decoding: body, as: UTF8.self),
                    context,
                    contentType: "text/plain; version=0.0.4; charset=utf-8"
                )
            case .failure:
                // A loop is shutting down: the server is stopping.
                self.respond(head, .serviceUnavailable, "Service Unavailable\n", context)
            }
        }
    }

    private func respond(
        _ request: HTTPRequestHead,
        _ status: HTTPResponseStatus,
        _ text: String,
        _ context: ChannelHandlerContext,
        contentType: String = "text/plain; charset=utf-8"
    ) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Content-Length", value: String(text.utf8.count))
        headers.add(name: "Cache-Control", value: "no-store")
        if status == .methodNotAllowed { headers.add(name: "Allow", value: "GET, HEAD") }
        let keepAlive = request.isKeepAlive
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: status, headers: headers))),
            promise: nil
        )
        if request.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: text)))), promise: nil)
        }
        let done = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: done)
        if !keepAlive { done.futureResult.assumeIsolated().whenComplete { _ in context.close(promise: nil) } }
    }
}
