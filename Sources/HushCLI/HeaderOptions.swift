import ArgumentParser
import HushServe

/// `hush serve`'s header rules: nosniff, CORS, `--header`, the 404 page and the fallback file.
/// Each also comes from its `HUSH_*` variable; the repeatable ones take a list there
/// (`HUSH_HEADER` one rule per line, `HUSH_CORS_ORIGIN` separated by spaces or commas).
struct HeaderOptions: ParsableArguments {
    @Flag(
        name: .customLong("no-nosniff"),
        help: "Do not send X-Content-Type-Options: nosniff (env HUSH_NO_NOSNIFF=1)."
    )
    var noNoSniff = false
    @Option(
        name: .customLong("cors-origin"),
        help: ArgumentHelp(
            "Allow only this origin (scheme://host[:port]) to read the files across origins, or '*' for any; repeatable (env HUSH_CORS_ORIGIN; default '*').",
            valueName: "ORIGIN"
        )
    )
    var corsOrigins: [String] = []
    @Flag(name: .customLong("no-cors"), help: "Send no Access-Control-Allow-Origin (env HUSH_NO_CORS=1).")
    var noCORS = false
    @Option(
        name: .customLong("header"),
        help: ArgumentHelp(
            "Add a field to responses for files matching GLOB (below the prefix), repeatable: '*.woff2: Cross-Origin-Resource-Policy: cross-origin' (env HUSH_HEADER, one per line).",
            valueName: "'GLOB: Name: value'"
        )
    )
    var headers: [String] = []
    @Option(
        name: .customLong("not-found"),
        help: ArgumentHelp("Body of every 404, from this file below the root (env HUSH_NOT_FOUND).", valueName: "FILE")
    )
    var notFound: String?
    @Option(
        name: .customLong("fallback"),
        help: ArgumentHelp(
            "Serve this file (200) for GET/HEAD of an extension-less path that matches nothing: single-page sites (env HUSH_FALLBACK).",
            valueName: "FILE"
        )
    )
    var fallback: String?

    /// The rules these flags and `env` describe; one line naming the flag for a value refused.
    func configuration(environment env: [String: String]) throws(CLIFailure) -> HeaderConfiguration {
        var c = HeaderConfiguration()
        if noNoSniff || ServeCommand.truthy(env["HUSH_NO_NOSNIFF"]) { c.noSniff = false }
        var origins = corsOrigins
        if origins.isEmpty, let text = env["HUSH_CORS_ORIGIN"] {
            origins = text.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
        }
        if origins.isEmpty, noCORS || ServeCommand.truthy(env["HUSH_NO_CORS"]) { c.cors = .off }
        if !origins.isEmpty {
            if noCORS || ServeCommand.truthy(env["HUSH_NO_CORS"]) {
                throw CLIFailure(message: "--no-cors and --cors-origin contradict each other: pass one")
            }
            var list: [String] = []
            for origin in origins {
                do { list.append(try HeaderConfiguration.CORS.origin(origin)) } catch {
                    throw CLIFailure(message: "--cors-origin \(origin): \(error)")
                }
            }
            if list.contains("*") {
                guard list.count == 1 else {
                    throw CLIFailure(message: "--cors-origin '*' allows every origin: list no others beside it")
                }
                c.cors = .any
            } else {
                c.cors = .origins(list)
            }
        }
        var rules = headers
        if rules.isEmpty, let text = env["HUSH_HEADER"] {
            rules = text.split(separator: "\n").map(String.init).filter { !$0.allSatisfy(\.isWhitespace) }
        }
        for text in rules {
            do { c.rules.append(try HeaderRule.parse(text)) } catch {
                throw CLIFailure(message: "--header '\(text)': \(error)")
            }
        }
        if let v = notFound ?? env["HUSH_NOT_FOUND"], !v.isEmpty { c.notFound = v }
        if let v = fallback ?? env["HUSH_FALLBACK"], !v.isEmpty { c.fallback = v }
        return c
    }
}
