import ArgumentParser
import Glibc
import HushServe
import HushSystem

/// `hush serve`: flags and environment variables in, a ``ServeConfiguration`` out, then run.
///
/// Every flag can also come from `HUSH_<FLAG>` (`--max-age` → `HUSH_MAX_AGE`); a flag wins over
/// its variable. `PORT` is read after `HUSH_PORT`, as Heroku-style platforms set it.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a collected STATIC_ROOT over HTTP/1.1 (and HTTP/2 cleartext with --h2c).",
        discussion: """
            Every option can also be set from the environment as HUSH_<NAME> (HUSH_ROOT, HUSH_PORT, \
            HUSH_MAX_AGE, HUSH_NO_NOSNIFF=1, ...); PORT is honoured after HUSH_PORT. SIGHUP rescans the \
            root, SIGTERM/SIGINT stop gracefully.
            """
    )

    @Option(help: "The collected STATIC_ROOT to serve (env HUSH_ROOT).")
    var root: String?
    @Option(help: "Address to bind (env HUSH_HOST; default 127.0.0.1).")
    var host: String?
    @Option(help: "Port to bind, 0 for any free one (env HUSH_PORT, then PORT; default 8080).")
    var port: Int?
    @Option(help: "URL prefix the files are served under (env HUSH_PREFIX; default /static/).")
    var prefix: String?
    @Option(
        name: .customLong("max-age"),
        help: "Cache max-age in seconds for unhashed names (env HUSH_MAX_AGE; default 60)."
    )
    var maxAge: Int?
    @Option(help: "Event-loop threads (env HUSH_THREADS; default: one per core).")
    var threads: Int?
    @Option(help: "File served for directory URLs, '' for none (env HUSH_INDEX; default index.html).")
    var index: String?
    @OptionGroup var headerOptions: HeaderOptions
    @Option(
        name: .customLong("access-log"),
        help: "Append a Common Log Format line per request to PATH, or '-' for stdout (env HUSH_ACCESS_LOG)."
    )
    var accessLog: String?
    @Option(
        name: .customLong("memory-cache"),
        help: "Bytes of small files kept in memory, e.g. 256MiB (env HUSH_MEMORY_CACHE; default 256MiB)."
    )
    var memoryCache: String?
    @Option(
        name: .customLong("max-connections"),
        help: "Open connections at most; more wait in the backlog (env HUSH_MAX_CONNECTIONS; default 10000)."
    )
    var maxConnections: Int?
    @Option(
        name: .customLong("header-timeout"),
        help: "Seconds to receive a request head (env HUSH_HEADER_TIMEOUT; default 10)."
    )
    var headerTimeout: Double?
    @Option(
        name: .customLong("idle-timeout"),
        help: "Seconds an idle keep-alive connection stays open (env HUSH_IDLE_TIMEOUT; default 60)."
    )
    var idleTimeout: Double?
    @Option(
        name: .customLong("send-timeout"),
        help:
            "Seconds a response may make no progress before the connection is closed (env HUSH_SEND_TIMEOUT; default 60)."
    )
    var sendTimeout: Double?
    @Option(
        name: .customLong("shutdown-timeout"),
        help: "Seconds SIGTERM waits for responses in flight (env HUSH_SHUTDOWN_TIMEOUT; default 10)."
    )
    var shutdownTimeout: Double?
    @OptionGroup var operationsOptions: OperationsOptions
    @OptionGroup var http2: HTTP2Options
    @OptionGroup(title: "Behind a proxy")
    var proxy: ProxyOptions
    @OptionGroup(title: "ETag digests")
    var digests: DigestOptions

    func run() throws {
        let configuration = try makeConfiguration(environment: Self.environment())
        // Taken (sd_listen_fds with unset_environment): not for anything this process might start.
        for name in ["LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"] { unsetenv(name) }
        // Before any thread starts, so every thread inherits the mask and no signal is lost.
        Server.blockHandledSignals()
        let server: Server
        do {
            server = try Server.startBlocking(configuration: configuration)
        } catch {
            throw CLIFailure(message: "\(error)")
        }
        let files = server.tables.current.count
        let prefix = ServeConfiguration.normalizedPrefix(configuration.prefix)
        let root = configuration.root
        // The metrics address joins the one start-up line (with port 0, the port chosen).
        let metrics = configuration.operations.metricsListen.map { address in
            let host = address.host.contains(":") ? "[\(address.host)]" : address.host
            return "; metrics at http://\(host):\(server.metricsPort ?? address.port)/metrics"
        }
        // `http://127.0.0.1:8080/static/`; a unix socket has no URL: `unix:/run/hush.sock, prefix /static/`.
        let at =
            server.listenDescription.hasPrefix("unix:")
            ? "\(server.listenDescription), prefix " : server.listenDescription
        server.runUntilSignalled(
            ready: {
                Self.write(
                    "hush: serving \(root) at \(at)\(prefix) (\(files) files)\(metrics ?? "")\n",
                    to: STDOUT_FILENO
                )
            },
            reloaded: { result in
                switch result {
                case .success(let table): Self.note("hush: reloaded \(root) (\(table.count) files)")
                case .failure(let error): Self.note("hush: reload failed, still serving the previous files: \(error)")
                }
            }
        )
    }

    /// Flags over `HUSH_*` variables over defaults. Checked here rather than in `validate()`:
    /// a variable is as good as its flag, and gets the same one-line error. Throws ``CLIFailure``.
    func makeConfiguration(environment env: [String: String]) throws -> ServeConfiguration {
        guard let root = root ?? env["HUSH_ROOT"], !root.isEmpty else {
            throw CLIFailure(message: "no STATIC_ROOT: pass --root DIR or set HUSH_ROOT")
        }
        var c = ServeConfiguration(root: root)
        if let v = host ?? env["HUSH_HOST"] { c.host = v }
        if let v = try port ?? Self.int(env, "HUSH_PORT") ?? Self.int(env, "PORT") { c.port = v }
        if let v = prefix ?? env["HUSH_PREFIX"] { c.prefix = ServeConfiguration.normalizedPrefix(v) }
        if let v = try maxAge ?? Self.int(env, "HUSH_MAX_AGE") {
            guard v >= 0 else { throw CLIFailure(message: "--max-age must be 0 or more seconds") }
            c.maxAge = v
        }
        if let v = try threads ?? Self.int(env, "HUSH_THREADS") { c.threads = v }
        if let v = index ?? env["HUSH_INDEX"] { c.index = v }
        c.headers = try headerOptions.configuration(environment: env)
        if let v = accessLog ?? env["HUSH_ACCESS_LOG"], !v.isEmpty {
            c.accessLog = v == "-" ? .standardOutput : .file(v)
        }
        if let v = memoryCache ?? env["HUSH_MEMORY_CACHE"] {
            guard let bytes = ByteSize.parse(v) else {
                throw CLIFailure(message: "--memory-cache \(v): expected a size like 256MiB, 64M or 1000000")
            }
            c.memoryCacheBytes = bytes
        }
        if let v = try maxConnections ?? Self.int(env, "HUSH_MAX_CONNECTIONS") { c.maxConnections = v }
        if let v = try headerTimeout ?? Self.double(env, "HUSH_HEADER_TIMEOUT") { c.headerTimeout = v }
        if let v = try idleTimeout ?? Self.double(env, "HUSH_IDLE_TIMEOUT") { c.idleTimeout = v }
        if let v = try sendTimeout ?? Self.double(env, "HUSH_SEND_TIMEOUT") { c.sendTimeout = v }
        if let v = try shutdownTimeout ?? Self.double(env, "HUSH_SHUTDOWN_TIMEOUT") { c.shutdownTimeout = v }
        c.http2 = try http2.configuration(environment: env)
        c.proxy = try proxy.makeConfiguration(environment: env, processID: getpid())
        c.digests = digests.makeConfiguration(root: root, environment: env)
        for (name, value) in [
            ("--header-timeout", c.headerTimeout), ("--idle-timeout", c.idleTimeout),
            ("--send-timeout", c.sendTimeout), ("--shutdown-timeout", c.shutdownTimeout),
        ]
        where !(value > 0) {
            throw CLIFailure(message: "\(name) must be a positive number of seconds")
        }
        c.operations = try operationsOptions.configuration(environment: env)
        return c
    }

    private static func int(_ env: [String: String], _ name: String) throws(CLIFailure) -> Int? {
        guard let text = env[name], !text.isEmpty else { return nil }
        guard let value = Int(text) else { throw CLIFailure(message: "\(name)=\(text): expected a whole number") }
        return value
    }

    private static func double(_ env: [String: String], _ name: String) throws(CLIFailure) -> Double? {
        guard let text = env[name], !text.isEmpty else { return nil }
        guard let value = Double(text) else {
            throw CLIFailure(message: "\(name)=\(text): expected a number of seconds")
        }
        return value
    }

    static func truthy(_ value: String?) -> Bool {
        guard let value else { return false }
        return ["1", "true", "yes", "on"].contains(value.lowercased())
    }

    private static func environment() -> [String: String] {
        var env: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let eq = text.firstIndex(of: "=") {
                env[String(text[..<eq])] = String(text[text.index(after: eq)...])
            }
            pointer += 1
        }
        return env
    }

    private static func note(_ message: String) {
        write(message + "\n", to: STDERR_FILENO)
    }

    /// Unbuffered, so a supervisor reading a pipe sees the line at once.
    private static func write(_ text: String, to descriptor: CInt) {
        try? Syscall.writeFully(descriptor, Array(text.utf8))
    }
}

/// Sizes as people write them: `256MiB`, `64M`, `512KiB`, `1G`, `1000000` (bytes).
enum ByteSize {
    static func parse(_ text: String) -> Int? {
        let t = text.trimmingPrefixAndSuffixSpaces.lowercased()
        let digits = t.prefix { $0.isASCII && $0.isNumber }
        guard let number = Int(digits) else { return nil }
        let unit = t.dropFirst(digits.count).trimmingPrefixAndSuffixSpaces
        let multipliers: [String: Int] = [
            "": 1, "b": 1, "k": 1 << 10, "kb": 1_000, "kib": 1 << 10, "m": 1 << 20, "mb": 1_000_000, "mib": 1 << 20,
            "g": 1 << 30, "gb": 1_000_000_000, "gib": 1 << 30,
        ]
        guard let multiplier = multipliers[String(unit)] else { return nil }
        let (value, overflow) = number.multipliedReportingOverflow(by: multiplier)
        return overflow ? nil : value
    }
}

extension StringProtocol {
    fileprivate var trimmingPrefixAndSuffixSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
