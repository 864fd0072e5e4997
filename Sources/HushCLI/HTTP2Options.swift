import ArgumentParser
import HushServe

/// `--h2c` and its limit: HTTP/2 over cleartext for proxies and platforms that speak HTTP/2 to
/// their backends (Envoy, Cloud Run's end-to-end HTTP/2). One declaration, turned into the
/// ``HTTP2Configuration`` that ``ServeConfiguration/http2`` carries.
struct HTTP2Options: ParsableArguments {
    @Flag(
        name: .customLong("h2c"),
        help: "Also speak HTTP/2 over cleartext: prior knowledge and Upgrade: h2c (env HUSH_H2C=1)."
    )
    var enabled = false

    @Option(
        name: .customLong("h2c-max-streams"),
        help: ArgumentHelp(
            "HTTP/2 streams a client may have open at once (env HUSH_H2C_MAX_STREAMS; default 128).",
            valueName: "N"
        )
    )
    var maxStreams: Int?

    /// The configuration from these flags over `HUSH_H2C*` variables over the defaults.
    func configuration(environment env: [String: String]) throws(CLIFailure) -> HTTP2Configuration {
        var c = HTTP2Configuration()
        c.enabled = enabled || ["1", "true", "yes", "on"].contains(env["HUSH_H2C"]?.lowercased() ?? "")
        var streams = maxStreams
        if streams == nil, let text = env["HUSH_H2C_MAX_STREAMS"], !text.isEmpty {
            guard let value = Int(text) else {
                throw CLIFailure(message: "HUSH_H2C_MAX_STREAMS=\(text): expected a whole number")
            }
            streams = value
        }
        if let streams {
            // RFC 9113 §6.5.2: the setting is 32 bits; 0 would refuse every request.
            guard (1...Int(Int32.max)).contains(streams) else {
                throw CLIFailure(message: "--h2c-max-streams \(streams): expected 1 or more")
            }
            c.maxConcurrentStreams = streams
        }
        return c
    }
}
