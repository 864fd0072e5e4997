import ArgumentParser
import HushServe

/// `hush serve`'s health path and metrics listener, each also from its `HUSH_*` variable.
struct OperationsOptions: ParsableArguments {
    @Option(
        name: .customLong("health-path"),
        help: ArgumentHelp(
            "Answer 200 here while serving, 503 once stopping, e.g. /_health (env HUSH_HEALTH_PATH; default none).",
            valueName: "PATH"
        )
    )
    var healthPath: String?
    @Flag(name: .customLong("log-health"), help: "Write health checks to the access log too (env HUSH_LOG_HEALTH=1).")
    var logHealth = false
    @Option(
        name: .customLong("shutdown-delay"),
        help:
            "Seconds between SIGTERM and closing the listener, with the health path at 503 (env HUSH_SHUTDOWN_DELAY; default 0)."
    )
    var shutdownDelay: Double?
    @Option(
        name: .customLong("metrics-listen"),
        help: ArgumentHelp(
            "Serve Prometheus metrics at http://HOST:PORT/metrics, a listener of its own (env HUSH_METRICS_LISTEN; default off).",
            valueName: "HOST:PORT"
        )
    )
    var metricsListen: String?

    func configuration(environment env: [String: String]) throws(CLIFailure) -> OperationsConfiguration {
        var c = OperationsConfiguration()
        if let v = healthPath ?? env["HUSH_HEALTH_PATH"], !v.isEmpty {
            // Matched against the request target as sent: an origin-form path.
            guard v.hasPrefix("/"), !v.contains("?"), !v.contains(where: { $0 == " " || $0.isNewline }) else {
                throw CLIFailure(message: "--health-path \(v): expected a path starting with /, e.g. /_health")
            }
            c.healthPath = v
        }
        c.logHealthChecks = logHealth || ServeCommand.truthy(env["HUSH_LOG_HEALTH"])
        let delayText = env["HUSH_SHUTDOWN_DELAY"].flatMap { $0.isEmpty ? nil : $0 }
        if let v = shutdownDelay ?? delayText.flatMap(Double.init) {
            guard v >= 0, v.isFinite else { throw CLIFailure(message: "--shutdown-delay must be 0 or more seconds") }
            c.shutdownDelay = v
        } else if let delayText {
            throw CLIFailure(message: "HUSH_SHUTDOWN_DELAY=\(delayText): expected a number of seconds")
        }
        if let v = metricsListen ?? env["HUSH_METRICS_LISTEN"], !v.isEmpty {
            guard let address = OperationsConfiguration.address(v) else {
                throw CLIFailure(message: "--metrics-listen \(v): expected HOST:PORT, e.g. 127.0.0.1:9464")
            }
            c.metricsListen = address
        }
        return c
    }
}
