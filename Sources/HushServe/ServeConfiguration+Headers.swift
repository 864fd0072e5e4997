/// The header rules of `hush serve`: what it adds to file responses besides the fields it owns,
/// and what it answers for paths that match no file. Everything here is rendered into the
/// representations' heads when the table is loaded (see ``HeadRenderer``), so a request that no
/// rule affects costs nothing more.
public struct HeaderConfiguration: Sendable, Equatable {
    /// `Access-Control-Allow-Origin` (the Fetch standard's CORS protocol) on file responses.
    public enum CORS: Sendable, Equatable {
        /// No CORS header (the default).
        case off
        /// `Access-Control-Allow-Origin: *` on every file response.
        case any
        /// Echo the request's `Origin` when it is one of these serialized origins
        /// (`https://app.example`); every file response then says `Vary: Origin`.
        case origins([String])
    }

    /// `X-Content-Type-Options: nosniff` on file responses and the custom 404 page. Default true.
    public var noSniff = true
    /// Default `*`, as WhiteNoise sends: fonts and module scripts on a CDN or another origin
    /// load without configuration; `--no-cors` turns it off, `--cors-origin` narrows it.
    public var cors = CORS.any
    /// `--header` rules, in the order given; a later rule for the same field name wins.
    public var rules: [HeaderRule] = []
    /// A file below the root (`404.html`) whose bytes are the body of every 404. Nil: `Not Found\n`.
    public var notFound: String?
    /// A file below the root (`index.html`) served with 200 for GET/HEAD of a path without a file
    /// extension that matches nothing (single-page sites). Nil: such paths are 404.
    public var fallback: String?

    public init() {}
}

/// One `--header 'GLOB: Name: value'` rule: the field `name: value` on every response for a file
/// whose path below the prefix matches `glob`.
public struct HeaderRule: Sendable, Equatable {
    /// `fnmatch(3)` pattern without flags: `*` matches any characters, `/` included, so
    /// `*.woff2` matches `fonts/a.woff2`.
    public var glob: String
    public var name: String
    public var value: String

    public init(glob: String, name: String, value: String) {
        self.glob = glob
        self.name = name
        self.value = value
    }

    /// Parses `GLOB: Name: value`, checking the field as ``validate()`` does.
    public static func parse(_ text: String) throws(HeaderRuleError) -> HeaderRule {
        let parts = text.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw .malformed }
        let glob = String(parts[0]).trimmingSpaces
        guard !glob.isEmpty else { throw .malformed }
        let rule = HeaderRule(glob: glob, name: String(parts[1]).trimmingSpaces, value: String(parts[2]).trimmingSpaces)
        try rule.validate()
        return rule
    }

    /// Fields a rule may not set: hop-by-hop and framing fields (RFC 9110 §7.6.1, RFC 9112 §6),
    /// which would corrupt the connection, and the fields Hush renders itself (a second copy would
    /// contradict the first; each has its own flag).
    static let refused: [String: String] = [
        "connection": "a hop-by-hop field", "keep-alive": "a hop-by-hop field",
        "proxy-connection": "a hop-by-hop field", "te": "a hop-by-hop field", "trailer": "a hop-by-hop field",
        "transfer-encoding": "a framing field", "upgrade": "a hop-by-hop field",
        "content-length": "a framing field", "content-range": "set by Hush for ranges",
        "date": "set by Hush", "etag": "set by Hush from the file's bytes",
        "last-modified": "set by Hush from the file's mtime", "content-encoding": "set by Hush from the sibling sent",
        "content-type": "set by Hush from the file name", "vary": "set by Hush from the negotiation it does",
        "accept-ranges": "set by Hush", "cache-control": "set by Hush (see --max-age)",
        "access-control-allow-origin": "set by --cors-origin",
        "x-content-type-options": "set by Hush (see --no-nosniff)",
    ]

    /// Checks the name is a token (RFC 9110 §5.1) Hush lets rules set, and the value a field value
    /// (§5.5: visible characters, spaces and tabs inside, no CR, LF or NUL).
    public func validate() throws(HeaderRuleError) {
        guard !name.isEmpty, name.utf8.allSatisfy(RequestParser.isTokenByte) else { throw .badName(name) }
        if let why = Self.refused[name.lowercased()] { throw .refusedName(name, why) }
        let bytes = Array(value.utf8)
        guard let first = bytes.first, let last = bytes.last else { throw .badValue(name) }
        let visible: (UInt8) -> Bool = { $0 >= 0x21 && $0 != 0x7F }
        guard visible(first), visible(last), bytes.allSatisfy({ visible($0) || $0 == 0x20 || $0 == 0x09 }) else {
            throw .badValue(name)
        }
    }
}

/// Why a `--header` rule or `--cors-origin` was refused; the CLI names the flag.
public enum HeaderRuleError: Error, Equatable, CustomStringConvertible {
    case malformed
    case badName(String)
    case refusedName(String, String)
    case badValue(String)
    case badOrigin(String)

    public var description: String {
        switch self {
        case .malformed:
            return "expected 'GLOB: Name: value', e.g. '*.woff2: Cross-Origin-Resource-Policy: cross-origin'"
        case .badName(let name): return "'\(name)' is not a field name (letters, digits and !#$%&'*+-.^_`|~ only)"
        case .refusedName(let name, let why): return "\(name) cannot be set by a rule: \(why)"
        case .badValue(let name):
            return "the value of \(name) must be non-empty visible characters (no control characters, no line breaks)"
        case .badOrigin(let origin):
            return "'\(origin)' is not an origin: expected scheme://host[:port] with no path, or '*'"
        }
    }
}

extension HeaderConfiguration.CORS {
    /// Checks a `--cors-origin` value: `*`, or a serialized origin (RFC 6454 §6.2) such as
    /// `https://app.example:8443`, returned lowercase as browsers send it.
    public static func origin(_ text: String) throws(HeaderRuleError) -> String {
        if text == "*" { return text }
        let lower = text.lowercased()
        guard let scheme = lower.range(of: "://"), !lower[..<scheme.lowerBound].isEmpty,
            lower[..<scheme.lowerBound].utf8.allSatisfy({ $0.isLowercaseLetterOrDigitOrPlus }),
            case let rest = lower[scheme.upperBound...], !rest.isEmpty,
            rest.utf8.allSatisfy({ $0.isOriginHostByte })
        else { throw .badOrigin(text) }
        return lower
    }
}

extension UInt8 {
    fileprivate var isLowercaseLetterOrDigitOrPlus: Bool {
        (self >= 0x61 && self <= 0x7A) || (self >= 0x30 && self <= 0x39) || self == 0x2B || self == 0x2D || self == 0x2E
    }

    /// Host and port bytes of an origin: letters, digits, `-._~`, `:` and IPv6 brackets; no path.
    fileprivate var isOriginHostByte: Bool {
        isLowercaseLetterOrDigitOrPlus || self == 0x3A || self == 0x5B || self == 0x5D || self == 0x5F || self == 0x7E
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        return String(drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
}
