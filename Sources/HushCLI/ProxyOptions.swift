import ArgumentParser
import Glibc
import HushServe

/// `hush serve`'s flags for running behind a reverse proxy: a unix socket or systemd socket
/// activation instead of TCP, the proxies whose forwarding headers are believed, the log format.
/// Each also comes from `HUSH_<FLAG>`, like every serve flag.
struct ProxyOptions: ParsableArguments {
    @Option(help: "Listen on a unix socket at PATH instead of TCP (env HUSH_UNIX).")
    var unix: String?
    @Option(
        name: .customLong("unix-mode"),
        help: "Permission bits of the socket, octal (env HUSH_UNIX_MODE; default 660)."
    )
    var unixMode: String?
    @Option(name: .customLong("unix-owner"), help: "User owning the socket, name or uid (env HUSH_UNIX_OWNER).")
    var unixOwner: String?
    @Option(name: .customLong("unix-group"), help: "Group of the socket, name or gid (env HUSH_UNIX_GROUP).")
    var unixGroup: String?
    @Option(
        name: .customLong("trusted-proxy"),
        help: ArgumentHelp(
            "A proxy whose X-Forwarded-For/Forwarded names the client in the access log: CIDR or address, IPv4 or IPv6, or 'unix:' for peers on the unix socket; repeatable (env HUSH_TRUSTED_PROXY, comma-separated).",
            valueName: "CIDR"
        )
    )
    var trustedProxy: [String] = []
    @Option(
        name: .customLong("forwarded-header"),
        help:
            "Header the trusted proxies set: x-forwarded-for or forwarded (env HUSH_FORWARDED_HEADER; default x-forwarded-for)."
    )
    var forwardedHeader: String?
    @Option(
        name: .customLong("log-format"),
        help: "Access-log lines: common or json (env HUSH_LOG_FORMAT; default common)."
    )
    var logFormat: String?

    /// The proxy part of the configuration. `environment` also carries systemd's `LISTEN_PID`,
    /// `LISTEN_FDS` and `LISTEN_FDNAMES`; `processID` is ours, to check `LISTEN_PID` against.
    func makeConfiguration(environment env: [String: String], processID: Int32) throws -> ProxyConfiguration {
        var p = ProxyConfiguration()
        let activated = try Self.activatedSocket(env, processID: processID)
        if let path = unix ?? env["HUSH_UNIX"], !path.isEmpty {
            guard activated == nil else {
                throw CLIFailure(message: "--unix \(path) and socket activation (LISTEN_FDS) both given; use one")
            }
            var socket = UnixSocketSettings(path: path)
            if let v = unixMode ?? env["HUSH_UNIX_MODE"], !v.isEmpty {
                guard let mode = UInt32(v, radix: 8), mode <= 0o777 else {
                    throw CLIFailure(message: "--unix-mode \(v): expected octal permission bits like 660 or 0666")
                }
                socket.mode = mode
            }
            if let v = unixOwner ?? env["HUSH_UNIX_OWNER"], !v.isEmpty { socket.owner = try Self.user(v) }
            if let v = unixGroup ?? env["HUSH_UNIX_GROUP"], !v.isEmpty { socket.group = try Self.group(v) }
            p.listener = .unix(socket)
        } else if let activated {
            p.listener = activated
        }
        var proxies = trustedProxy
        if proxies.isEmpty, let v = env["HUSH_TRUSTED_PROXY"] {
            proxies = v.split(separator: ",").map { String($0).trimmingCharacters(in: " ") }
        }
        for text in proxies where !text.isEmpty {
            if text == "unix:" || text == "unix" {
                p.clientAddress.trustUnixPeer = true
            } else if let range = AddressRange(text) {
                p.clientAddress.trustedProxies.append(range)
            } else {
                throw CLIFailure(
                    message: "--trusted-proxy \(text): expected an address or CIDR (10.0.0.0/8, ::1, fd00::/8) or unix:"
                )
            }
        }
        if let v = forwardedHeader ?? env["HUSH_FORWARDED_HEADER"], !v.isEmpty {
            guard let header = ForwardedHeader(rawValue: v.lowercased()) else {
                throw CLIFailure(message: "--forwarded-header \(v): expected x-forwarded-for or forwarded")
            }
            p.clientAddress.header = header
        }
        if let v = logFormat ?? env["HUSH_LOG_FORMAT"], !v.isEmpty {
            guard let format = AccessLogFormat(rawValue: v.lowercased()) else {
                throw CLIFailure(message: "--log-format \(v): expected common or json")
            }
            p.logFormat = format
        }
        return p
    }

    /// The socket systemd passed, by sd_listen_fds(3)'s rules: only when `LISTEN_PID` is this
    /// process (the variables may be inherited by a child they were not meant for), descriptors
    /// from 3 (`SD_LISTEN_FDS_START`), `LISTEN_FDS` of them, named by `LISTEN_FDNAMES`
    /// (colon-separated). Hush serves one listener: more than one socket is refused.
    static func activatedSocket(_ env: [String: String], processID: Int32) throws -> ProxyConfiguration.Listener? {
        guard let pid = env["LISTEN_PID"], let count = env["LISTEN_FDS"] else { return nil }
        guard Int32(pid) == processID else { return nil }
        guard let n = Int(count), n >= 0 else {
            throw CLIFailure(message: "LISTEN_FDS=\(count): expected a number of sockets (socket activation)")
        }
        if n == 0 { return nil }
        guard n == 1 else {
            throw CLIFailure(
                message: "socket activation passed \(n) sockets (LISTEN_FDS); hush serve listens on one: "
                    + "give its .socket unit one ListenStream="
            )
        }
        let name = env["LISTEN_FDNAMES"].flatMap { $0.split(separator: ":").first.map(String.init) } ?? "unknown"
        return .inherited(descriptor: 3, name: name)
    }

    private static func user(_ text: String) throws -> UInt32 {
        if let id = UInt32(text) { return id }
        guard let entry = getpwnam(text) else { throw CLIFailure(message: "--unix-owner \(text): no such user") }
        return entry.pointee.pw_uid
    }

    private static func group(_ text: String) throws -> UInt32 {
        if let id = UInt32(text) { return id }
        guard let entry = getgrnam(text) else { throw CLIFailure(message: "--unix-group \(text): no such group") }
        return entry.pointee.gr_gid
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        String(drop { $0 == set }.reversed().drop { $0 == set }.reversed())
    }
}
