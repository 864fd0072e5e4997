import NIOCore

extension HTTPHandler {
    /// The settings a server with `configuration` gives each connection.
    static func settings(for configuration: ServeConfiguration) -> Settings {
        Settings(
            responder: Responder(prefix: ServeConfiguration.normalizedPrefix(configuration.prefix)),
            headerTimeout: .nanoseconds(Int64(configuration.headerTimeout * 1e9)),
            idleTimeout: .nanoseconds(Int64(configuration.idleTimeout * 1e9)))
    }
}

/// The per-connection HTTP handler, for embedding Hush's responder in another pipeline or driving
/// it on an `EmbeddedChannel` (the micro-benchmarks do).
public enum ConnectionHandler {
    /// A handler for one connection serving the table in `tables` as `configuration` says.
    public static func make(configuration: ServeConfiguration, tables: TableBox) -> any ChannelHandler {
        HTTPHandler(settings: HTTPHandler.settings(for: configuration), tables: tables, accessLog: nil)
    }
}
