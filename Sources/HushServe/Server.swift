import Glibc
import HushSystem
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A running `hush serve`: a listening socket, its event loops and the current file table.
///
/// Start with ``start(configuration:table:warn:)`` (async) or ``startBlocking(configuration:table:warn:)``;
/// ``reload()`` rescans STATIC_ROOT and swaps the table; ``stop()`` stops accepting, lets
/// responses in flight finish within ``ServeConfiguration/shutdownTimeout`` and shuts the loops down.
public final class Server: Sendable {
    /// The configuration the server runs with.
    public let configuration: ServeConfiguration
    /// The table requests are answered from.
    public let tables: TableBox
    /// The port actually bound (differs from the configured one when that was 0); 0 on a unix socket.
    public let localPort: Int
    /// The port the metrics listener bound, when `--metrics-listen` is set.
    public let metricsPort: Int?
    /// What the health path reports.
    public let health: HealthState
    /// Where the server listens, for the ready line: `http://127.0.0.1:8080`, `unix:/run/hush.sock`.
    public let listenDescription: String

    private let group: MultiThreadedEventLoopGroup
    private let listener: Channel
    private let accessLog: AccessLog?
    private let logFlusher: RepeatedTask?
    private let reloader: Reloader
    private let metricsListener: Channel?
    /// The unix socket this server created (removed at stop), or the inherited one.
    private let listenSocket: ListenSocket?

    private init(
        reloader: Reloader,
        localPort: Int,
        listenDescription: String,
        listenSocket: ListenSocket?,
        group: MultiThreadedEventLoopGroup,
        listener: Channel,
        metricsListener: Channel?,
        health: HealthState,
        accessLog: AccessLog?,
        logFlusher: RepeatedTask?
    ) {
        self.configuration = reloader.configuration
        self.tables = reloader.tables
        self.reloader = reloader
        self.localPort = localPort
        self.metricsListener = metricsListener
        self.metricsPort = metricsListener?.localAddress?.port
        self.health = health
        self.listenDescription = listenDescription
        self.listenSocket = listenSocket
        self.group = group
        self.listener = listener
        self.accessLog = accessLog
        self.logFlusher = logFlusher
    }

    /// Scans the root (unless `table` is given), binds and starts serving. `warn` receives the
    /// lines meant for the operator (a failing access log, a file changed under the server).
    public static func start(
        configuration: ServeConfiguration,
        table: FileTable? = nil,
        warn: @escaping @Sendable (String) -> Void = Server.writeToStandardError
    ) async throws -> Server {
        let (group, future) = try prepare(configuration: configuration, table: table, warn: warn)
        do {
            return try await future.get()
        } catch {
            try? await group.shutdownGracefully()
            throw bindError(error, configuration)
        }
    }

    /// Blocking form of ``start(configuration:table:warn:)`` for synchronous callers (the CLI).
    public static func startBlocking(
        configuration: ServeConfiguration,
        table: FileTable? = nil,
        warn: @escaping @Sendable (String) -> Void = Server.writeToStandardError
    ) throws -> Server {
        let (group, future) = try prepare(configuration: configuration, table: table, warn: warn)
        do {
            return try future.wait()
        } catch {
            try? group.syncShutdownGracefully()
            throw bindError(error, configuration)
        }
    }

    private static func bindError(_ error: Error, _ configuration: ServeConfiguration) -> Error {
        if error is ServeError || error is ListenError { return error }
        switch configuration.proxy.listener {
        case .tcp: break
        case .unix(let socket): return ListenError("cannot listen on unix:\(socket.path): \(error)")
        case .inherited(let fd, let name):
            return ListenError("cannot listen on the activated socket \(fd) (\(name)): \(error)")
        }
        return ServeError.cannotBind(host: configuration.host, port: configuration.port, reason: "\(error)")
    }

    private static func prepare(
        configuration: ServeConfiguration,
        table: FileTable?,
        warn: @escaping @Sendable (String) -> Void
    ) throws -> (MultiThreadedEventLoopGroup, EventLoopFuture<Server>) {
        guard configuration.threads >= 1 else { throw ServeError.invalidConfiguration("--threads must be at least 1") }
        guard (0...65_535).contains(configuration.port) else {
            throw ServeError.invalidConfiguration("--port must be 0...65535")
        }
        guard configuration.maxConnections >= 1 else {
            throw ServeError.invalidConfiguration("the connection cap must be at least 1")
        }
        let table =
            try table
            ?? FileTable.load(
                configuration: configuration,
                digests: DigestStore(cacheToRead: configuration.digests.cacheFile)
            )
        // The scan's transient strings and sets (tens of MB at 100,000 files) go back to the
        // system rather than staying in the allocator's free lists for the server's life.
        Syscall.releaseFreeMemory()
        let accessLog = try AccessLog.open(configuration.accessLog, format: configuration.proxy.logFormat, warn: warn)
        let listenSocket: ListenSocket?
        switch configuration.proxy.listener {
        case .tcp: listenSocket = nil
        case .unix(let settings): listenSocket = try ListenSocket.unix(settings)
        case .inherited(let fd, let name): listenSocket = try ListenSocket.inherited(fd, name: name)
        }
        raiseDescriptorLimit()
        let reloader = Reloader(configuration: configuration, tables: TableBox(table), warn: warn)
        let tables = reloader.tables
        let health = HealthState()
        let settings = HTTPHandler.settings(
            for: configuration,
            warn: warn,
            reloadSoon: { reloader.reloadSoon(changed: $0) },
            health: health
        )
        let maxConnections = configuration.maxConnections
        // With h2c on, each connection starts with a sniffer that installs HTTP/1.1 or HTTP/2.
        let sniffing: ProtocolSniffer.Setup? =
            configuration.http2.enabled
            ? ProtocolSniffer.Setup(
                settings: settings,
                tables: tables,
                accessLog: accessLog,
                http2: configuration.http2
            )
            : nil
        let group = MultiThreadedEventLoopGroup(numberOfThreads: configuration.threads)
        let metrics = configuration.operations.metricsListen.map { _ in
            ServeMetrics(loops: Array(group.makeIterator()), reloads: reloader.history, tables: tables)
        }
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 4096)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ConnectionLimiter(maxConnections: maxConnections))
                }
            }
            .childChannelOption(.maxMessagesPerRead, value: 8)
            .childChannelOption(.autoRead, value: true)
            // A client that half-closes after its requests (`nc -N`, health checkers) still gets
            // every answer it asked for; the handler closes once they are sent.
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let sniffing {
                        return try channel.pipeline.syncOperations.addHandler(ProtocolSniffer(setup: sniffing))
                    }
                    try channel.pipeline.syncOperations.addHandler(
                        HTTPHandler(
                            settings: settings,
                            tables: tables,
                            accessLog: accessLog,
                            counters: metrics?.counters(for: channel.eventLoop)
                        )
                    )
                }
            }
        // No TCP options on a unix socket: setting one would fail, and with it every connection.
        if listenSocket?.isUnix != true { _ = bootstrap.childChannelOption(.socketOption(.tcp_nodelay), value: 1) }
        let bound =
            listenSocket.map { bootstrap.withBoundSocket($0.descriptor) }
            ?? bootstrap.bind(host: configuration.host, port: configuration.port)
        let future = bound.flatMap { listener in
            let metricsBound: EventLoopFuture<(any Channel)?>
            if let metrics, let address = configuration.operations.metricsListen {
                metricsBound = MetricsListener.bind(address, group: group, metrics: metrics).map { $0 }
                    .flatMapErrorThrowing { error in
                        listener.close(promise: nil)
                        throw ServeError.invalidConfiguration(
                            "--metrics-listen \(address.host):\(address.port): cannot listen (\(error))"
                        )
                    }
            } else {
                metricsBound = listener.eventLoop.makeSucceededFuture(nil)
            }
            return metricsBound.map { metricsListener in
                let logFlusher = accessLog.map { log in
                    group.next().scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { _ in log.flush()
                    }
                }
                reloader.startDigestPass()
                return Server(
                    reloader: reloader,
                    localPort: listener.localAddress?.port ?? 0,
                    listenDescription: describe(listener.localAddress, configuration),
                    listenSocket: listenSocket,
                    group: group,
                    listener: listener,
                    metricsListener: metricsListener,
                    health: health,
                    accessLog: accessLog,
                    logFlusher: logFlusher
                )
            }
        }
        future.whenFailure { _ in listenSocket?.removeFile() }
        return (group, future)
    }

    /// `http://HOST:PORT` for TCP (IPv6 in brackets), `unix:PATH` for a unix socket.
    private static func describe(_ address: SocketAddress?, _ configuration: ServeConfiguration) -> String {
        switch address {
        case .unixDomainSocket?:
            if case .unix(let socket) = configuration.proxy.listener { return "unix:" + socket.path }
            return "unix:" + (address?.pathname ?? "")
        case .v4?, .v6?:
            let host = address?.ipAddress ?? configuration.host
            if case .tcp = configuration.proxy.listener {
                let shown = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
                return "http://\(shown):\(address?.port ?? configuration.port)"
            }
            return "http://\(host.contains(":") ? "[\(host)]" : host):\(address?.port ?? 0)"
        default:
            return "http://\(configuration.host):\(configuration.port)"
        }
    }

    /// Rescans STATIC_ROOT and makes the new table current. Requests in flight finish from the
    /// table they started with; unchanged files keep their ETags without being hashed again.
    /// On error the current table stays.
    @discardableResult
    public func reload() throws(ServeError) -> FileTable {
        try reloader.reload()
    }

    /// How many connections are open now.
    public func openConnectionCount() async throws -> Int {
        try await listener.eventLoop.submit {
            try self.listener.pipeline.syncOperations.handler(type: ConnectionLimiter.self).openCount
        }.get()
    }

    /// Stops accepting, asks every connection to close after its response in flight, force-closes
    /// what remains after the shutdown timeout, then stops the event loops.
    public func stop() async {
        try? await quiesce().get()
        try? await group.shutdownGracefully()
        accessLog?.finish()
        listenSocket?.removeFile()
        reloader.finish()
    }

    /// Blocking form of ``stop()``.
    public func stopBlocking() {
        try? quiesce().wait()
        try? group.syncShutdownGracefully()
        accessLog?.finish()
        listenSocket?.removeFile()
        reloader.finish()
    }

    /// Whether the background digest pass has finished (for tests).
    var digestPassIsIdle: Bool { reloader.digestPass.isIdle }

    /// The graceful stop. First the health path turns 503; with a shutdown delay everything else
    /// is served as before for that long, so load balancers see the 503 and take the server out
    /// before its listener closes. Then as described at ``stop()``. The metrics listener closes
    /// last, so a scrape during the drain still answers.
    private func quiesce() -> EventLoopFuture<Void> {
        health.drain()
        let loop = listener.eventLoop
        let delay = TimeAmount.nanoseconds(Int64(configuration.operations.shutdownDelay * 1e9))
        let delayed =
            delay > .zero ? loop.scheduleTask(in: delay) {}.futureResult : loop.makeSucceededVoidFuture()
        return delayed.flatMap { self.closeListener() }.flatMap {
            guard let metricsListener = self.metricsListener else { return loop.makeSucceededVoidFuture() }
            return metricsListener.close().recover { _ in }
        }
    }

    private func closeListener() -> EventLoopFuture<Void> {
        let grace = TimeAmount.nanoseconds(Int64(configuration.shutdownTimeout * 1e9))
        let loop = listener.eventLoop
        logFlusher?.cancel()
        // Taking the connection list and closing the listener in one turn of its loop: no
        // connection can be accepted in between and missed.
        let open: EventLoopFuture<[Channel]> = loop.submit {
            let channels =
                (try? self.listener.pipeline.syncOperations.handler(type: ConnectionLimiter.self).openChannels) ?? []
            self.listener.close(promise: nil)
            return channels
        }
        return open.flatMap { channels in
            for channel in channels { channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent()) }
            let closed = EventLoopFuture.andAllComplete(channels.map(\.closeFuture), on: loop)
            let timeout = loop.scheduleTask(in: grace) {
                for channel in channels { channel.close(promise: nil) }
            }
            return closed.always { _ in timeout.cancel() }
        }
    }

    /// Writes `line` and a newline to stderr in one unbuffered write, so a supervisor reading the
    /// pipe sees it at once and lines from several threads do not interleave.
    public static let writeToStandardError: @Sendable (String) -> Void = { line in
        // A failure has nowhere to be reported: stderr is where it would go.
        try? Syscall.writeFully(STDERR_FILENO, Array((line + "\n").utf8))
    }

    /// Lifts the soft limit on open descriptors to the hard limit: each connection and each large
    /// file takes one.
    private static func raiseDescriptorLimit() {
        var limit = rlimit()
        guard getrlimit(RLIMIT_NOFILE_VALUE, &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(RLIMIT_NOFILE_VALUE, &limit)
    }
}

private let RLIMIT_NOFILE_VALUE = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
