import NIOCore

extension HTTPHandler {
    /// The settings a server with `configuration` gives each connection. `warn` takes lines for
    /// the operator; `reloadSoon` is asked to rescan when a file changed on disk.
    static func settings(
        for configuration: ServeConfiguration,
        warn: @escaping @Sendable (String) -> Void = { _ in },
        reloadSoon: @escaping @Sendable (String) -> Void = { _ in },
        health: HealthState = HealthState()
    ) -> Settings {
        let healthCheck = configuration.operations.healthPath.map { HealthCheck(path: Array($0.utf8), state: health) }
        return Settings(
            responder: Responder(
                prefix: ServeConfiguration.normalizedPrefix(configuration.prefix),
                health: healthCheck
            ),
            timeouts: ConnectionTimer.Timeouts(
                header: .nanoseconds(Int64(configuration.headerTimeout * 1e9)),
                idle: .nanoseconds(Int64(configuration.idleTimeout * 1e9)),
                send: .nanoseconds(Int64(configuration.sendTimeout * 1e9))
            ),
            warn: warn,
            reloadSoon: reloadSoon,
            corsOrigins: CORSOrigins(configuration.headers.cors),
            logHealthChecks: configuration.operations.logHealthChecks,
            clientAddress: configuration.proxy.clientAddress
        )
    }
}

/// The per-connection HTTP handler, for embedding Hush's responder in another pipeline or driving
/// it on an `EmbeddedChannel` (the micro-benchmarks do).
public enum ConnectionHandler {
    /// A handler for one connection serving the table in `tables` as `configuration` says. A file
    /// changed on disk is answered 503 until `tables` gets a rescanned table.
    public static func make(configuration: ServeConfiguration, tables: TableBox) -> any ChannelHandler {
        HTTPHandler(settings: HTTPHandler.settings(for: configuration), tables: tables, accessLog: nil)
    }
}
