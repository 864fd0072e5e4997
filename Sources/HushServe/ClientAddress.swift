/// Which header names the client behind a proxy (`--forwarded-header`).
public enum ForwardedHeader: String, Sendable, Equatable, CaseIterable {
    /// `X-Forwarded-For: client, proxy1, proxy2` (what nginx's `$proxy_add_x_forwarded_for` and
    /// Caddy's `reverse_proxy` send). The default.
    case xForwardedFor = "x-forwarded-for"
    /// `Forwarded: for=client;proto=https, for="[2001:db8::1]:4711"` (RFC 7239 §4).
    case forwarded = "forwarded"
}

/// Decides the client address the access log shows, from the connection's peer and, when that
/// peer is a trusted proxy, the forwarding header: the right-most address that is not a trusted
/// proxy, walking the header from its end as nginx's `real_ip_recursive on` does.
///
/// Only the right end of the header can be believed: each trusted proxy appends the address it
/// received the request from, while everything to the left of the first untrusted hop was written
/// by that hop, possibly the client itself (RFC 7239 §8.1).
public struct ClientAddressResolver: Sendable, Equatable {
    /// The networks whose requests may name their client.
    public var trustedProxies: [AddressRange]
    /// Whether a peer on a unix socket is a trusted proxy (it has no address to match a range).
    public var trustUnixPeer: Bool
    /// The header the proxies set.
    public var header: ForwardedHeader

    public init(trustedProxies: [AddressRange], trustUnixPeer: Bool, header: ForwardedHeader) {
        self.trustedProxies = trustedProxies
        self.trustUnixPeer = trustUnixPeer
        self.header = header
    }

    /// Whether any header is ever consulted.
    public var isEnabled: Bool { !trustedProxies.isEmpty || trustUnixPeer }

    /// How the access log names a unix-socket peer (nginx's `$remote_addr` there).
    public static let unixPeer = "unix:"

    /// Whether `peer` (an address as the log shows it, or ``unixPeer``) is a trusted proxy.
    public func trusts(_ peer: String) -> Bool {
        if peer == Self.unixPeer { return trustUnixPeer }
        guard let (bytes, _) = AddressRange.parseAddress(peer) else { return false }
        return trustedProxies.contains { $0.contains(bytes) }
    }

    /// The client for a request from `peer` whose head is `head` (as the parser validated it).
    ///
    /// From the peer leftwards through the header's entries: the first address that is not a
    /// trusted proxy is the client; if every one is trusted, the left-most; an entry that is not
    /// an address (`unknown`, an obfuscated `_name`, garbage) ends the walk at the last address
    /// reached — nginx's rules for `set_real_ip_from` with `real_ip_recursive on`.
    public func client(peer: String, head: UnsafeRawBufferPointer) -> String {
        guard trusts(peer) else { return peer }
        let entries = ForwardedFields.values(named: header.rawValue, in: head).flatMap { value in
            header == .forwarded ? ForwardedFields.forwardedFor(value) : ForwardedFields.list(value)
        }
        var current = peer
        for entry in entries.reversed() {
            guard trusts(current), let address = ForwardedFields.address(entry) else { return current }
            current = address
        }
        return current
    }
}

/// Reading the forwarding headers out of a request head (RFC 9110 §5.3, RFC 7239 §4).
enum ForwardedFields {
    /// The values of every field called `name` (lowercase), in order: repeated fields form one
    /// list (RFC 9110 §5.3). The head was validated by ``RequestParser`` (CRLF or LF lines, no
    /// obs-fold, a colon in every field line).
    static func values(named name: String, in head: UnsafeRawBufferPointer) -> [String] {
        var out: [String] = []
        var lineStart = 0
        var first = true
        let target = Array(name.utf8)
        while lineStart < head.count {
            var end = lineStart
            while end < head.count, head[end] != UInt8(ascii: "\n") { end += 1 }
            let line = head[lineStart..<(end > lineStart && head[end - 1] == UInt8(ascii: "\r") ? end - 1 : end)]
            defer { lineStart = end + 1 }
            if first {
                first = false
                continue
            }
            if line.isEmpty { break }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon - line.startIndex == target.count,
                zip(line[line.startIndex..<colon], target).allSatisfy({ Self.lower($0) == $1 })
            else { continue }
            out.append(String(decoding: line[(colon + 1)...], as: UTF8.self).trimmingSpaces)
        }
        return out
    }

    /// `X-Forwarded-For`'s comma-separated entries, trimmed, empty ones dropped.
    static func list(_ value: String) -> [String] {
        value.split(separator: ",").map { String($0).trimmingSpaces }.filter { !$0.isEmpty }
    }

    /// The `for=` node of each element of a `Forwarded` value (RFC 7239 §4: elements separated by
    /// commas, pairs by semicolons, values a token or a quoted-string). An element without `for=`
    /// yields `""`, which is no address: a hop that does not say whom it served ends the walk.
    static func forwardedFor(_ value: String) -> [String] {
        var elements: [String] = []
        var node = ""
        var key = ""
        var text = ""
        var inKey = true
        var quoted = false
        var escaped = false
        var sawContent = false  // a trailing or doubled comma is an empty element, not a hop
        func endPair() {
            if key.trimmingSpaces.lowercased() == "for" { node = text.trimmingSpaces }
            key = ""
            text = ""
            inKey = true
        }
        for c in value {
            if c != " " && c != "\t" && c != "," { sawContent = true }
            if quoted {
                if escaped {
                    text.append(c)
                    escaped = false
                } else if c == "\\" {
                    escaped = true
                } else if c == "\"" {
                    quoted = false
                } else {
                    text.append(c)
                }
                continue
            }
            switch c {
            case "\"" where !inKey: quoted = true
            case "=" where inKey: inKey = false
            case ";": endPair()
            case ",":
                endPair()
                if sawContent { elements.append(node) }
                node = ""
                sawContent = false
            default: if inKey { key.append(c) } else { text.append(c) }
            }
        }
        endPair()
        if sawContent { elements.append(node) }
        return elements
    }

    /// The address in a forwarded node, normalised: `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1`,
    /// `[2001:db8::1]` or `[2001:db8::1]:4711` give the address alone; anything else nil.
    static func address(_ node: String) -> String? {
        var text = Substring(node)
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            let rest = text[text.index(after: close)...]
            guard rest.isEmpty || (rest.hasPrefix(":") && rest.dropFirst().allSatisfy(\.isASCII)) else { return nil }
            text = text[text.index(after: text.startIndex)..<close]
            guard let (_, isIPv4) = AddressRange.parseAddress(String(text)), !isIPv4 else { return nil }
            return String(text)
        }
        if AddressRange.parseAddress(String(text)) != nil { return String(text) }
        // IPv4 with a port (one colon; an IPv6 address has at least two).
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let (_, isIPv4) = AddressRange.parseAddress(String(parts[0])), isIPv4 else {
            return nil
        }
        return String(parts[0])
    }

    private static func lower(_ b: UInt8) -> UInt8 { b >= 0x41 && b <= 0x5a ? b + 0x20 : b }
}

extension String {
    fileprivate var trimmingSpaces: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        return String(drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
}
