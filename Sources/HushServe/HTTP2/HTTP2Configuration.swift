/// HTTP/2 over cleartext (h2c): whether `hush serve` speaks it and within which limits.
///
/// Off by default: h2c has no negotiation a client could stumble into (a proxy speaks it only
/// when told to), so whoever configures the proxy also passes `--h2c`; until then every
/// connection goes straight to the HTTP/1.1 handler, as before, and HTTP/2's larger surface
/// (stream state, HPACK, control frames) is not exposed. nginx and Caddy make the same choice.
public struct HTTP2Configuration: Sendable, Equatable {
    /// Accept HTTP/2 with prior knowledge (RFC 9113 §3.3) and `Upgrade: h2c` from HTTP/1.1
    /// (RFC 7540 §3.2; deprecated by RFC 9113 §3.1 but still sent by some clients).
    public var enabled = false
    /// SETTINGS_MAX_CONCURRENT_STREAMS (RFC 9113 §6.5.2): streams a client may have open at
    /// once; more are refused. Responses are produced at once, so streams stay open only while
    /// flow control holds their bodies. Default 128.
    public var maxConcurrentStreams = 128
    /// SETTINGS_MAX_HEADER_LIST_SIZE: the decoded request header list at most, the same
    /// 16 KiB an HTTP/1.1 head may take (``RequestParser/maxHead``).
    public var maxHeaderListSize = 16 << 10
    /// SETTINGS_INITIAL_WINDOW_SIZE for the client's DATA: requests to a static origin carry no
    /// body, so the default window is plenty.
    public var initialWindowSize = 65_535
    /// Inbound RST_STREAM frames allowed per 30 s before the connection is closed with GOAWAY
    /// (ENHANCE_YOUR_CALM): the rapid-reset attack (CVE-2023-44487). NIO's default, 200.
    public var maxResetsPer30Seconds = 200
    /// SETTINGS, PING and PRIORITY frames allowed per 30 s before GOAWAY (control-frame floods).
    public var maxControlFramesPer30Seconds = 200
    /// Suspicious events (NIO's "glitches": frames on closed streams, invalid headers, ...)
    /// allowed on one connection before GOAWAY.
    public var maxGlitches = 200
    /// CONTINUATION frames allowed after one HEADERS frame (CONTINUATION floods,
    /// CVE-2024-27316 and kin); a header list needs one or two.
    public var maxContinuationFrames = 5

    public init() {}
}
