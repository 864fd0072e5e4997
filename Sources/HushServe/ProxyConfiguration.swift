/// How `hush serve` sits behind a reverse proxy: where it listens, whom it believes about the
/// client's address, and how it logs. Part of ``ServeConfiguration`` (its `proxy` field); built
/// only by the CLI.
public struct ProxyConfiguration: Sendable, Equatable {
    /// Where connections come from.
    public enum Listener: Sendable, Equatable {
        /// TCP on ``ServeConfiguration/host`` and ``ServeConfiguration/port``. The default.
        case tcp
        /// A unix-domain socket Hush creates (`--unix PATH`).
        case unix(UnixSocketSettings)
        /// A listening socket handed over by the service manager (systemd socket activation,
        /// `LISTEN_FDS`): this descriptor, already bound, TCP or unix. `name` is its
        /// `LISTEN_FDNAMES` entry, for messages.
        case inherited(descriptor: Int32, name: String)
    }

    /// Where connections come from. Default TCP.
    public var listener: Listener = .tcp
    /// Whose forwarding headers are believed for the access log's client address. Default: no
    /// one's (the peer is logged).
    public var clientAddress = ClientAddressResolver(trustedProxies: [], trustUnixPeer: false, header: .xForwardedFor)
    /// Access-log line format. Default Common Log Format.
    public var logFormat: AccessLogFormat = .common

    public init() {}
}

/// A unix-domain socket to create: its path and who may connect.
public struct UnixSocketSettings: Sendable, Equatable {
    /// The socket's path (at most 107 bytes, the kernel's `sun_path`).
    public var path: String
    /// Permission bits (`--unix-mode`). Default `0660`: the owner and the group may connect, so
    /// the proxy's user needs to be the owner or in the group (`--unix-group`).
    public var mode: UInt32 = 0o660
    /// Owner user id (`--unix-owner`), nil to keep the server's.
    public var owner: UInt32?
    /// Group id (`--unix-group`), nil to keep the server's.
    public var group: UInt32?

    public init(path: String, mode: UInt32 = 0o660, owner: UInt32? = nil, group: UInt32? = nil) {
        self.path = path
        self.mode = mode
        self.owner = owner
        self.group = group
    }
}
